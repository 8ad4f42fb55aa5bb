"""What the mirror serves, as data: articles and a site's content. Layouts render these; content.py
builds them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal_mirror.config import SiteDef
from portal_mirror.textgen import slugify


@dataclass(frozen=True)
class MirrorArticle:
    """Public view of an article served by the mirror: the rows of `portal_mirror.catalog()`."""
    site_id: str
    url_path: str
    url: str | None
    published: datetime
    title: str
    province: str
    seed_doc: str | None
    syndicated_from: str | None
    category: str
    article_id: int
    layout: str


@dataclass
class Article:
    site_id: str
    article_id: int
    category: str
    title: str
    published: datetime
    province: str
    lead: str | None
    paragraphs: tuple[str, ...]
    source: str | None = None
    author: str | None = None
    seed_doc: str | None = None
    syndicated_from: str | None = None
    kind: str = "synthetic"           # synthetic | seed | fault
    fault: str | None = None          # big_page | redirect_loop | robots_disallowed
    url_path: str = ""
    views: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def summary(self) -> str:
        text = self.lead or (self.paragraphs[0] if self.paragraphs else "")
        words = text.split()
        return " ".join(words[:40]) + (" ..." if len(words) > 40 else "")

    def public(self, layout: str, base_url: str | None = None) -> MirrorArticle:
        return MirrorArticle(
            site_id=self.site_id, url_path=self.url_path,
            url=(base_url.rstrip("/") + self.url_path) if base_url else None,
            published=self.published, title=self.title, province=self.province,
            seed_doc=self.seed_doc, syndicated_from=self.syndicated_from, category=self.category,
            article_id=self.article_id, layout=layout,
        )


@dataclass
class SiteContent:
    site: SiteDef
    articles: list[Article]            # servable articles incl. fault items, newest first
    by_path: dict[str, Article]

    def listed(self, category: str | None = None) -> list[Article]:
        return [a for a in self.articles if category is None or a.category == category]

    def real_articles(self) -> list[Article]:
        return [a for a in self.articles if a.kind != "fault"]
