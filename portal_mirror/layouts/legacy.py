"""Custom legacy portal / provincial newspaper: ?page=N listings with document-relative links,
a "Xem tin theo ngày" date archive, long Vietnamese dates, share bar and counters; optionally a
legacy charset declared only in <meta>, and optionally hacked (hidden gambling links, doorway page)."""
from __future__ import annotations

import re
from datetime import date

from portal_mirror.articles import Article
from portal_mirror.config import load_templates
from portal_mirror.layouts.base import (
    NotFound, Request, Response, counter_lines, date_vn_long, esc, latest, newest, only_reading,
    page_count, page_slice, related,
)

DOORWAY = "/nha-cai-uy-tin.html"
ARCHIVE = "/xem-tin-theo-ngay.html"


def _hidden_links() -> str:
    links = " ".join(f'<a href="{esc(h["href"])}" title="{esc(h["text"])}">{esc(h["text"])}</a>'
                     for h in load_templates()["hidden_links"])
    return f'<div style="display:none">{links}</div>'


class LegacyLayout:
    name = "legacy"

    def article_path(self, site, a: Article) -> str:
        cat = "noi-bo" if a.fault == "robots_disallowed" else a.category
        return f"/{cat}/{a.slug}-{a.article_id}.html"

    def robots(self, site, base_url: str) -> str:
        return "User-agent: *\nDisallow: /admin/\nDisallow: /noi-bo/\nDisallow: /tim-kiem.html\n"

    def _frame(self, req: Request, title: str, main: str, seed: str, published=None) -> str:
        site = req.site
        charset = site.charset
        menu = "".join(f'<li><a href="/{c.slug}.html">{esc(c.title)}</a></li>' for c in site.categories)
        news = "".join(f'<li><a href="{a.url_path}">{esc(a.title)}</a></li>' for a in latest(req.content))
        stats = "".join(f"<tr><td>{k} :</td><td>{v}</td></tr>" for k, v in counter_lines(seed, published))
        hidden = _hidden_links() if site.hacked else ""
        return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{esc(title)} | {esc(site.name)}</title>
<link href="/css/style.css" rel="stylesheet" type="text/css">
<script language="javascript" src="/js/common.js"></script>
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" align="center" cellpadding="0" cellspacing="0" id="wrapper">
<tr><td id="header" colspan="2"><a href="/"><img src="/images/banner.jpg" alt="{esc(site.name)}" border="0"></a></td></tr>
<tr><td id="menu" colspan="2"><ul class="menu"><li><a href="/">Trang chủ</a></li>{menu}
<li><a href="/lien-he.html">Liên hệ</a></li></ul></td></tr>
<tr><td id="main" valign="top" width="700">
{main}
</td>
<td id="sidebar" valign="top" width="300">
<div class="box"><div class="box-title">Xem tin theo ngày</div>
<form action="{ARCHIVE}" method="get" name="frmDate">Xem tin theo ngày:
<input type="text" name="ngay" size="2" maxlength="2"> / <input type="text" name="thang" size="2" maxlength="2"> /
<input type="text" name="nam" size="4" maxlength="4"> <input type="submit" value="Xem"></form></div>
<div class="box"><div class="box-title">Tin mới nhất</div><ul class="new-list">{news}</ul></div>
<div class="box thong-ke"><div class="box-title">Thống kê truy cập</div><table>{stats}</table></div>
</td></tr>
<tr><td id="footer" colspan="2">
<p><b>{esc(site.name.upper())}</b></p>
<p>Giấy phép xuất bản số 123/GP-BTTTT. Địa chỉ: tỉnh {esc(site.province)}.</p>
<p>Ghi rõ nguồn "{esc(site.name)}" khi phát hành lại thông tin từ website này.</p>
{hidden}
</td></tr></table>
</body></html>"""

    def _item(self, a: Article) -> str:
        href = a.url_path.lstrip("/")          # document-relative, as these sites write them
        return f"""<div class="news-item">
<a href="{href}"><img src="images/news/{a.article_id}.jpg" class="news-img" width="120" border="0"></a>
<a class="news-title" href="{href}">{esc(a.title)}</a>
<span class="news-date">{date_vn_long(a.published)}</span>
<p class="news-sapo">{esc(a.summary)}</p>
</div>"""

    def _list_page(self, req: Request, title: str, items: list[Article], seed: str, extra_query: str = "") -> Response:
        page = req.int_param("page", 1)
        pages = page_count(len(items))
        shown = page_slice(items, page)
        links = []
        q = extra_query + "&" if extra_query else ""
        if page > 1:
            links.append(f'<a class="prev" href="?{q}page={page - 1}">« Trang trước</a>')
        for n in range(1, pages + 1):
            links.append(f"<b>{n}</b>" if n == page else f'<a href="?{q}page={n}">{n}</a>')
        if page < pages:
            links.append(f'<a class="next" href="?{q}page={page + 1}">Trang sau »</a>')
        body_items = "".join(self._item(a) for a in shown) or '<p class="empty">Không có tin nào.</p>'
        main = f"""<div class="cat-title"><h2>{esc(title)}</h2></div>
<div class="list-news">
{body_items}
</div>
<div class="pagination">{" ".join(links)}</div>"""
        return Response(body=self._frame(req, title, main, f"{seed}:{page}"), last_modified=newest(shown))

    def _archive(self, req: Request) -> Response:
        q = req.query
        try:
            day = date(int(q.get("nam", "")), int(q.get("thang", "")), int(q.get("ngay", "")))
        except ValueError:
            main = '<div class="cat-title"><h2>Xem tin theo ngày</h2></div><p class="empty">Ngày không hợp lệ.</p>'
            return Response(body=self._frame(req, "Xem tin theo ngày", main, f"{req.site.id}:archive"))
        items = [a for a in req.content.articles if a.published.date() == day]
        extra = f"ngay={day.day}&amp;thang={day.month}&amp;nam={day.year}"
        return self._list_page(req, f"Tin ngày {day.day}/{day.month}/{day.year}", items,
                               f"{req.site.id}:archive:{day}", extra)

    def render_article(self, req: Request, a: Article) -> Response:
        rel = "".join(f'<li><a href="{r.url_path}">{esc(r.title)}</a> <i>({r.published:%d/%m/%Y})</i></li>'
                      for r in related(req.content, a))
        lead = f'<p class="sapo"><b>{esc(a.lead)}</b></p>' if a.lead else ""
        paragraphs = "\n".join(f'<p align="justify">{esc(p)}</p>' for p in a.paragraphs)
        author = f'<p align="right"><b>{esc(a.author)}</b></p>' if a.author else ""
        source = f'<div class="detail-source" align="right"><i>{esc(a.source)}</i></div>' if a.source else ""
        url = esc(req.base_url + a.url_path)
        # pages whose text was injected also carry a hidden link block inside the article body
        injected = _hidden_links() if req.site.hacked and (a.kind == "seed" or a.extra.get("spam")) else ""
        cat = req.site.category(a.category)
        crumb = f'<a href="/{cat.slug}.html">{esc(cat.title)}</a>' if cat else ""
        main = f"""<div class="breadcrumb"><a href="/">Trang chủ</a> » {crumb}</div>
<div class="detail">
<h1 class="detail-title">{esc(a.title)}</h1>
<div class="detail-date">{date_vn_long(a.published)}</div>
<div class="tool-bar"><a href="javascript:zoom(-1)">A-</a> <a href="javascript:zoom(0)">A</a> <a href="javascript:zoom(1)">A+</a> |
Chia sẻ <a href="https://www.facebook.com/sharer.php?u={url}" title="Chia sẻ bài viết lên facebook">Chia sẻ bài viết lên facebook</a>
<a href="https://twitter.com/home?status={url}" title="Chia sẻ bài viết lên twitter">Chia sẻ bài viết lên twitter</a>
<a href="https://plus.google.com/share?url={url}" title="Chia sẻ bài viết lên google+">Chia sẻ bài viết lên google+</a>
<a href="javascript:contrast(1)">Tăng tương phản</a> <a href="javascript:contrast(-1)">Giảm tương phản</a></div>
<div class="detail-content">
{lead}
{paragraphs}
{author}
{injected}
</div>
{source}
<div class="detail-tools"><a href="javascript:window.print()">In bài</a> | <a href="javascript:history.back()">Trở về</a></div>
</div>
<div class="other-news"><div class="box-title">Các tin khác</div><ul>{rel}</ul></div>"""
        body = self._frame(req, a.title, main, f"{req.site.id}:{a.url_path}", a.published)
        return Response(body=body, last_modified=a.published)

    def handle(self, req: Request) -> Response:
        only_reading(req)
        site = req.site
        if site.hacked and req.path == DOORWAY:
            return Response(status=302, body="", headers={"Location": load_templates()["doorway_target"]})
        if req.path in ("/", "/index.html", "/index.php"):
            return self._list_page(req, "Tin mới", [a for a in req.content.articles], f"{site.id}:home")
        if req.path == ARCHIVE:
            return self._archive(req)
        m = re.fullmatch(r"/([\w-]+)\.html", req.path)
        if m and site.category(m.group(1)):
            cat = site.category(m.group(1))
            return self._list_page(req, cat.title, req.content.listed(cat.slug), f"{site.id}:{cat.slug}")
        raise NotFound(req.path)

