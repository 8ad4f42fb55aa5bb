"""SharePoint 2010 publishing site (e.g. stttt.dongthap.gov.vn): paged listings under
/Pages/ChuyenMuc/PhanTrang/, .aspx articles, ribbon chrome, month-first US dates; plain HTTP."""
from __future__ import annotations

import re

from portal_mirror.articles import Article
from portal_mirror.layouts.base import (
    NotFound, Request, Response, counter_lines, date_us, esc, latest, listing_page, newest,
    only_reading, pager, related,
)


class SharePointLayout:
    name = "sharepoint"

    def article_path(self, site, a: Article) -> str:
        prefix = "/NoiBo" if a.fault == "robots_disallowed" else ""
        return f"{prefix}/Pages/{a.slug}-{a.article_id}.aspx"

    def robots(self, site, base_url: str) -> str:
        return "User-agent: *\nDisallow: /_layouts/\nDisallow: /_vti_bin/\nDisallow: /NoiBo/\n"

    @staticmethod
    def listing_path(cat: str, page: int) -> str:
        return f"/Pages/ChuyenMuc/PhanTrang/{cat}/{page}/Default.aspx"

    def _frame(self, req: Request, title: str, main: str, seed: str, published=None) -> str:
        site = req.site
        menu = "".join(f'<li class="static"><a class="static menu-item" href="{self.listing_path(c.slug, 1)}">'
                       f'<span class="menu-item-text">{esc(c.title)}</span></a></li>' for c in site.categories)
        news = "".join(f'<tr><td class="ms-vb"><a href="{a.url_path}">{esc(a.title)}</a></td></tr>'
                       for a in latest(req.content))
        stats = "".join(f"<tr><td>{k}</td><td>: {v}</td></tr>" for k, v in counter_lines(seed, published))
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html dir="ltr" lang="vi-VN">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="GENERATOR" content="Microsoft SharePoint" /><meta http-equiv="X-UA-Compatible" content="IE=8" />
<title>{esc(title)}</title>
<link rel="stylesheet" type="text/css" href="/_layouts/1066/styles/Themable/corev4.css" />
<script type="text/javascript" src="/_layouts/1066/init.js"></script></head>
<body scroll="no" onload="javascript:_spBodyOnLoadWrapper();" class="v4master">
<form name="aspnetForm" method="post" action="{esc(req.path)}" id="aspnetForm">
<div id="s4-ribbonrow" class="s4-pr s4-ribbonrowhidetitle"><div id="s4-ribboncont">
<a href="#ctl00_PlaceHolderMain_ctl00" class="ms-SkipLink">Skip Ribbon Commands</a>
<div class="ms-cui-ribbonTopBars"><span class="ms-cui-tt-span">Browse</span><span class="ms-cui-tt-span">Page</span></div>
<div id="s4-trimmedtitle"><a href="/_layouts/Authenticate.aspx?Source=%2F" class="ms-signInLink">Sign In</a></div></div></div>
<div id="s4-workspace"><div id="s4-bodyContainer">
<div id="s4-titlerow" class="header"><div class="banner"><a href="/"><img src="/PublishingImages/banner.jpg" alt="{esc(site.name)}" /></a></div>
<div class="s4-tn"><ul class="root static"><li class="static"><a class="static menu-item" href="/"><span>Trang chủ</span></a></li>{menu}</ul></div></div>
<div id="s4-mainarea"><div id="MSO_ContentTable" class="s4-ca">
<a name="ctl00_PlaceHolderMain_ctl00"></a>
<table class="main-layout" width="100%"><tr>
<td class="main-column" valign="top">{main}</td>
<td class="right-column" valign="top" width="260">
<div class="ms-webpart-zone"><div class="ms-WPHeader"><h3 class="ms-standardheader ms-WPTitle">Tin mới</h3></div>
<table class="tin-moi">{news}</table>
<div class="ms-WPHeader"><h3 class="ms-standardheader ms-WPTitle">Thống kê truy cập</h3></div>
<table class="thong-ke">{stats}</table></div></td></tr></table>
</div></div>
<div class="footer"><p>SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH {esc(site.province.upper())}</p>
<p>Địa chỉ: Số 12, đường 30/4, Phường 1, TP. Cao Lãnh, tỉnh {esc(site.province)}</p>
<p>Ghi rõ nguồn khi phát hành lại thông tin từ trang này.</p></div>
</div></div>
<input type="hidden" name="__REQUESTDIGEST" id="__REQUESTDIGEST" value="0x8E1E6B4D32F1,01 Jan 2018 00:00:00 -0000" />
</form></body></html>"""

    def _item(self, a: Article) -> str:
        return f"""<div class="news-item">
<a class="news-title" href="{a.url_path}">{esc(a.title)}</a>&nbsp;<span class="news-date">{date_us(a.published)}</span>
<div class="news-summary">{esc(a.summary)}</div>
</div>"""

    def _listing(self, req: Request, cat, page: int) -> Response:
        shown, pages = listing_page(req, cat.slug, page)
        links = pager(page, pages, lambda n: self.listing_path(cat.slug, n),
                      prev='<a class="prev" href="{href}">Trang trước</a>', number='<a href="{href}">{n}</a>',
                      current='<span class="current">{n}</span>',
                      next='<a class="next" href="{href}">Trang sau</a>')
        main = f"""<div class="ms-webpart-zone"><div class="ms-WPHeader"><h2 class="category-title">{esc(cat.title)}</h2></div>
<div class="news-list">
{"".join(self._item(a) for a in shown)}
</div>
<div class="paging">{" ".join(links)}</div></div>"""
        return Response(body=self._frame(req, cat.title, main, f"{req.site.id}:{cat.slug}:{page}"),
                        last_modified=newest(shown))

    def render_article(self, req: Request, a: Article) -> Response:
        rel = "".join(f'<li><a href="{r.url_path}">{esc(r.title)}</a> <span class="news-date">{date_us(r.published)}</span></li>'
                      for r in related(req.content, a))
        paragraphs = "\n".join(f'<p style="text-align: justify;">&#160;&#160;&#160;&#160;{esc(p)}</p>'
                               for p in a.paragraphs)
        lead = f'<p><strong>{esc(a.lead)}</strong></p>' if a.lead else ""
        source = f'<div class="article-source">{esc(a.source)}</div>' if a.source else ""
        author = f'<div class="article-author">{esc(a.author)}</div>' if a.author else ""
        main = f"""<div class="article">
<div class="article-header"><h1 class="article-title">{esc(a.title)}</h1>
<span class="article-date">{date_us(a.published)}</span></div>
<div class="share-tools"><a href="javascript:window.print()">In trang</a> | <a href="mailto:?subject={esc(a.title)}">Gửi email</a>
| <a href="https://www.facebook.com/sharer/sharer.php?u={esc(req.base_url + a.url_path)}">Chia sẻ Facebook</a></div>
<div id="ctl00_PlaceHolderMain_ctl02__ControlWrapper_RichHtmlField" class="ms-rtestate-field" style="display:inline">
{lead}
{paragraphs}
</div>
{author}
{source}
<div class="related-news"><h3>Các tin khác</h3><ul>{rel}</ul></div>
</div>"""
        body = self._frame(req, a.title, main, f"{req.site.id}:{a.url_path}", a.published)
        return Response(body=body, last_modified=a.published)

    def handle(self, req: Request) -> Response:
        only_reading(req)
        if req.path in ("/", "/Pages/Default.aspx", "/Pages/default.aspx"):
            main = "".join(f'<div class="news-list"><h2><a href="{self.listing_path(c.slug, 1)}">{esc(c.title)}</a></h2>'
                           + "".join(self._item(a) for a in req.content.listed(c.slug)[:5]) + "</div>"
                           for c in req.site.categories)
            return Response(body=self._frame(req, req.site.name, main, f"{req.site.id}:home"),
                            last_modified=newest(req.content.articles))
        m = re.fullmatch(r"/Pages/ChuyenMuc/PhanTrang/([\w-]+)/(\d+)(?:/.*)?", req.path)
        if m and req.site.category(m.group(1)) and int(m.group(2)) >= 1:
            return self._listing(req, req.site.category(m.group(1)), int(m.group(2)))
        raise NotFound(req.path)
