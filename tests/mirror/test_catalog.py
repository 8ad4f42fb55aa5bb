"""The article catalog: size, years, seeds on their portals with their dates, determinism."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest
import yaml

from portal_mirror import catalog
from portal_mirror.config import SEED_DIR, SITES_FILE, ConfigError, parse_config
from portal_mirror.content import site_contents
from portal_mirror.layouts import LAYOUTS

SEED_SITES = {
    "000_b826024c2f3ec572.txt": {"hagiang_stttt"},
    "001_043c0eecbb89d818.txt": {"hagiang_portal"},
    "002_2acda566cfc161e9.txt": {"dongthap_stttt"},
    "003_b78144cd4fec881c.txt": {"baohaugiang"},
    "004_c18f5cd2e7e3ddb2.txt": {"tuyenquang_stttt", "tuyenquang_portal"},
}


def test_catalog_has_enough_articles_over_the_years():
    arts = catalog()
    assert len(arts) >= 300
    years = Counter(a.published.year for a in arts)
    assert set(range(2018, 2026)) <= set(years)
    assert all(a.published.tzinfo is not None and a.published.utcoffset().total_seconds() == 7 * 3600
               for a in arts)
    assert len({(a.site_id, a.url_path) for a in arts}) == len(arts)
    assert {a.layout for a in arts} == set(LAYOUTS)


def test_every_seed_is_on_its_provinces_portal_with_its_date():
    meta = {json.loads(line)["doc"]: json.loads(line)
            for line in (SEED_DIR / "seed_articles.jsonl").read_text(encoding="utf-8").splitlines()}
    placed: dict[str, set[str]] = {}
    for a in catalog():
        if a.seed_doc:
            placed.setdefault(a.seed_doc, set()).add(a.site_id)
            assert a.published.date().isoformat() == meta[a.seed_doc]["published"], a
            assert a.province == meta[a.seed_doc]["province"], a
    assert placed == SEED_SITES


def test_syndicated_copy_points_at_an_earlier_original():
    pair = [a for a in catalog() if a.seed_doc == "004_c18f5cd2e7e3ddb2.txt"]
    copy = next(a for a in pair if a.syndicated_from)
    original = next(a for a in pair if not a.syndicated_from)
    assert copy.syndicated_from == original.site_id == "tuyenquang_portal"
    assert original.published < copy.published
    assert original.title == copy.title


def test_catalog_is_deterministic_and_cheap():
    first = [(a.site_id, a.url_path, a.published, a.title) for a in catalog()]
    site_contents.cache_clear()
    second = [(a.site_id, a.url_path, a.published, a.title) for a in catalog()]
    assert first == second


def test_per_site_override_scales_the_synthetic_set():
    arts = catalog(per_site=100)
    counts = Counter(a.site_id for a in arts)
    assert all(n >= 100 for n in counts.values())


def test_synthetic_articles_carry_figures_and_plain_news():
    contents = site_contents()
    kinds = Counter(a.extra.get("kind") for c in contents.values() for a in c.articles if a.kind == "synthetic")
    assert {"review", "dx_meeting", "infrastructure", "plain"} <= set(kinds)
    text = " ".join(" ".join(a.paragraphs) for c in contents.values() for a in c.articles)
    for cue in ("trạm BTS", "thuê bao", "toàn trình", "mức độ 4", "cơ sở dữ liệu quốc gia",
                "thư điện tử công vụ", "DTI", "phủ sóng"):
        assert cue in text, cue
    plain = [a for c in contents.values() for a in c.articles if a.extra.get("kind") == "plain"]
    assert len(plain) >= 50
    for a in plain:
        body = " ".join(a.paragraphs)
        assert "%" not in body and "trạm BTS" not in body and "thuê bao" not in body, a.title


def test_seed_chrome_is_not_in_the_body():
    contents = site_contents()
    for c in contents.values():
        for a in c.articles:
            if a.kind != "seed":
                continue
            body = "\n".join(a.paragraphs)
            for chrome in ("A- A A+", "Thống kê truy cập", "Xem tin theo ngày", "Theo: tuyenquang",
                           "Nguồn: Báo Điện tử", "Hôm nay :", "6:29:27 PM", a.title):
                assert chrome not in body, (a.seed_doc, chrome)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["sites"][0].update(colour="red"), "unknown keys"),
    (lambda d: d["sites"][0].update(layout="wordpress"), "unknown layout"),
    (lambda d: d["sites"].append(dict(d["sites"][0])), "duplicate site id"),
    (lambda d: d["seeds"][0].update(site="nowhere"), "unknown site"),
    (lambda d: d["sites"][0].update(charset="klingon-8"), "unknown charset"),
])
def test_bad_site_table_is_refused_with_a_clear_error(mutate, message):
    data = yaml.safe_load(SITES_FILE.read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(ConfigError, match=message):
        parse_config(data, set(LAYOUTS))


def test_published_dates_stay_in_each_sites_active_range():
    for c in site_contents().values():
        for a in c.articles:
            assert c.site.active_from <= a.published.date() <= c.site.active_until, (c.site.id, a.title)
            assert isinstance(a.published, datetime)


def test_adding_a_site_is_a_table_entry(tmp_path):
    """A new portal in a site table is served with its layout and listed in the catalog."""
    import requests as _requests

    from portal_mirror import MirrorServer

    data = yaml.safe_load(SITES_FILE.read_text(encoding="utf-8"))
    data["sites"].append({
        "id": "vinhlong_stttt", "layout": "sharepoint", "province": "Vĩnh Long",
        "live_base_url": "https://stttt.vinhlong.gov.vn", "synthetic": 12,
        "active_from": "2019-01-01", "active_until": "2024-12-31",
        "categories": [{"slug": "TinTuc", "title": "Tin tức"}]})
    table = tmp_path / "sites.yaml"
    table.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with MirrorServer(sites_file=str(table), site_ids=["vinhlong_stttt"]) as m:
        arts = m.catalog()
        assert len(arts) == 12 and {a.province for a in arts} == {"Vĩnh Long"}
        r = _requests.get(m.base_url("vinhlong_stttt") + "/Pages/ChuyenMuc/PhanTrang/TinTuc/2/Default.aspx")
        assert r.status_code == 200 and "news-item" in r.text
        assert _requests.get(arts[0].url).status_code == 200
