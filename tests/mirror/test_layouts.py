"""Each layout serves listings and article pages with the markup documented in portal_mirror/README.md,
and walking its pagination (or date archive) reaches every article of the site."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from portal_mirror.config import TZ
from portal_mirror.content import load_config, site_contents

MAX_PAGES = 200


def soup_of(resp) -> BeautifulSoup:
    assert resp.status_code == 200, (resp.url, resp.status_code)
    return BeautifulSoup(resp.content, "lxml")


def parse_date(layout: str, text: str, on_article: bool = False) -> datetime:
    text = " ".join(text.split())
    if layout == "liferay":
        d = datetime.strptime(text, "%d/%m/%Y | %I:%M %p")
    elif layout in ("aspnet", "newsroom") or (layout == "nukeviet" and not on_article):
        d = datetime.strptime(text, "%d/%m/%Y %H:%M")
    elif layout == "nukeviet":
        weekday, _, rest = text.partition(" - ")
        assert weekday.startswith(("Thứ", "Chủ nhật")), text
        d = datetime.strptime(rest, "%d/%m/%Y %H:%M")
    elif layout == "sharepoint":
        d = datetime.strptime(text, "(%m/%d/%Y %I:%M:%S %p)")
    elif layout == "legacy":
        m = re.fullmatch(r"(?:Thứ \w+|Chủ Nhật), ngày (\d+) tháng (\d+) năm (\d{4}) - (\d\d):(\d\d)", text)
        assert m, text
        d = datetime(*(int(g) for g in (m.group(3), m.group(2), m.group(1), m.group(4), m.group(5))))
    else:
        raise AssertionError(layout)
    return d.replace(tzinfo=TZ)


# layout: (first listing page, an item, its link, its date, the next page's link)
PAGED_LISTINGS = {
    "liferay": ("{base}/{slug}?p_p_id=101&p_p_lifecycle=0&_101_delta=10&_101_cur=1", "div.asset-abstract",
                "h3.asset-title a", "span.metadata-publish-date", "ul.lfr-pagination-buttons li.next:not(.disabled) a"),
    "sharepoint": ("{base}/Pages/ChuyenMuc/PhanTrang/{slug}/1/Default.aspx", "div.news-list div.news-item",
                   "a.news-title", "span.news-date", "div.paging a.next"),
    "nukeviet": ("{base}/vi/news/{slug}/", "div.news_column", "h3 a", "li.date", 'ul.pagination a[rel="next"]'),
    "legacy": ("{base}/{slug}.html", "div.list-news div.news-item", "a.news-title", "span.news-date",
               "div.pagination a.next"),
    "newsroom": ("{base}/{slug}", "div.story-list article.story", "h3.story__title a", "span.story__time",
                 'nav.pagination a[rel="next"]'),
}


def _walk_pages(http, url, item_sel, link_sel, date_sel, next_sel):
    """Follow `next_sel` links from `url`; returns [(absolute item url, date text)]."""
    out, seen = [], set()
    while url and url not in seen and len(seen) < MAX_PAGES:
        seen.add(url)
        page = soup_of(http.get(url))
        out.extend((urljoin(url, d.select_one(link_sel)["href"]), d.select_one(date_sel).get_text())
                   for d in page.select(item_sel))
        nxt = page.select_one(next_sel)
        url = urljoin(url, nxt["href"]) if nxt else None
    return out


def walk_listings(http, base: str, site) -> list[tuple[str, str]]:
    """Every (article url, listing date text) reachable through the site's category listings."""
    found = []
    for cat in site.categories:
        if site.layout in PAGED_LISTINGS:
            first, *selectors = PAGED_LISTINGS[site.layout]
            found += _walk_pages(http, first.format(base=base, slug=cat.slug), *selectors)
        elif site.layout == "aspnet":
            page1 = soup_of(http.get(f"{base}/chuyen-muc/{cat.slug}-{cat.menu_id}.html"))
            box = page1.select_one("div#ArticleList")
            pages = int(box["data-total-pages"])
            assert len(page1.select("div.Pagination a.PageItem[data-page]")) == pages
            items = list(box.select("div.ArticleItem"))
            for n in range(2, pages + 1):
                r = http.post(f"{base}/Pages/ArticleInMenuPagination.aspx/LoadArticle",
                              json={"menuId": int(box["data-menu-id"]), "pageIndex": n, "pageSize": 10})
                assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
                items += BeautifulSoup(r.json()["d"], "lxml").select("div.ArticleItem")
            for d in items:
                href = d.select_one("a.ArticleTitle")["href"]
                assert href.startswith(base), "aspnet links are absolute"
                found.append((href, d.select_one("div.PostDate").get_text()))
    return found


SITES = [s.id for s in load_config().sites]


@pytest.mark.parametrize("site_id", SITES)
def test_listings_reach_every_article_with_its_date(mirror, http, site_id):
    site = load_config().site(site_id)
    base = mirror.base_url(site_id)
    found = walk_listings(http, base, site)
    urls = [u for u, _ in found]
    assert len(urls) == len(set(urls)), "an article listed twice"
    expected = {a.url: a for a in mirror.catalog() if a.site_id == site_id}
    faults = {f["url"] for f in mirror.fixed_faults() if f["site_id"] == site_id}
    assert set(urls) == set(expected) | faults
    for url, date_text in found:
        if url in expected:
            got = parse_date(site.layout, date_text)
            assert got == expected[url].published.replace(second=got.second), (url, date_text)
    # newest first within each category
    dates = [parse_date(site.layout, t) for _, t in found[: 10]]
    assert dates == sorted(dates, reverse=True)


ARTICLE_SELECTORS = {
    # layout: (title, date, body, chrome selectors that must exist)
    "liferay": ("div.asset-full-content h3.header-title span", "div.asset-full-content span.metadata-publish-date",
                "div.journal-content-article", ["div.taglib-social-bookmarks", "div.asset-related"]),
    "aspnet": ("div.ArticleDetail h1.ArticleTitle", "div.ArticleDetail div.PostDate", "div.ArticleContent",
               ["div.ArticleDetail div.ToolBox", "div.ArticleDetail div.ShareBox",
                "div.ArticleDetail div.RelatedArticles", "div.ThongKeTruyCap"]),
    "sharepoint": ("div.article-header h1.article-title", "div.article-header span.article-date",
                   "div.ms-rtestate-field", ["a.ms-SkipLink", "div.related-news", "div.share-tools"]),
    "nukeviet": ("div.news_detail h1.title", "div.news_detail span.h5.date", "div#news-bodyhtml.bodytext",
                 ["span.h5.hits", "div.news_related", "div.socialicon"]),
    "newsroom": ("article.article h1.article__title", "article.article span.article__time", "div.article__body",
                 ["div.header-top span.today", "div.sidebar-1 article.article", "div.box-news-top",
                  "div[type=RelatedOneNews]", "div.d-none", "div.box-related", "div.comment-box"]),
    "legacy": ("div.detail h1.detail-title", "div.detail-date", "div.detail-content",
               ["div.tool-bar", "div.other-news", "form[action='/xem-tin-theo-ngay.html']", "div.thong-ke"]),
}


def fetch_text(http, url: str, charset: str) -> BeautifulSoup:
    r = http.get(url)
    assert r.status_code == 200
    html = unicodedata.normalize("NFC", r.content.decode("cp1258" if charset == "windows-1258" else "utf-8"))
    return BeautifulSoup(html, "lxml")


def norm(text: str) -> str:
    text = text.replace("ldquo;", "“").replace("rdquo;", "”").replace("ndash;", "–")
    return " ".join(text.split())


@pytest.mark.parametrize("site_id", SITES)
def test_article_pages_have_the_layouts_markup(mirror, http, site_id):
    site = load_config().site(site_id)
    title_sel, date_sel, body_sel, chrome = ARTICLE_SELECTORS[site.layout]
    content = site_contents()[site_id]
    sample = [a for a in content.articles if a.kind != "fault"][::7][:8]
    sample += [a for a in content.articles if a.kind == "seed"]
    for a in sample:
        page = fetch_text(http, mirror.base_url(site_id) + a.url_path, site.charset)
        assert norm(page.select_one(title_sel).get_text()) == a.title
        got = parse_date(site.layout, page.select_one(date_sel).get_text(), on_article=True)
        assert got == a.published.replace(second=got.second)
        body = norm(page.select_one(body_sel).get_text(" "))
        for p in a.paragraphs:
            assert norm(p) in body
        assert "Thống kê truy cập" not in body and "A- A A+" not in body
        for sel in chrome:
            assert page.select_one(sel) is not None, (site_id, sel)
        if site.layout != "newsroom":  # a present-day newspaper shows no visitor counter
            assert "Thống kê truy cập" in page.get_text()


def test_liferay_loses_the_ampersand_of_entities(mirror, http):
    quoted = [a for a in site_contents()["hagiang_stttt"].articles if "“" in a.title + " ".join(a.paragraphs)]
    assert quoted, "the generator should produce curly quotes on the Liferay site"
    raw = http.get(mirror.base_url("hagiang_stttt") + quoted[0].url_path).text
    assert "ldquo;" in raw and "&ldquo;" not in raw and "“" not in raw


def test_aspnet_pagination_endpoint_speaks_json_and_form(mirror, http):
    base = mirror.base_url("hagiang_portal")
    url = f"{base}/Pages/ArticleInMenuPagination.aspx/LoadArticle"
    as_json = http.post(url, json={"menuId": 12, "pageIndex": 2, "pageSize": 10})
    as_form = http.post(url, data={"menuId": 12, "pageIndex": 2, "pageSize": 10})
    assert as_form.headers["Content-Type"].startswith("text/html")
    assert as_json.json()["d"] == as_form.text
    assert len(BeautifulSoup(as_form.text, "lxml").select("div.ArticleItem")) == 10
    past_end = http.post(url, json={"menuId": 12, "pageIndex": 999})
    assert past_end.json()["d"] == ""
    refused = http.get(url)
    assert refused.status_code == 405 and refused.headers["Allow"] == "POST"
    assert http.post(url, json={"pageIndex": 2}).status_code == 500


@pytest.mark.parametrize("site_id", SITES)
def test_pages_are_only_read(mirror, http, site_id):
    refused = http.post(mirror.base_url(site_id) + "/", data={"q": "x"})
    assert refused.status_code == 405 and "Allow" not in refused.headers


def test_sharepoint_article_starts_with_the_ribbon(mirror, http):
    a = next(a for a in site_contents()["dongthap_stttt"].articles if a.seed_doc)
    text = http.get(mirror.base_url("dongthap_stttt") + a.url_path).text
    assert text.index("Skip Ribbon Commands") < text.index(a.title.split()[0] + " " + a.title.split()[1], text.index("<body"))
    assert "(6/28/2018 6:29:27 PM)" in text


def test_legacy_date_archive_lists_the_days_articles(mirror, http):
    base = mirror.base_url("tuyenquang_portal")
    content = site_contents()["tuyenquang_portal"]
    for a in content.articles[:12]:
        d = a.published
        url = f"{base}/xem-tin-theo-ngay.html?ngay={d.day}&thang={d.month}&nam={d.year}"
        _, *selectors = PAGED_LISTINGS["legacy"]
        items = [u for u, _ in _walk_pages(http, url, *selectors)]
        assert base + a.url_path in items
        assert all(x.startswith(base + "/") for x in items)
    empty = soup_of(http.get(f"{base}/xem-tin-theo-ngay.html?ngay=1&thang=1&nam=2010"))
    assert not empty.select("div.news-item")
    bad = http.get(f"{base}/xem-tin-theo-ngay.html?ngay=31&thang=2&nam=2020")
    assert bad.status_code == 200 and "Ngày không hợp lệ" in bad.text


def test_nukeviet_rss_and_sitemap_list_the_articles(mirror, http):
    base = mirror.base_url("cantho_sokhcn")
    expected = {a.url for a in mirror.catalog() if a.site_id == "cantho_sokhcn"}
    rss = BeautifulSoup(http.get(f"{base}/vi/news/rss/").content, "xml")
    links = {i.find("link").get_text() for i in rss.find_all("item")}
    assert expected <= links
    pub = rss.find("item").find("pubDate").get_text()
    assert pub.endswith("+0700")
    sitemap = BeautifulSoup(http.get(f"{base}/sitemap.xml").content, "xml")
    assert expected <= {loc.get_text() for loc in sitemap.find_all("loc")}
    page2 = soup_of(http.get(f"{base}/vi/news/page-2/"))
    assert page2.select("div.news_column")


def test_unknown_paths_are_404(mirror, http):
    for sid in SITES:
        r = http.get(mirror.base_url(sid) + "/khong-co-trang-nay/xyz.html")
        assert r.status_code == 404, sid


def test_relative_and_absolute_links(mirror, http):
    legacy = soup_of(http.get(mirror.base_url("baohaugiang") + "/thoi-su.html"))
    hrefs = [a["href"] for a in legacy.select("a.news-title")]
    assert hrefs and all(not h.startswith(("/", "http")) for h in hrefs)
    assert all(a["href"].startswith("?") for a in legacy.select("div.pagination a"))
    liferay = soup_of(http.get(mirror.base_url("hagiang_stttt") + "/chuyen-doi-so"))
    assert all(a["href"].startswith("/") for a in liferay.select("h3.asset-title a"))
