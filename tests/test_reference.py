"""reference/provinces.csv is the one home of province names: the parser, the extractor and the dbt
seed read the same names from it."""
from __future__ import annotations

import csv

from reference.provinces import provinces
from vnict.settings import REPO_ROOT


def test_the_reference_holds_the_63_provinces_with_their_current_province():
    rows = provinces()
    assert len(rows) == 63 and len({p.code for p in rows}) == 63
    assert len({p.name_current for p in rows}) == 34
    assert all(p.names[0] == p.name for p in rows)


def test_the_parser_reads_every_spelling_and_no_name_that_needs_context():
    from scrapers.parsing.provinces import count_mentions

    for p in provinces():
        for spelling in p.spellings:
            assert count_mentions(f"Tại {spelling}, mạng 4G phủ sóng") == {p.name: 1}, spelling
        for name in p.in_context:
            assert not count_mentions(f"Tại {name}, mạng 4G phủ sóng"), name


def test_the_extractor_knows_every_name_under_the_official_one():
    from extraction.rules import load_lexicon
    from extraction.text import normalise_phrase

    keys = load_lexicon().province_key
    for p in provinces():
        for name in p.names:
            norm = normalise_phrase(name)
            # "thành phố hồ chí minh": the extractor reads the city word before a name itself
            bare = next((norm[len(w):] for w in ("thành phố ", "tp. ", "tp ") if norm.startswith(w)), None)
            assert keys.get(norm, keys.get(bare)) == normalise_phrase(p.name), name


def test_the_dbt_seed_holds_every_name_of_the_reference():
    with open(REPO_ROOT / "dbt_project" / "seeds" / "province_spellings.csv", encoding="utf-8") as f:
        seeded = {(r["alias"], r["province_key"]) for r in csv.DictReader(f)}
    assert seeded == {(name, f"legacy-{p.code}") for p in provinces() for name in p.names}
