"""staging.articles: one row per story, with near-duplicate copies folded into their original."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import psycopg
from psycopg.types.json import Jsonb

log = logging.getLogger(__name__)

# Copies of a story are looked for among articles published this close to it.
DUPLICATE_WINDOW = timedelta(days=3)


def article_id_for(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleRow:
    """What the parser produced for one page, in the shape of staging.articles."""
    portal_id: str
    page_id: int | None
    url: str
    canonical_url: str
    province_name: str | None
    title: str | None
    published_at: object
    published_raw: str | None
    body_text: str
    source_line: str | None
    source_outlet: str | None
    quality_flags: list
    body_fingerprint: str | None
    parser_version: str

    @property
    def article_id(self) -> str:
        return article_id_for(self.canonical_url)

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.body_text.encode("utf-8")).hexdigest()


class ArticleStore:
    """Upserts parsed articles; outcome per article: new, updated, unchanged or duplicate."""

    def __init__(self, conn: psycopg.Connection, is_near_duplicate=None, portal_hosts: dict | None = None):
        """`portal_hosts` maps portal ids to their live host names, which source lines quote even
        when pages were fetched from the mirror."""
        self._conn = conn
        self._is_near_duplicate = is_near_duplicate
        self._portal_hosts = portal_hosts or {}

    def upsert(self, row: ArticleRow) -> str:
        with self._conn.transaction():
            existing = self._conn.execute(
                "select body_sha256, parser_version, published_raw from staging.articles where article_id = %s",
                (row.article_id,)).fetchone()
            if existing is not None:
                if existing == (row.body_sha256, row.parser_version, row.published_raw):
                    return "unchanged"
                self._write(row, update=True)
                return "updated"
            if self._conn.execute("select 1 from staging.articles where %s = any(duplicate_urls)",
                                  (row.url,)).fetchone():
                return "unchanged"
            original = self._find_original(row)
            if original is None:
                self._write(row, update=False)
                return "new"
            return self._fold_duplicate(row, original)

    # A copy names its original in its source line ("Theo: tuyenquang.gov.vn"); otherwise the
    # earlier publication is the original.
    def _fold_duplicate(self, row: ArticleRow, original: tuple) -> str:
        orig_id, orig_url, orig_published, orig_source, orig_dups, orig_portal = original
        row_is_copy = _names_host(row.source_outlet or row.source_line, self._host(orig_portal, orig_url))
        orig_is_copy = _names_host(orig_source, self._host(row.portal_id, row.url))
        if orig_is_copy or (not row_is_copy and row.published_at and orig_published
                            and row.published_at < orig_published):
            self._conn.execute("delete from staging.articles where article_id = %s", (orig_id,))
            self._write(row, update=False, duplicate_urls=[*orig_dups, orig_url])
            log.info("%s is the original of %s; the copy's row was folded into it", row.url, orig_url)
        else:
            self._conn.execute(
                "update staging.articles set duplicate_urls = array_append(duplicate_urls, %s),"
                " updated_at = now() where article_id = %s", (row.url, orig_id))
            log.info("%s is a copy of %s; recorded as a duplicate URL", row.url, orig_url)
        return "duplicate"

    def _find_original(self, row: ArticleRow):
        if not row.body_fingerprint or self._is_near_duplicate is None:
            return None
        if row.published_at is not None:
            candidates = self._conn.execute(
                "select article_id, url, published_at, coalesce(source_outlet, source_line), duplicate_urls,"
                " body_fingerprint, portal_id from staging.articles where body_fingerprint is not null"
                " and published_at between %s and %s",
                (row.published_at - DUPLICATE_WINDOW, row.published_at + DUPLICATE_WINDOW)).fetchall()
        else:
            candidates = self._conn.execute(
                "select article_id, url, published_at, coalesce(source_outlet, source_line), duplicate_urls,"
                " body_fingerprint, portal_id from staging.articles where body_fingerprint is not null"
                " and published_at is null").fetchall()
        for candidate in candidates:
            if candidate[1] != row.url and self._is_near_duplicate(candidate[5], row.body_fingerprint):
                return (*candidate[:5], candidate[6])
        return None

    def _host(self, portal_id: str, url: str) -> str:
        host = self._portal_hosts.get(portal_id) or urlsplit(url).hostname or ""
        return host.lower().removeprefix("www.")

    def _write(self, row: ArticleRow, update: bool, duplicate_urls: list[str] | None = None) -> None:
        published_date = row.published_at.date() if row.published_at is not None else None
        values = dict(
            article_id=row.article_id, portal_id=row.portal_id, province_name=row.province_name,
            url=row.url, canonical_url=row.canonical_url, title=row.title, published_at=row.published_at,
            published_date=published_date, published_raw=row.published_raw, body_text=row.body_text,
            source_line=row.source_line, source_outlet=row.source_outlet,
            quality_flags=Jsonb(row.quality_flags), body_sha256=row.body_sha256,
            body_fingerprint=row.body_fingerprint, page_id=row.page_id, parser_version=row.parser_version,
            duplicate_urls=duplicate_urls or [])
        if update:
            sets = ", ".join(f"{k} = %({k})s" for k in values if k not in ("article_id", "duplicate_urls"))
            self._conn.execute(f"update staging.articles set {sets}, updated_at = now()"
                               " where article_id = %(article_id)s", values)
        else:
            cols = ", ".join(values)
            params = ", ".join(f"%({k})s" for k in values)
            self._conn.execute(f"insert into staging.articles ({cols}) values ({params})", values)


def _names_host(source: str | None, host: str) -> bool:
    """Whether a source line names a site ("Theo: tuyenquang.gov.vn")."""
    return bool(source and host) and host in source.lower()
