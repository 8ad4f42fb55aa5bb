"""Faults happen at the configured rate, are reproducible and logged; fixed fault paths behave."""
from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from portal_mirror import FaultPlan, FaultPlanError, MirrorServer
from portal_mirror.faults import FaultDecider
from tests.mirror.conftest import make_session


def test_decider_hits_the_configured_rate_and_is_reproducible():
    plan = FaultPlan(failure_rate=0.2, seed=7, max_consecutive=None)
    a, b = FaultDecider(plan), FaultDecider(plan)
    paths = [f"/tin-tuc/bai-{i}.html" for i in range(2000)]
    first = [a.decide("s", "GET", p).failure for p in paths]
    assert first == [b.decide("s", "GET", p).failure for p in paths]
    rate = sum(f is not None for f in first) / len(first)
    assert 0.17 < rate < 0.23
    assert {f for f in first if f} == {"500", "503", "timeout", "reset"}
    other_seed = FaultDecider(FaultPlan(failure_rate=0.2, seed=8, max_consecutive=None))
    assert first != [other_seed.decide("s", "GET", p).failure for p in paths]


def test_a_url_never_fails_more_than_max_consecutive_times_in_a_row():
    d = FaultDecider(FaultPlan(failure_rate=0.9, max_consecutive=2, kinds=("500",)))
    for i in range(200):
        outcomes = [d.decide("s", "GET", f"/p{i}").failure for _ in range(3)]
        assert None in outcomes


def test_robots_txt_and_other_sites_can_be_exempt():
    d = FaultDecider(FaultPlan(failure_rate=1.0, sites=frozenset({"a"}), max_consecutive=None))
    assert d.decide("a", "GET", "/robots.txt").failure is None
    assert d.decide("b", "GET", "/x").failure is None
    assert d.decide("a", "GET", "/x").failure is not None


@pytest.mark.parametrize("bad", [{"failure_rate": 1.5}, {"kinds": ["404"]}, {"colour": "red"}])
def test_bad_fault_plans_are_refused(bad):
    with pytest.raises(FaultPlanError):
        FaultPlan.from_dict(bad)


def test_http_faults_at_rate_and_logged(tmp_path):
    log_path = tmp_path / "requests.jsonl"
    plan = FaultPlan(failure_rate=0.3, kinds=("500", "503"), seed=3, max_consecutive=None)
    with MirrorServer(log_path=log_path, faults=plan) as m, make_session() as http:
        urls = [a.url for a in m.catalog() if a.site_id == "dongthap_stttt"][:60]
        statuses = [http.get(u).status_code for u in urls]
        entries = m.requests()
    failed = [s for s in statuses if s in (500, 503)]
    assert 0.15 < len(failed) / len(statuses) < 0.45
    assert set(statuses) <= {200, 500, 503}
    assert len(entries) == len(urls)
    for status, entry in zip(statuses, entries):
        assert entry["status"] == status
        assert entry["fault"] == (str(status) if status != 200 else None)
        assert entry["site_id"] == "dongthap_stttt" and entry["method"] == "GET"
    on_disk = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert [e["path"] for e in on_disk] == [e["path"] for e in entries]
    assert {"ts", "site_id", "method", "path", "status", "fault"} <= set(on_disk[0])


def test_503_carries_retry_after():
    with MirrorServer(faults=FaultPlan(failure_rate=1.0, kinds=("503",), max_consecutive=None)) as m, \
            make_session() as http:
        r = http.get(m.base_url("baohaugiang") + "/")
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"


def test_reset_and_timeout_break_the_connection():
    m = MirrorServer(faults=FaultPlan(failure_rate=1.0, kinds=("reset",), max_consecutive=None)).start()
    with make_session() as http:
        with pytest.raises(requests.ConnectionError):
            http.get(m.base_url("hagiang_stttt") + "/", timeout=2)
        assert m.requests()[-1]["fault"] == "reset" and m.requests()[-1]["status"] is None
        m.set_faults(FaultPlan(failure_rate=1.0, kinds=("timeout",), hang_seconds=3, max_consecutive=None))
        started = time.monotonic()
        with pytest.raises((requests.ReadTimeout, requests.ConnectionError)):
            http.get(m.base_url("hagiang_stttt") + "/", timeout=0.3)
        assert time.monotonic() - started < 2
        assert m.requests()[-1]["fault"] == "timeout"
    started = time.monotonic()
    m.stop()                      # wakes the handler still hanging instead of waiting hang_seconds
    assert time.monotonic() - started < 2


def test_truncated_and_slow_bodies():
    with MirrorServer(faults=FaultPlan(truncated=1.0, max_consecutive=None)) as m, make_session() as http:
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            http.get(m.base_url("cantho_sokhcn") + "/vi/news/")
        assert m.requests()[-1]["fault"] == "truncated"
        m.set_faults(FaultPlan(slow_body=1.0, slow_seconds=0.6))
        started = time.monotonic()
        r = http.get(m.base_url("cantho_sokhcn") + "/vi/news/")
        assert r.status_code == 200 and r.text.endswith("</html>")
        assert time.monotonic() - started >= 0.5
        assert m.requests()[-1]["fault"] == "slow_body"


def test_a_site_can_be_down_while_others_serve():
    with MirrorServer() as m, make_session() as http:
        down_url = m.base_url("hagiang_stttt") + "/"
        m.set_faults(FaultPlan(down_sites=frozenset({"hagiang_stttt"})))
        with pytest.raises(requests.ConnectionError):
            http.get(down_url, timeout=2)
        assert http.get(m.base_url("dongthap_stttt") + "/").status_code == 200
        m.set_faults(FaultPlan())
        assert http.get(down_url).status_code == 200


def test_down_from_the_start_keeps_its_port_reserved():
    with MirrorServer(faults=FaultPlan(down_sites=frozenset({"baohaugiang"}))) as m:
        port = int(m.base_url("baohaugiang").rsplit(":", 1)[1])
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        m.set_faults(FaultPlan())
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_big_page_is_20_mb_and_streams(mirror, http):
    big = next(f for f in mirror.fixed_faults() if f["kind"] == "big_page" and f["site_id"] == "dongthap_stttt")
    with http.get(big["url"], stream=True) as r:
        assert r.status_code == 200
        assert int(r.headers["Content-Length"]) == 20 * 1024 * 1024
        first = next(r.iter_content(65536))
        assert first.startswith(b"<!DOCTYPE html>")


def test_redirect_loop_ends_in_too_many_redirects(mirror, http):
    loop = next(f for f in mirror.fixed_faults() if f["kind"] == "redirect_loop" and f["site_id"] == "hagiang_stttt")
    with pytest.raises(requests.TooManyRedirects):
        http.get(loop["url"])
    r = http.get(loop["url"], allow_redirects=False)
    assert r.status_code == 301 and r.headers["Location"].endswith("?r=1")


def test_every_site_lists_its_three_fault_items(mirror):
    kinds = {}
    for f in mirror.fixed_faults():
        kinds.setdefault(f["site_id"], set()).add(f["kind"])
    assert set(kinds) == set(mirror.sites)
    assert all(v == {"big_page", "redirect_loop", "robots_disallowed"} for v in kinds.values())
