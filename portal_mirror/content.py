"""Articles the mirror serves: the seeds placed on their portals plus deterministic synthetic ones.

Built lazily (a few milliseconds) and cached per `per_site` override; nothing is written to disk.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from portal_mirror.articles import Article, MirrorArticle, SiteContent
from portal_mirror.config import (
    SEED_DIR, SITES_FILE, TZ, MirrorConfig, SeedDef, SiteDef, parse_config, source_is_unset,
)
from portal_mirror.layouts import LAYOUTS, get_layout
from portal_mirror.textgen import generate

SPAM_SHARE = 0.08          # share of the hacked site's synthetic articles with a spam run


@lru_cache(maxsize=4)
def load_config(path: str | None = None) -> MirrorConfig:
    """The site table, its layout names checked against the layouts the mirror has."""
    file = Path(path) if path else SITES_FILE
    with open(file, encoding="utf-8") as fh:
        return parse_config(yaml.safe_load(fh), set(LAYOUTS))


def _seed_article(cfg: MirrorConfig, seed: SeedDef, site: SiteDef) -> Article:
    """Seed text without its chrome lines; title, date and source go to the layout's markup."""
    text = (SEED_DIR / seed.doc).read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines()]
    paragraphs: list[str] = []
    found_source = None
    for ln in lines:
        if not ln or ln == seed.title or any(p.search(ln) for p in cfg.chrome_lines):
            continue
        if cfg.source_line.match(ln):
            found_source = ln
            continue
        paragraphs.append(ln)
    lead = paragraphs.pop(0) if seed.lead_paragraph and paragraphs else None
    author = paragraphs.pop() if seed.author_last_line and paragraphs else None
    source = found_source if source_is_unset(seed.source) else seed.source
    return Article(
        site_id=site.id, article_id=0, category=seed.category, title=seed.title,
        published=seed.published, province=site.province, lead=lead, paragraphs=tuple(paragraphs),
        source=source, author=author, seed_doc=seed.doc, syndicated_from=seed.syndicated_from,
        kind="seed",
    )


def _synthetic_dates(site: SiteDef, n: int, rng: random.Random) -> list[datetime]:
    days = (site.active_until - site.active_from).days + 1
    out: set[datetime] = set()
    while len(out) < n:
        day = site.active_from + timedelta(days=rng.randrange(days))
        t = time(rng.randint(7, 21), rng.randrange(60), rng.randrange(60) if site.layout == "sharepoint" else 0)
        out.add(datetime.combine(day, t, tzinfo=TZ))
    return sorted(out)


FAULT_KINDS = ("big_page", "redirect_loop", "robots_disallowed")
_FAULT_TITLES = {
    "big_page": "Toàn văn báo cáo kết quả thực hiện nhiệm vụ chuyển đổi số (kèm phụ lục)",
    "redirect_loop": "Thông báo kết quả tuyển dụng viên chức",
    "robots_disallowed": "Tài liệu nội bộ phục vụ họp giao ban",
}


def _fault_articles(site: SiteDef) -> list[Article]:
    """The fixed fault items each site lists among its articles (spread over its date range)."""
    span = (site.active_until - site.active_from).days
    out = []
    for i, kind in enumerate(FAULT_KINDS):
        day = site.active_from + timedelta(days=span * (i + 1) // 4)
        out.append(Article(
            site_id=site.id, article_id=0, category=site.categories[0].slug,
            title=_FAULT_TITLES[kind], published=datetime.combine(day, time(9, 15), tzinfo=TZ),
            province=site.province, lead=None, paragraphs=(_FAULT_TITLES[kind],),
            kind="fault", fault=kind,
        ))
    return out


def _build_site(cfg: MirrorConfig, site: SiteDef, per_site: int | None) -> SiteContent:
    rng = random.Random(f"mirror:{site.id}")
    n = site.synthetic if per_site is None else per_site
    articles = [_seed_article(cfg, s, site) for s in cfg.seeds if s.site == site.id]
    spam_ids = set(rng.sample(range(n), k=max(1, round(n * SPAM_SHARE)))) if site.hacked and n else set()
    for i, published in enumerate(_synthetic_dates(site, n, rng)):
        cat = site.categories[rng.randrange(len(site.categories))].slug
        text = generate(site.id, site.province, published, f"{site.id}:{i}:{published.isoformat()}",
                        spam=i in spam_ids)
        articles.append(Article(
            site_id=site.id, article_id=0, category=cat, title=text.title, published=published,
            province=site.province, lead=text.lead, paragraphs=text.paragraphs, source=text.source,
            author=text.author, extra={"kind": text.kind, "spam": i in spam_ids},
        ))
    articles.extend(_fault_articles(site))
    articles.sort(key=lambda a: a.published)
    next_id = 1000 + site.index * 137
    for a in articles:
        next_id += rng.randint(1, 9)
        a.article_id = next_id
        a.views = rng.randint(40, 3000)
    layout = get_layout(site.layout)
    by_path: dict[str, Article] = {}
    for a in articles:
        a.url_path = layout.article_path(site, a)
        if a.url_path in by_path:
            raise RuntimeError(f"duplicate article path {a.url_path} on {site.id}")
        by_path[a.url_path] = a
    articles.reverse()
    return SiteContent(site=site, articles=articles, by_path=by_path)


@lru_cache(maxsize=8)
def site_contents(per_site: int | None = None, sites_file: str | None = None) -> dict[str, SiteContent]:
    cfg = load_config(sites_file)
    return {s.id: _build_site(cfg, s, per_site) for s in cfg.sites}


def catalog(per_site: int | None = None, base_urls: dict[str, str] | None = None,
            sites_file: str | None = None) -> list[MirrorArticle]:
    """Every article the mirror serves (fault items excluded): sites in table order, oldest first."""
    cfg = load_config(sites_file)
    out: list[MirrorArticle] = []
    for site_id, content in site_contents(per_site, sites_file).items():
        base = (base_urls or {}).get(site_id)
        layout = cfg.site(site_id).layout
        out.extend(a.public(layout, base) for a in reversed(content.real_articles()))
    return out

