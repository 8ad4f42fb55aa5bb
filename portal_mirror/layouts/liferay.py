"""Liferay 6 department site (e.g. stttt.hagiang.gov.vn): asset publisher listings, journal articles.

Liferay portals of this era often double-escape rich text, so curly quotes arrive as literal
'ldquo;' / 'rdquo;' (the '&' lost); this layout reproduces that.
"""
from __future__ import annotations

import re

from portal_mirror.articles import Article
from portal_mirror.layouts.base import (
    PAGE_SIZE, NotFound, Request, Response, counter_lines, date_liferay, esc, latest, newest,
    only_reading, page_count, related,
)

_ARTICLE = "/{cat}/-/view_content/{id}-{slug}.html"


def lost_entities(text: str) -> str:
    return esc(text).replace("“", "ldquo;").replace("”", "rdquo;").replace("–", "ndash;")


class LiferayLayout:
    name = "liferay"

    def article_path(self, site, a: Article) -> str:
        cat = "noi-bo" if a.fault == "robots_disallowed" else a.category
        return _ARTICLE.format(cat=cat, id=a.article_id, slug=a.slug)

    def robots(self, site, base_url: str) -> str:
        return "User-agent: *\nDisallow: /c/\nDisallow: /api/\nDisallow: /noi-bo/\n"

    @staticmethod
    def listing_url(cat: str, page: int, delta: int = PAGE_SIZE) -> str:
        return f"/{cat}?p_p_id=101&p_p_lifecycle=0&_101_delta={delta}&_101_cur={page}"

    def _frame(self, req: Request, title: str, main: str, seed: str, published=None) -> str:
        site = req.site
        menu = "".join(f'<li><a href="/{c.slug}"><span>{esc(c.title)}</span></a></li>' for c in site.categories)
        news = "".join(f'<li><a href="{a.url_path}">{lost_entities(a.title)}</a></li>'
                       for a in latest(req.content))
        stats = "".join(f"<li>{k} : {v}</li>" for k, v in counter_lines(seed, published))
        return f"""<!DOCTYPE html>
<html class="aui ltr" dir="ltr" lang="vi-VN">
<head><meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<title>{lost_entities(title)} - {esc(site.name)}</title>
<link href="/html/themes/stttt-theme/css/main.css" rel="stylesheet" type="text/css" />
<script src="/html/js/barebone.jsp?browserId=other&amp;themeId=stttt_WAR_stttttheme" type="text/javascript"></script>
</head>
<body class="yui3-skin-sam controls-visible guest-site signed-out public-page site">
<a href="#main-content" id="skip-to-content">Skip to Content</a>
<div class="container-fluid" id="wrapper">
<header id="banner" role="banner"><div id="heading"><h1 class="site-title"><a class="logo" href="/" title="Trang chủ">
<span class="site-name">{esc(site.name)}</span></a></h1></div>
<nav class="sort-pages modify-pages" id="navigation" role="navigation"><ul aria-label="Site Pages" role="menubar">
<li class="selected"><a href="/"><span>Trang chủ</span></a></li>{menu}
<li><a href="/c/portal/login"><span>Đăng nhập</span></a></li></ul></nav></header>
<div id="content"><div class="portlet-layout row-fluid">
<div class="portlet-column portlet-column-first span8" id="column-1">
{main}
</div>
<div class="portlet-column portlet-column-last span4" id="column-2">
<div class="portlet-boundary portlet-asset-publisher tin-moi"><div class="portlet-title">Tin mới</div><ul>{news}</ul></div>
<div class="portlet-boundary thong-ke"><div class="portlet-title">Thống kê truy cập</div><ul>{stats}</ul></div>
<div class="portlet-boundary lien-ket"><div class="portlet-title">Liên kết website</div>
<select onchange="window.open(this.value)"><option value="https://mic.gov.vn">Bộ Thông tin và Truyền thông</option>
<option value="https://chinhphu.vn">Cổng TTĐT Chính phủ</option></select></div>
</div></div></div>
<footer id="footer" role="contentinfo"><p>Cơ quan chủ quản: {esc(site.name)}</p>
<p>Địa chỉ: Đường Nguyễn Trãi, tỉnh {esc(site.province)} - Điện thoại: 0219.3860.000</p>
<p>Ghi rõ nguồn "{esc(site.name)}" khi phát hành lại thông tin từ website này. Powered by Liferay Portal</p></footer>
</div></body></html>"""

    def _abstract(self, a: Article) -> str:
        return f"""<div class="asset-abstract">
<div class="lfr-meta-actions asset-actions"></div>
<h3 class="asset-title"><a href="{a.url_path}">{lost_entities(a.title)}</a></h3>
<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">{date_liferay(a.published)}</span>
<span class="metadata-entry metadata-view-count">{a.views} lượt xem</span></div>
<div class="asset-content"><div class="asset-summary">{lost_entities(a.summary)}</div>
<div class="asset-more"><a href="{a.url_path}">Xem tiếp <span class="hide-accessible">về {lost_entities(a.title)}</span> »</a></div></div>
</div>"""

    def _listing(self, req: Request, cat) -> Response:
        items = req.content.listed(cat.slug)
        delta = req.int_param("_101_delta", PAGE_SIZE, 1, 100)
        pages = page_count(len(items), delta)
        cur = req.int_param("_101_cur", 1, 1, 10_000)
        if cur > pages:
            cur = pages    # Liferay clamps an out-of-range cursor to the last page
        shown = items[(cur - 1) * delta: cur * delta]

        def li(cls: str, label: str, target: int, enabled: bool) -> str:
            if not enabled:
                return f'<li class="{cls} disabled"><a href="javascript:;">{label}</a></li>'
            return f'<li class="{cls}"><a href="{esc(self.listing_url(cat.slug, target, delta))}">{label}</a></li>'

        first = (cur - 1) * delta + 1
        pager = f"""<div class="taglib-page-iterator" id="_101_ocerSearchContainerPageIterator">
<div class="search-results">Hiển thị {first} - {first + len(shown) - 1} của {len(items)} kết quả.</div>
<div class="lfr-pagination"><div class="lfr-pagination-config"><div class="lfr-pagination-page-selector">
<span class="current-page">Trang {cur} của {pages}</span></div></div>
<ul class="lfr-pagination-buttons pager">
{li("first", "&larr; Đầu", 1, cur > 1)}
{li("previous", "Trước", cur - 1, cur > 1)}
{li("next", "Tiếp", cur + 1, cur < pages)}
{li("last", "Cuối &rarr;", pages, cur < pages)}
</ul></div></div>"""
        main = f"""<div class="portlet-boundary portlet-boundary_101_ portlet-asset-publisher" id="p_p_id_101_">
<section class="portlet"><header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{esc(cat.title)}</span></h1></header>
<div class="portlet-content"><div class="portlet-body">
{"".join(self._abstract(a) for a in shown)}
{pager}
</div></div></section></div>"""
        body = self._frame(req, cat.title, main, f"{req.site.id}:{cat.slug}:{cur}")
        return Response(body=body, last_modified=newest(shown))

    def _home(self, req: Request) -> Response:
        blocks = []
        for cat in req.site.categories:
            items = req.content.listed(cat.slug)[:5]
            blocks.append(f"""<div class="portlet-boundary portlet-asset-publisher"><h2 class="portlet-title">
<a href="/{cat.slug}">{esc(cat.title)}</a></h2>{"".join(self._abstract(a) for a in items)}
<a class="xem-them" href="/{cat.slug}">Xem thêm</a></div>""")
        return Response(body=self._frame(req, "Trang chủ", "\n".join(blocks), f"{req.site.id}:home"),
                        last_modified=newest(req.content.articles))

    def render_article(self, req: Request, a: Article) -> Response:
        rel = "".join(f'<li><a href="{r.url_path}">{lost_entities(r.title)}</a> '
                      f'<span class="date">({r.published:%d/%m/%Y})</span></li>' for r in related(req.content, a))
        body_html = "\n".join(f'<p style="text-align: justify;">{lost_entities(p)}</p>' for p in a.paragraphs)
        if a.lead:
            body_html = f"<p><strong>{lost_entities(a.lead)}</strong></p>\n" + body_html
        tail = ""
        if a.author:
            tail += f'<p style="text-align: right;"><strong>{esc(a.author)}</strong></p>'
        if a.source:
            tail += f'<p class="source" style="text-align: right;"><em>{esc(a.source)}</em></p>'
        main = f"""<div class="portlet-boundary portlet-asset-publisher" id="p_p_id_101_">
<div class="asset-full-content default-asset-publisher show-asset-title">
<div class="lfr-meta-actions asset-actions"><a href="javascript:history.back()" class="taglib-icon">Quay lại</a></div>
<h3 class="header-title"><span>{lost_entities(a.title)}</span></h3>
<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">{date_liferay(a.published)}</span></div>
<div class="asset-content" id="_101_{a.article_id}"><div class="journal-content-article">
{body_html}
</div>
{tail}
<div class="asset-ratings"><div class="taglib-ratings stars">Đánh giá bài viết</div></div>
</div>
<div class="taglib-social-bookmarks"><ul class="lfr-component">
<li><a class="social-bookmark facebook" href="https://www.facebook.com/sharer.php?u={esc(req.base_url + a.url_path)}">Facebook</a></li>
<li><a class="social-bookmark twitter" href="https://twitter.com/intent/tweet?url={esc(req.base_url + a.url_path)}">Twitter</a></li>
<li><a class="print" href="javascript:window.print()">In bài viết</a></li></ul></div>
<div class="asset-related"><h4>Tin liên quan</h4><ul>{rel}</ul></div>
</div></div>"""
        body = self._frame(req, a.title, main, f"{req.site.id}:{a.url_path}", a.published)
        return Response(body=body, last_modified=a.published)

    def handle(self, req: Request) -> Response:
        only_reading(req)
        if req.path in ("/", "/web/guest", "/web/guest/home"):
            return self._home(req)
        m = re.fullmatch(r"/(?:web/guest/)?([\w-]+)/?", req.path)
        if m and req.site.category(m.group(1)):
            return self._listing(req, req.site.category(m.group(1)))
        raise NotFound(req.path)
