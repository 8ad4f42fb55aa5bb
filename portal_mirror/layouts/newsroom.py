"""A present-day provincial newspaper on a Bootstrap news theme, crawled with no selectors at all.

It carries what real news sites do and the generic parser must see through: the whole story inside a
column named "sidebar-1", the header's "today" line written by a script, the lead in an <h2>, a
"Tin mới" box between the lead and the body, an embedded related story marked only by an attribute,
a block hidden by Bootstrap's d-none, JSON-LD metadata, tags, a related-news box and comments."""
from __future__ import annotations

import json
import re

from portal_mirror.articles import Article
from portal_mirror.layouts.base import (
    STATIC_LAST_MODIFIED, WEEKDAYS_TITLE, NotFound, Request, Response, date_dmy_hm, esc, latest,
    newest, only_reading, page_count, page_slice, related,
)


class NewsroomLayout:
    name = "newsroom"

    def article_path(self, site, a: Article) -> str:
        cat = "noi-bo" if a.fault == "robots_disallowed" else a.category
        return f"/{cat}/{a.slug}-post{a.article_id}.html"

    def robots(self, site, base_url: str) -> str:
        return "User-agent: *\nDisallow: /tim-kiem\nDisallow: /api/\nDisallow: /noi-bo/\n"

    def _frame(self, req: Request, title: str, main: str, head: str = "") -> str:
        site = req.site
        menu = "".join(f'<li class="nav-item"><a class="nav-link" href="/{c.slug}">{esc(c.title)}</a></li>'
                       for c in site.categories)
        most_read = "".join(f'<li><a href="{a.url_path}">{esc(a.title)}</a></li>' for a in latest(req.content))
        today = STATIC_LAST_MODIFIED
        return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} | {esc(site.name)}</title>
<meta property="og:site_name" content="{esc(site.name)}">
{head}
<link rel="stylesheet" href="/assets/css/bootstrap.min.css">
</head>
<body>
<div class="header-top"><div class="container"><span class="today">{WEEKDAYS_TITLE[today.weekday()]}, {today:%d/%m/%Y}</span>
<span class="clock"><script>document.write(new Date().toLocaleString("vi-VN"))</script></span>
<a class="hotline" href="tel:02073822xxx">Đường dây nóng</a></div></div>
<header class="site-header"><div class="container"><a class="logo" href="/">{esc(site.name)}</a></div></header>
<nav class="navbar navbar-expand-lg"><ul class="navbar-nav"><li class="nav-item"><a class="nav-link" href="/">Trang chủ</a></li>{menu}</ul></nav>
<main class="container"><div class="row">
<div class="col-lg-8 sidebar-1">
{main}
</div>
<aside class="col-lg-4"><div class="box-most-read"><h3 class="box-title">Đọc nhiều</h3><ol>{most_read}</ol></div></aside>
</div></main>
<footer class="site-footer"><div class="container">
<p>{esc(site.name)} - Cơ quan của Đảng bộ tỉnh {esc(site.province)}</p>
<p>Giấy phép số 456/GP-BTTTT. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>
</div></footer>
</body></html>"""

    def _list_page(self, req: Request, title: str, items: list[Article]) -> Response:
        page = req.int_param("page", 1)
        shown = page_slice(items, page)
        pages = page_count(len(items))
        stories = "".join(f"""<article class="story">
<a class="story__thumb" href="{a.url_path}"><img src="/uploads/{a.article_id}.jpg" alt=""></a>
<h3 class="story__title"><a href="{a.url_path}">{esc(a.title)}</a></h3>
<span class="story__time">{date_dmy_hm(a.published)}</span>
<p class="story__summary">{esc(a.summary)}</p>
</article>""" for a in shown) or '<p class="empty">Chưa có bài viết.</p>'
        nav = " ".join(f'<a class="page-link" href="?page={n}">{n}</a>' for n in range(1, pages + 1) if n != page)
        if page < pages:
            nav += f' <a class="page-link" rel="next" href="?page={page + 1}">Trang sau</a>'
        main = f"""<h1 class="category-title">{esc(title)}</h1>
<div class="story-list">{stories}</div>
<nav class="pagination">{nav}</nav>"""
        return Response(body=self._frame(req, title, main), last_modified=newest(shown) or STATIC_LAST_MODIFIED)

    def render_article(self, req: Request, a: Article) -> Response:
        others = [r for r in latest(req.content) if r is not a][:3]
        related_items = related(req.content, a)
        url = req.base_url + a.url_path
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                         "datePublished": a.published.isoformat(), "mainEntityOfPage": url}, ensure_ascii=False)
        head = (f'<link rel="canonical" href="{esc(url)}">\n<meta property="og:title" content="{esc(a.title)}">\n'
                f'<script type="application/ld+json">{ld}</script>')
        lead = f'<h2 class="article__sapo">{esc(a.lead)}</h2>' if a.lead else ""
        paragraphs = [f"<p>{esc(p)}</p>" for p in a.paragraphs]
        if related_items and len(paragraphs) > 2:
            r = related_items[0]
            embedded = (f'<div type="RelatedOneNews" class="VCSortableInPreviewMode"><a href="{r.url_path}">'
                        f'{esc(r.title)}</a><p>{esc(r.summary)}</p></div>')
            paragraphs.insert(2, embedded)
        hidden = '<div class="d-none print-only">Bản in của bài viết. Mọi sao chép phải ghi rõ nguồn.</div>'
        author = f'<p class="article__author">{esc(a.author)}</p>' if a.author else ""
        source = f'<p class="article__source">{esc(a.source)}</p>' if a.source else ""
        news_box = "".join(f'<li><a href="{r.url_path}">{esc(r.title)}</a></li>' for r in others)
        rel = "".join(f'<li><a href="{r.url_path}">{esc(r.title)}</a></li>' for r in related_items)
        cat = req.site.category(a.category)
        main = f"""<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/{a.category}">{esc(cat.title if cat else a.category)}</a></li></ol>
<article class="article">
<h1 class="article__title">{esc(a.title)}</h1>
<div class="article__meta"><span class="article__time">{date_dmy_hm(a.published)}</span></div>
{lead}
<div class="box-news-top"><h3>Tin mới</h3><ul>{news_box}</ul></div>
<div class="article__body">
{chr(10).join(paragraphs)}
{hidden}
{author}
{source}
</div>
<div class="article__tags">Từ khóa: <a href="/tag/chuyen-doi-so">chuyển đổi số</a></div>
</article>
<div class="box-related"><h3>Tin liên quan</h3><ul>{rel}</ul></div>
<div class="comment-box"><h3>Ý kiến bạn đọc</h3><textarea></textarea><button>Gửi bình luận</button></div>"""
        return Response(body=self._frame(req, a.title, main, head), last_modified=a.published)

    def handle(self, req: Request) -> Response:
        only_reading(req)
        if req.path in ("/", "/index.html"):
            return self._list_page(req, "Tin mới", list(req.content.articles))
        m = re.fullmatch(r"/([\w-]+)/?", req.path)
        if m and req.site.category(m.group(1)):
            cat = req.site.category(m.group(1))
            return self._list_page(req, cat.title, req.content.listed(cat.slug))
        raise NotFound(req.path)
