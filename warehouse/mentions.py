"""staging.indicator_mentions: figures read from articles, replaced whole per article on re-extraction."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class PendingArticle:
    article_id: str
    body_text: str
    published_date: object
    province_name: str | None


def mention_id_for(article_id: str, mention) -> str:
    key = "|".join(str(x) for x in (article_id, mention.indicator, mention.char_start, mention.char_end,
                                     mention.target, mention.value, mention.year))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


class MentionStore:
    def __init__(self, conn: psycopg.Connection):
        self._conn = conn

    def pending(self, extractor_version: str, article_ids: list[str] | None = None,
                force: bool = False) -> list[PendingArticle]:
        """Articles not yet read by this extractor version (or changed since), optionally a subset."""
        clauses, params = [], []
        if not force:
            clauses.append("(s.article_id is null or s.extractor_version <> %s or s.extracted_at < a.updated_at)")
            params.append(extractor_version)
        if article_ids is not None:
            clauses.append("a.article_id = any(%s)")
            params.append(list(article_ids))
        where = " where " + " and ".join(clauses) if clauses else ""
        rows = self._conn.execute(
            "select a.article_id, a.body_text, a.published_date, a.province_name from staging.articles a"
            " left join staging.extraction_state s using (article_id)" + where + " order by a.article_id",
            params).fetchall()
        return [PendingArticle(*r) for r in rows]

    def replace(self, article_id: str, mentions: list, extractor_version: str) -> int:
        """Replace an article's mentions with a new reading; return how many were written."""
        rows, seen = [], set()
        for m in mentions:
            mention_id = mention_id_for(article_id, m)
            if mention_id in seen:
                continue
            seen.add(mention_id)
            rows.append((mention_id, article_id, m.indicator, m.value, m.denominator, m.unit, m.qualifier,
                         m.target, m.year, m.year_source, m.evidence, m.char_start, m.char_end,
                         extractor_version))
        with self._conn.transaction():
            self._conn.execute("delete from staging.indicator_mentions where article_id = %s", (article_id,))
            if rows:
                with self._conn.cursor() as cur:
                    cur.executemany(
                        "insert into staging.indicator_mentions (mention_id, article_id, indicator_code, value,"
                        " denominator, unit, qualifier, is_target, reference_year, year_source, evidence,"
                        " char_start, char_end, extractor_version) values"
                        " (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)
            self._conn.execute(
                "insert into staging.extraction_state (article_id, extractor_version, mention_count, extracted_at)"
                " values (%s, %s, %s, now()) on conflict (article_id) do update set"
                " extractor_version = excluded.extractor_version, mention_count = excluded.mention_count,"
                " extracted_at = excluded.extracted_at", (article_id, extractor_version, len(rows)))
        return len(rows)
