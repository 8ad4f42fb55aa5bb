"""The generic parser on real saved pages nobody here wrote (tests/parsing/real_pages, labelled by
reading the HTML before the parser ever ran on them).

Each page is parsed with no portal entry, as `vnict parse FILE --url URL` does. The gate counts pages
right per field and fails when a change makes fewer pages right than today's counts below; a single
page may move between right and wrong, so the counts, not the pages, are the contract."""
from __future__ import annotations

import gzip
import hashlib
import html as html_lib
import json
import re
import unicodedata
from pathlib import Path

import pytest

from scrapers.parsing.article import parse_page

PAGES = Path(__file__).parent / "real_pages"
MANIFEST = [json.loads(line) for f in sorted(PAGES.glob("manifest.*.jsonl")) for line in f.read_text("utf-8").splitlines()
            if line.strip()]
# pages right today (of 23): raise these when the parser gets better, never lower them to pass
AT_LEAST = {"title": 22, "published": 20, "body_whole": 22, "lead": 21, "no_furniture": 23}


def page_bytes(entry: dict) -> bytes:
    return gzip.decompress((PAGES / f"{entry['id']}.html.gz").read_bytes())


def norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def check(entry: dict) -> dict[str, bool]:
    parsed = parse_page(page_bytes(entry), entry["url"])
    out = parsed.to_contract()
    body = norm(parsed.body_text)
    published = out["published"][:10] if out["published"] else None
    return {
        "title": norm(out["title"]) == norm(entry["title"]),
        "published": entry["published"] is None or published == entry["published"],
        "body_whole": norm(entry["body_first"]) in body and norm(entry["body_last"]) in body,
        "lead": entry["lead"] is None or norm(entry["lead"]) in norm(out["lead"]),
        "no_furniture": not any(norm(f) in body for f in entry["furniture"]),
    }


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, bool]]:
    return {entry["id"]: check(entry) for entry in MANIFEST}


def test_fixtures_are_real_pages_with_their_source():
    assert len(MANIFEST) >= 20
    assert len({e["site"] for e in MANIFEST}) >= 10
    for entry in MANIFEST:
        assert hashlib.sha256(page_bytes(entry)).hexdigest() == entry["sha256"], f"{entry['id']} was rewritten"
        assert entry["url"].startswith(("http://", "https://"))
        assert entry["source_repo"] and len(entry["source_commit"]) == 40 and entry["source_path"]
        assert entry["body_first"] and entry["body_last"] and len(entry["furniture"]) >= 3


def test_labels_stand_in_their_pages():
    """A label that is not in its page would measure nothing: every labelled string is in the HTML."""
    for entry in MANIFEST:
        raw = page_bytes(entry).decode(entry.get("charset") or "utf-8", "replace")
        text = norm(re.sub(r"<[^>]+>", "", html_lib.unescape(raw.replace("&nbsp;", " "))))
        for key in ("title", "body_first"):
            assert norm(entry[key])[:30] in text, (entry["id"], key)


@pytest.mark.parametrize("field", sorted(AT_LEAST))
def test_generic_parser_gets_at_least_todays_pages_right(results, field):
    right = sorted(page for page, fields in results.items() if fields[field])
    wrong = sorted(page for page, fields in results.items() if not fields[field])
    assert len(right) >= AT_LEAST[field], f"{field}: {len(right)} right, wrong on {wrong}"


def test_a_worse_parser_fails_the_gate(monkeypatch):
    """The gate can fail: a parser that keeps only the first paragraph loses whole bodies."""
    import scrapers.parsing.article as article

    real = article.clean_paragraphs

    def first_only(paragraphs, **kw):
        cleaned = real(paragraphs, **kw)
        cleaned.paragraphs = cleaned.paragraphs[:1]
        return cleaned

    monkeypatch.setattr(article, "clean_paragraphs", first_only)
    whole = sum(check(entry)["body_whole"] for entry in MANIFEST)
    assert whole < AT_LEAST["body_whole"]
