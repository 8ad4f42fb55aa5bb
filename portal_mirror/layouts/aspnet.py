"""ASP.NET Web Forms provincial portal (e.g. hagiang.gov.vn): page 1 of a category is HTML, later
pages come from a POST to a page method returning a fragment; absolute links; served over HTTPS."""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from portal_mirror.articles import Article
from portal_mirror.layouts.base import (
    PAGE_SIZE, MethodNotAllowed, NotFound, Request, Response, counter_lines, date_dmy_hm, esc,
    latest, newest, only_reading, page_count, page_slice, related,
)

ENDPOINT = "/Pages/ArticleInMenuPagination.aspx/LoadArticle"


class AspNetLayout:
    name = "aspnet"

    def article_path(self, site, a: Article) -> str:
        cat = "noi-bo" if a.fault == "robots_disallowed" else a.category
        return f"/tin-tuc/{cat}/{a.slug}-{a.article_id}.html"

    def robots(self, site, base_url: str) -> str:
        return "User-agent: *\nDisallow: /Admin/\nDisallow: /tin-tuc/noi-bo/\nDisallow: /Pages/Login.aspx\n"

    @staticmethod
    def category_path(cat) -> str:
        return f"/chuyen-muc/{cat.slug}-{cat.menu_id}.html"

    def _frame(self, req: Request, title: str, main: str, seed: str, published=None) -> str:
        base, site = req.base_url, req.site
        menu = "".join(f'<li class="MenuItem"><a href="{base}{self.category_path(c)}">{esc(c.title)}</a></li>'
                       for c in site.categories)
        news = "".join(f'<li><a href="{base}{a.url_path}">{esc(a.title)}</a></li>' for a in latest(req.content))
        stats = "".join(f'<div class="StatRow"><span>{k}</span> : <b>{v}</b></div>'
                        for k, v in counter_lines(seed, published))
        return f"""<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="vi">
<head><meta charset="utf-8" /><title>{esc(title)}</title>
<link rel="stylesheet" href="{base}/Portals/_default/skins/hagiang/skin.css" />
<script src="{base}/Scripts/jquery-1.8.3.min.js"></script></head>
<body>
<form method="post" action="./" id="Form">
<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwULLTE2MTY2ODcyMjlkZGh0c3RhdGU=" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAAKxv0mU1vYw7Jp5hQ==" /></div>
<div id="Header"><a href="{base}/"><img src="{base}/Portals/0/banner.png" alt="{esc(site.name)}" /></a>
<div class="TopLinks"><a href="{base}/en/">English</a> | <a href="{base}/Pages/Login.aspx">Đăng nhập</a></div></div>
<ul id="MainMenu"><li class="MenuItem"><a href="{base}/">Trang chủ</a></li>{menu}</ul>
<div id="Body"><div class="ContentPane">
{main}
</div>
<div class="RightPane">
<div class="Box TinMoi"><div class="BoxTitle">Tin mới nhất</div><ul>{news}</ul></div>
<div class="Box ThongKeTruyCap"><div class="BoxTitle">Thống kê truy cập</div>{stats}</div>
<div class="Box"><div class="BoxTitle">Dịch vụ công</div><a href="https://dichvucong.gov.vn">Cổng Dịch vụ công quốc gia</a></div>
</div></div>
<div id="Footer"><p>CỔNG THÔNG TIN ĐIỆN TỬ TỈNH {esc(site.province.upper())}</p>
<p>Cơ quan chủ quản: Văn phòng UBND tỉnh {esc(site.province)}. Giấy phép số 52/GP-TTĐT.</p>
<p>© Bản quyền thuộc về {esc(site.name)}</p></div>
</form></body></html>"""

    def _item(self, req: Request, a: Article) -> str:
        url = req.base_url + a.url_path
        return f"""<div class="ArticleItem">
<a class="ArticleImage" href="{url}"><img src="{req.base_url}/Uploads/images/{a.article_id}.jpg" alt="" /></a>
<a class="ArticleTitle" href="{url}">{esc(a.title)}</a>
<div class="PostDate">{date_dmy_hm(a.published)}</div>
<div class="ArticleSapo">{esc(a.summary)}</div>
</div>"""

    def _category_page(self, req: Request, cat) -> Response:
        items = req.content.listed(cat.slug)
        pages = page_count(len(items))
        shown = page_slice(items, 1)
        pager = "".join(
            f'<a class="PageItem{" active" if n == 1 else ""}" data-page="{n}" '
            f'onclick="LoadArticle({cat.menu_id},{n})">{n}</a>' for n in range(1, pages + 1))
        main = f"""<div class="CategoryTitle"><h2>{esc(cat.title)}</h2></div>
<div id="ArticleList" data-menu-id="{cat.menu_id}" data-page-size="{PAGE_SIZE}" data-total-pages="{pages}">
{"".join(self._item(req, a) for a in shown)}
</div>
<div class="Pagination">{pager}</div>
<script type="text/javascript">
function LoadArticle(menuId, pageIndex) {{
  $.ajax({{ type: "POST", url: "{ENDPOINT}",
    data: JSON.stringify({{ menuId: menuId, pageIndex: pageIndex, pageSize: {PAGE_SIZE} }}),
    contentType: "application/json; charset=utf-8", dataType: "json",
    success: function (r) {{ $("#ArticleList").html(r.d); }} }});
}}
</script>"""
        return Response(body=self._frame(req, cat.title, main, f"{req.site.id}:{cat.slug}"),
                        last_modified=newest(shown))

    def _load_article(self, req: Request) -> Response:
        if req.method != "POST":
            raise MethodNotAllowed("POST")
        ctype = req.headers.get("content-type", "")
        as_json = "json" in ctype
        try:
            if as_json:
                params = json.loads(req.body.decode("utf-8") or "{}")
            else:
                params = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8")).items()}
            menu_id, page = int(params["menuId"]), int(params.get("pageIndex", 1))
            size = max(1, min(100, int(params.get("pageSize", PAGE_SIZE))))
        except (ValueError, KeyError, TypeError) as exc:
            msg = {"Message": f"Invalid web service call: {exc}", "ExceptionType": "System.ArgumentException"}
            return Response(status=500, body=json.dumps(msg), content_type="application/json")
        cat = next((c for c in req.site.categories if c.menu_id == menu_id), None)
        items = req.content.listed(cat.slug) if cat else []
        shown = page_slice(items, page, size) if page >= 1 else []
        fragment = "\n".join(self._item(req, a) for a in shown)
        if as_json:
            return Response(body=json.dumps({"d": fragment}, ensure_ascii=False),
                            content_type="application/json", last_modified=newest(shown))
        return Response(body=fragment, last_modified=newest(shown))

    def render_article(self, req: Request, a: Article) -> Response:
        base = req.base_url
        rel = "".join(f'<li><a href="{base}{r.url_path}">{esc(r.title)}</a> <span>({r.published:%d/%m/%Y})</span></li>'
                      for r in related(req.content, a))
        lead = a.lead or ""
        paragraphs = "\n".join(f'<p style="text-align:justify">{esc(p)}</p>' for p in a.paragraphs)
        author = f'<p style="text-align:right"><b>{esc(a.author)}</b></p>' if a.author else ""
        source = f'<div class="ArticleSource">{esc(a.source)}</div>' if a.source else ""
        url = esc(base + a.url_path)
        main = f"""<div class="BreadCrumb"><a href="{base}/">Trang chủ</a> &gt; <a href="{base}{self.category_path(req.site.category(a.category) or req.site.categories[0])}">{esc((req.site.category(a.category) or req.site.categories[0]).title)}</a></div>
<div class="ArticleDetail" id="ArticleDetail_{a.article_id}">
<div class="ToolBox"><a href="javascript:void(0)" class="FontDown">A-</a> <a href="javascript:void(0)" class="FontNormal">A</a> <a href="javascript:void(0)" class="FontUp">A+</a> | Chia sẻ
<a href="https://www.facebook.com/sharer/sharer.php?u={url}" title="Chia sẻ bài viết lên facebook">Chia sẻ bài viết lên facebook</a>
<a href="https://twitter.com/share?url={url}" title="Chia sẻ bài viết lên twitter">Chia sẻ bài viết lên twitter</a>
<a href="https://plus.google.com/share?url={url}" title="Chia sẻ bài viết lên google+">Chia sẻ bài viết lên google+</a>
<a href="javascript:void(0)" class="Contrast">Tăng tương phản</a> <a href="javascript:void(0)" class="Contrast">Giảm tương phản</a></div>
<h1 class="ArticleTitle">{esc(a.title)}</h1>
<div class="PostDate">{date_dmy_hm(a.published)}</div>
{f'<div class="ArticleSapo"><b>{esc(lead)}</b></div>' if lead else ""}
<div class="ArticleContent">
{paragraphs}
{author}
</div>
{source}
<div class="ShareBox"><span>Chia sẻ:</span> <a href="https://www.facebook.com/sharer/sharer.php?u={url}">Facebook</a>
<a href="https://zalo.me/share?u={url}">Zalo</a> <a href="javascript:window.print()">In trang</a>
<a href="mailto:?subject={esc(a.title)}&amp;body={url}">Gửi email</a></div>
<div class="RelatedArticles"><div class="BoxTitle">Các tin khác</div><ul>{rel}</ul></div>
</div>"""
        body = self._frame(req, a.title, main, f"{req.site.id}:{a.url_path}", a.published)
        return Response(body=body, last_modified=a.published)

    def handle(self, req: Request) -> Response:
        if req.path == ENDPOINT:
            return self._load_article(req)
        only_reading(req)
        if req.path in ("/", "/vi", "/vi/", "/Default.aspx"):
            main = "".join(f'<div class="HomeBox"><h2><a href="{req.base_url}{self.category_path(c)}">{esc(c.title)}</a></h2>'
                           + "".join(self._item(req, a) for a in req.content.listed(c.slug)[:4]) + "</div>"
                           for c in req.site.categories)
            return Response(body=self._frame(req, req.site.name, main, f"{req.site.id}:home"),
                            last_modified=newest(req.content.articles))
        m = re.fullmatch(r"/chuyen-muc/([\w-]+)-(\d+)\.html", req.path)
        if m:
            cat = req.site.category(m.group(1))
            if cat and cat.menu_id == int(m.group(2)):
                return self._category_page(req, cat)
        raise NotFound(req.path)

