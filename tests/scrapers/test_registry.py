"""Registry validation: every problem reported with its place; overrides; active windows."""
from __future__ import annotations

import copy
from pathlib import Path
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import yaml

from scrapers.registry import DEFAULT_PATH, VN_TZ, RegistryError, registry_from_mapping

BASE = {
    "version": 1,
    "portals": [
        {"id": "alpha_stttt", "province": "Hà Giang", "name": "Sở TT&TT Alpha", "base_url": "https://stttt.alpha.gov.vn",
         "listings": [{"url": "/tin-tuc", "category": "tin-tuc"}],
         "links": {"items": "div.item", "link": "a.title", "date": "span.date"},
         "pagination": {"kind": "query", "param": "page"},
         "active_from": "2018-01-01", "active_until": "2025-02-28"},
        {"id": "beta_sokhcn", "province": "Cần Thơ", "name": "Sở KH&CN Beta", "base_url": "https://sokhcn.beta.gov.vn",
         "listings": ["/vi/news/"], "active_from": "2025-03-01", "enabled": True},
    ],
}


def errors_of(data) -> str:
    with pytest.raises(RegistryError) as err:
        registry_from_mapping(data, source="test.yaml")
    return str(err.value)


def test_valid_registry_loads_with_defaults_and_lookup():
    reg = registry_from_mapping(copy.deepcopy(BASE))
    alpha = reg.get("alpha_stttt")
    assert alpha.listings[0].url == "https://stttt.alpha.gov.vn/tin-tuc"
    assert alpha.politeness.requests_per_second == 1.0 and alpha.politeness.concurrency == 1
    assert alpha.discovery == ("listing",)
    beta = reg["beta_sokhcn"]
    assert beta.links.generic  # no selectors: generic link extraction
    with pytest.raises(KeyError, match="no portal 'gamma'"):
        reg.get("gamma")


def test_all_problems_are_reported_together_with_their_place():
    data = copy.deepcopy(BASE)
    a, b = data["portals"]
    a["pagnation"] = {"kind": "query"}  # typo
    a["active_from"] = "2018-13-01"
    b["base_url"] = "ftp://sokhcn.beta.gov.vn"
    b["tls"] = {"verify": False}
    data["portals"].append(copy.deepcopy(BASE["portals"][0]))
    data["portals"][2]["links"] = {"items": "div[", "link": "a"}
    msg = errors_of(data)
    assert "portals[0] (alpha_stttt): unknown key(s) 'pagnation'" in msg
    assert "portals[0] (alpha_stttt).active_from: expected a date YYYY-MM-DD, got '2018-13-01'" in msg
    assert "portals[1] (beta_sokhcn).base_url: expected an absolute http(s) URL, got 'ftp://sokhcn.beta.gov.vn'" in msg
    assert "portals[1] (beta_sokhcn).tls: verify: false is an exception and needs a 'reason'" in msg
    assert "portals[2] (alpha_stttt): duplicate id (first used by portals[0])" in msg
    assert "portals[2] (alpha_stttt).links.items: invalid CSS selector 'div['" in msg
    assert msg.startswith("test.yaml: 6 problem(s)")


@pytest.mark.parametrize("change, expected", [
    (lambda p: p.update(active_from="2025-03-01", active_until="2024-01-01"), "active_from 2025-03-01 is after active_until 2024-01-01"),
    (lambda p: p.update(listings=[{"url": "https://elsewhere.vn/tin-tuc"}]), "is not on the portal's host"),
    (lambda p: p.update(listings=[{"url": "tin-tuc"}]), "expected a path starting with '/'"),
    (lambda p: p.update(pagination={"kind": "pages"}), "expected one of none, query, path, post"),
    (lambda p: p.update(pagination={"kind": "path", "template": "/list/"}), "must contain {page}"),
    (lambda p: p.update(pagination={"kind": "post", "endpoint": "/x"}), "exactly one of 'json' or 'form'"),
    (lambda p: p.update(politeness={"requests_per_second": 0}), "requests_per_second: expected a positive number"),
    (lambda p: p.update(politeness={"concurrency": 1.5}), "concurrency: expected a positive integer"),
    (lambda p: p.update(politeness={"requests_per_second": 10000}), "requests_per_second: 10000 is outside the sane range"),
    (lambda p: p.update(politeness={"concurrency": 64}), "concurrency: 64 is outside the sane range 1..4"),
    (lambda p: p.update(politeness={"total_timeout": 86400}), "total_timeout: 86400 is outside the sane range"),
    (lambda p: p.update(discovery=["archive"]), "strategy 'archive' needs the portal's archive"),
    (lambda p: p.update(tls={"ca_bundle": "no/such/bundle.pem"}), "tls.ca_bundle: file not found"),
    (lambda p: p.update(id="Alpha-STTTT"), "expected snake_case"),
    (lambda p: p.update(active_until=datetime(2025, 1, 1)), "expected a date (YYYY-MM-DD), got a datetime"),
    (lambda p: p.pop("province"), "missing required key 'province'"),
    (lambda p: p.update(base_url="https://stttt.alpha.gov.vn/portal"), "without path"),
])
def test_each_kind_of_problem_has_a_clear_message(change, expected):
    data = copy.deepcopy(BASE)
    change(data["portals"][0])
    assert expected in errors_of(data)


def test_parsing_block_is_validated_by_the_parser_config():
    data = copy.deepcopy(BASE)
    data["portals"][0]["parsing"] = {"body": "div.content", "titel": "h1"}
    assert "portals[0] (alpha_stttt).parsing: unknown key(s) 'titel'" in errors_of(data)
    data["portals"][0]["parsing"] = {"body": "div.content", "title": "h1"}
    portal = registry_from_mapping(data).get("alpha_stttt")
    assert portal.parse_config is not None and portal.parse_config.body == "div.content"
    assert dict(portal.parsing) == {"body": "div.content", "title": "h1"}


def test_tls_exception_is_explicit_and_logged(caplog):
    data = copy.deepcopy(BASE)
    data["portals"][0]["tls"] = {"verify": False, "reason": "chain incomplete; vendor ticket 42"}
    with caplog.at_level("WARNING"):
        portal = registry_from_mapping(data).get("alpha_stttt")
    assert portal.host_policy().verify is False
    assert "TLS verification disabled by registry exception: chain incomplete; vendor ticket 42" in caplog.text


def test_base_url_overrides_rebase_every_url_and_select_mirror_portals():
    data = copy.deepcopy(BASE)
    data["portals"][0]["listings"].append({"url": "https://stttt.alpha.gov.vn/chuyen-doi-so?x=1"})
    reg = registry_from_mapping(data, base_url_overrides={"alpha_stttt": "http://127.0.0.1:8123"})
    alpha = reg.get("alpha_stttt")
    assert alpha.base_url == "http://127.0.0.1:8123" and alpha.live_base_url == "https://stttt.alpha.gov.vn"
    assert [l.url for l in alpha.listings] == ["http://127.0.0.1:8123/tin-tuc", "http://127.0.0.1:8123/chuyen-doi-so?x=1"]
    assert [p.id for p in reg.active_portals()] == ["alpha_stttt"]  # beta is not served by the mirror
    assert [p.id for p in reg.active_portals(mode="live")] == ["alpha_stttt", "beta_sokhcn"]


def test_active_windows_follow_the_2025_mergers():
    reg = registry_from_mapping(copy.deepcopy(BASE))
    day = lambda *a: datetime(*a, tzinfo=VN_TZ)
    assert [p.id for p in reg.active_portals(day(2024, 1, 1), day(2025, 1, 1))] == ["alpha_stttt"]
    # active_until is inclusive: 28 February 2025 is the last day of the stttt site
    assert [p.id for p in reg.active_portals(day(2025, 2, 28), day(2025, 3, 1))] == ["alpha_stttt"]
    assert [p.id for p in reg.active_portals(day(2025, 3, 1), day(2025, 3, 2))] == ["beta_sokhcn"]


def test_shipped_registry_is_valid_and_covers_the_mirror_sites():
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    ids = [p["id"] for p in raw["portals"]]
    assert len(ids) == len(set(ids))
    reg = registry_from_mapping(raw, source=str(DEFAULT_PATH))
    mirror = {p.id for p in reg if p.mirror}
    assert {"hagiang_stttt", "hagiang_portal", "dongthap_stttt", "cantho_sokhcn", "baohaugiang",
            "tuyenquang_stttt", "tuyenquang_portal"} <= mirror
    later = [p for p in reg if not p.mirror]
    assert later and all(not p.enabled for p in later)
    assert all(p.active_until and p.active_until.isoformat() == "2025-02-28" for p in reg if ".stttt" in "." + p.host)
    successors = [p for p in reg if "khcn." in p.host and not p.mirror and "stttt" in (p.notes or "")]
    assert successors and all(p.active_from and p.active_from.isoformat() >= "2025-03-01" for p in successors)


def test_the_mirror_ca_is_trusted_for_the_mirror_only_and_live_tls_trusts_the_public_cas(tmp_path):
    """hagiang_portal pinned the mirror's private CA for the live site."""
    import certifi

    from scrapers.registry import load_registry

    live = load_registry().get("hagiang_portal")
    assert live.tls.requests_verify is True
    mirrored = load_registry(base_url_overrides={"hagiang_portal": "https://127.0.0.1:18401"}).get("hagiang_portal")
    assert str(mirrored.tls.requests_verify).endswith("portal_mirror/certs/ca-bundle.pem")
    extra = tmp_path / "intermediate.pem"
    extra.write_text("-----BEGIN CERTIFICATE-----\nMIIBextra\n-----END CERTIFICATE-----\n")
    data = copy.deepcopy(BASE)
    data["portals"][0]["tls"] = {"ca_bundle": str(extra)}
    bundle = Path(registry_from_mapping(data).get("alpha_stttt").tls.requests_verify).read_text()
    assert Path(certifi.where()).read_text() in bundle and "MIIBextra" in bundle


def test_every_current_province_has_a_live_source_with_evidence():
    """Each of the 34 provinces that exist since 1 July 2025 has an official source still publishing,
    found on a real page (its evidence URL shows the source's own host)."""
    from scrapers.parsing.provinces import current_province_names
    from scrapers.registry import load_registry

    today = datetime.now(VN_TZ).date()
    live = [p for p in load_registry() if not p.mirror and (p.active_until is None or p.active_until >= today)]
    assert len(live) >= 34
    provinces = set(current_province_names())
    assert len(provinces) == 34
    covered = {p.province for p in live}
    assert provinces <= covered, sorted(provinces - covered)
    for p in live:
        if p.kind is None:
            continue
        assert p.evidence, p.id
        hosts = {urlsplit(url).hostname.removeprefix("www.") for url in p.evidence}
        assert urlsplit(p.base_url).hostname.removeprefix("www.") in hosts or p.notes, p.id


def test_source_kind_and_evidence_are_validated():
    data = copy.deepcopy(BASE)
    data["portals"][1]["kind"] = "blog"
    data["portals"][1]["evidence"] = ["not a url"]
    text = errors_of(data)
    assert "portals[1] (beta_sokhcn).kind: expected one of" in text
    assert "portals[1] (beta_sokhcn).evidence[0]: expected an absolute http(s) URL" in text
