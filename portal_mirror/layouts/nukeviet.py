"""NukeViet 4 site (e.g. sokhcn.cantho.gov.vn): /vi/news/<cat>/page-N/ listings, RSS feed,
sitemap, robots.txt with Crawl-delay."""
from __future__ import annotations

import re
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from portal_mirror.articles import Article
from portal_mirror.layouts.base import (
    STATIC_LAST_MODIFIED, NotFound, Request, Response, counter_lines, date_dmy_hm, date_nukeviet,
    esc, latest, listing_page, newest, only_reading, pager, related,
)


class NukeVietLayout:
    name = "nukeviet"

    def article_path(self, site, a: Article) -> str:
        cat = "noi-bo" if a.fault == "robots_disallowed" else a.category
        return f"/vi/news/{cat}/{a.slug}-{a.article_id}.html"

    def robots(self, site, base_url: str) -> str:
        return ("User-agent: *\nDisallow: /admin/\nDisallow: /includes/\nDisallow: /install/\n"
                "Disallow: /vi/users/\nDisallow: /vi/news/noi-bo/\nCrawl-delay: 5\n\n"
                f"Sitemap: {base_url}/sitemap.xml\n")

    @staticmethod
    def listing_path(cat: str | None, page: int) -> str:
        prefix = f"/vi/news/{cat}/" if cat else "/vi/news/"
        return prefix if page == 1 else f"{prefix}page-{page}/"

    def _frame(self, req: Request, title: str, main: str, seed: str, published=None) -> str:
        site = req.site
        menu = "".join(f'<li><a title="{esc(c.title)}" href="/vi/news/{c.slug}/">{esc(c.title)}</a></li>'
                       for c in site.categories)
        news = "".join(f'<li class="clearfix"><a href="{a.url_path}" title="{esc(a.title)}">{esc(a.title)}</a></li>'
                       for a in latest(req.content))
        stats = "".join(f'<li><em class="fa fa-bar-chart">&nbsp;</em>{k}: <span class="pull-right">{v}</span></li>'
                        for k, v in counter_lines(seed, published))
        return f"""<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml" prefix="og: http://ogp.me/ns#">
<head><title>{esc(title)} - {esc(site.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="generator" content="NukeViet v4.5">
<link rel="alternate" href="/vi/news/rss/" title="Tin Tức" type="application/rss+xml">
<link rel="StyleSheet" href="/themes/default/css/news.css"></head>
<body>
<div class="body-bg"><div class="wraper">
<header><div class="logo"><a title="{esc(site.name)}" href="/vi/"><span class="site_name">{esc(site.name)}</span></a></div></header>
<nav class="second-nav" id="menusite"><ul class="nav navbar-nav">
<li><a title="Trang chủ" href="/vi/"><em class="fa fa-lg fa-home">&nbsp;</em> Trang chủ</a></li>
<li><a title="Tin Tức" href="/vi/news/">Tin Tức</a></li>{menu}</ul></nav>
<section><div class="container" id="body"><div class="row">
<div class="col-md-16">{main}</div>
<div class="col-md-8">
<div class="panel panel-primary"><div class="panel-heading">Tin mới</div><div class="panel-body"><ul class="related">{news}</ul></div></div>
<div class="panel panel-primary"><div class="panel-heading">Thống kê truy cập</div><div class="panel-body"><ul class="counter list-none display-table">{stats}</ul></div></div>
</div></div></div></section>
<footer id="footer" class="footer-wrap"><div class="copyright">&copy; Bản quyền thuộc về {esc(site.name)}</div>
<div>Địa chỉ: Số 2, Lý Thường Kiệt, quận Ninh Kiều, thành phố {esc(site.province)}</div>
<div class="bttop"><a class="pointer"><em class="fa fa-eject fa-lg"></em></a></div>
<div>Powered by <a href="https://nukeviet.vn">NukeViet</a> | <a href="/vi/news/rss/">RSS</a></div></footer>
</div></div></body></html>"""

    def _item(self, a: Article) -> str:
        return f"""<div class="news_column panel panel-default"><div class="panel-body">
<a href="{a.url_path}" title="{esc(a.title)}"><img alt="{esc(a.title)}" src="/assets/news/{a.article_id}.jpg" width="183" class="img-thumbnail pull-left imghome" /></a>
<h3><a href="{a.url_path}" title="{esc(a.title)}">{esc(a.title)}</a></h3>
<div class="text-muted"><ul class="list-unstyled list-inline">
<li class="date"><em class="fa fa-clock-o">&nbsp;</em> {date_dmy_hm(a.published)}</li>
<li class="hits"><em class="fa fa-eye">&nbsp;</em> Đã xem: {a.views}</li></ul></div>
<div class="text-justify">{esc(a.summary)}</div>
</div></div>"""

    def _listing(self, req: Request, cat, page: int) -> Response:
        slug = cat.slug if cat else None
        shown, pages = listing_page(req, slug, page)
        lis = pager(page, pages, lambda n: self.listing_path(slug, n),
                    prev='<li><a rel="prev" href="{href}" title="Trang trước">«</a></li>',
                    number='<li><a href="{href}" title="Trang {n}">{n}</a></li>',
                    current='<li class="active"><a href="#">{n}</a></li>',
                    next='<li><a rel="next" href="{href}" title="Trang sau">»</a></li>')
        title = cat.title if cat else "Tin Tức"
        main = f"""<div class="page-header"><h1>{esc(title)}</h1></div>
{"".join(self._item(a) for a in shown)}
<div class="text-center"><ul class="pagination">{"".join(lis)}</ul></div>"""
        return Response(body=self._frame(req, title, main, f"{req.site.id}:{slug}:{page}"),
                        last_modified=newest(shown))

    def render_article(self, req: Request, a: Article) -> Response:
        rel = "".join(f'<li><em class="fa fa-angle-right">&nbsp;</em><a href="{r.url_path}" title="{esc(r.title)}">{esc(r.title)}</a> '
                      f'<em>({r.published:%d/%m/%Y})</em></li>' for r in related(req.content, a))
        lead = f'<div class="hometext m-bottom"><strong>{esc(a.lead)}</strong></div>' if a.lead else ""
        paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
        author = f'<p class="text-right"><strong>{esc(a.author)}</strong></p>' if a.author else ""
        source = f'<p class="source text-right"><em>{esc(a.source)}</em></p>' if a.source else ""
        cat = req.site.category(a.category)
        main = f"""<div class="news_detail panel panel-default"><div class="panel-body">
<h1 class="title margin-bottom-lg">{esc(a.title)}</h1>
<div class="row margin-bottom-lg"><div class="col-md-12">
<span class="h5 date">{date_nukeviet(a.published)}</span></div>
<div class="col-md-12"><span class="h5 hits">Đã xem: {a.views}</span>
<ul class="list-inline text-right send-print"><li><a class="dimgray" title="In ra" href="/vi/news/print/{a.slug}-{a.article_id}.html"><em class="fa fa-print fa-lg">&nbsp;</em></a></li>
<li><a class="dimgray" title="Lưu bài viết này" href="/vi/news/savefile/{a.slug}-{a.article_id}.html"><em class="fa fa-save fa-lg">&nbsp;</em></a></li></ul></div></div>
{lead}
<div id="news-bodyhtml" class="bodytext margin-bottom-lg">
{paragraphs}
</div>
{author}
{source}
<div class="socialicon clearfix margin-bottom-lg"><div class="fb-like" data-href="{esc(req.base_url + a.url_path)}" data-layout="button_count"></div>
<a href="https://twitter.com/share" class="twitter-share-button">Tweet</a></div>
</div></div>
<div class="news_detail panel panel-default"><div class="panel-body"><p class="h3"><strong>Những tin cũ hơn</strong></p>
<div class="news_related"><ul class="related list-items">{rel}</ul></div>
<p><a href="/vi/news/{cat.slug if cat else ''}/">Xem tiếp các tin trong chuyên mục</a></p></div></div>"""
        body = self._frame(req, a.title, main, f"{req.site.id}:{a.url_path}", a.published)
        return Response(body=body, last_modified=a.published)

    def _rss(self, req: Request, cat) -> Response:
        items = req.content.listed(cat.slug if cat else None)
        entries = "".join(f"""<item><title><![CDATA[{a.title}]]></title><link>{req.base_url}{a.url_path}</link>
<guid isPermaLink="false">{a.category}_{a.article_id}</guid>
<description><![CDATA[{a.summary}]]></description><pubDate>{format_datetime(a.published)}</pubDate></item>
""" for a in items)
        title = cat.title if cat else "Tin Tức"
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{xml_escape(req.site.name)} - {xml_escape(title)}</title><link>{req.base_url}/vi/news/</link>
<atom:link href="{req.base_url}{req.path}" rel="self" type="application/rss+xml" />
<description>{xml_escape(req.site.name)}</description><language>vi</language>
<copyright>{xml_escape(req.site.name)}</copyright><docs>{req.base_url}/vi/news/rss/</docs>
<generator>NukeViet v4.5</generator>
{entries}</channel></rss>"""
        return Response(body=body, content_type="application/rss+xml",
                        last_modified=newest(items))

    def _sitemap(self, req: Request) -> Response:
        urls = "".join(f"<url><loc>{req.base_url}{a.url_path}</loc><lastmod>{a.published:%Y-%m-%d}</lastmod></url>\n"
                       for a in req.content.articles if a.fault != "robots_disallowed")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>")
        return Response(body=body, content_type="application/xml",
                        last_modified=newest(req.content.articles) or STATIC_LAST_MODIFIED)

    def handle(self, req: Request) -> Response:
        only_reading(req)
        path = req.path
        if path in ("/", "/vi/", "/vi", "/index.php"):
            return self._listing(req, None, 1)
        if path == "/sitemap.xml":
            return self._sitemap(req)
        m = re.fullmatch(r"/vi/news/rss/(?:([\w-]+)/)?", path)
        if m:
            cat = req.site.category(m.group(1)) if m.group(1) else None
            if m.group(1) and cat is None:
                raise NotFound(path)
            return self._rss(req, cat)
        m = re.fullmatch(r"/vi/news/(?:(?!page-\d+/)([\w-]+)/)?(?:page-(\d+)/)?", path)
        if m:
            cat = None
            if m.group(1):
                cat = req.site.category(m.group(1))
                if cat is None:
                    raise NotFound(path)
            page = int(m.group(2) or 1)
            if page < 1:
                raise NotFound(path)
            return self._listing(req, cat, page)
        raise NotFound(path)
