"""Fetcher behaviour against tiny local servers: robots, rate limits, retries, caps, redirects, charsets."""
from __future__ import annotations

import socket
import struct
import threading
import time
import tracemalloc
import unicodedata

from scrapers.fetch import Fetcher, HostPolicy, StoredValidators

from .conftest import Reply

TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as windows-1258 does: letters with circumflex/breve/horn precomposed, tones combining."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")


FAST = dict(requests_per_second=1000.0, connect_timeout=2.0, read_timeout=2.0)


def fast_fetcher(**kw) -> Fetcher:
    kw.setdefault("allow_private", True)
    kw.setdefault("backoff_initial", 0.01)
    kw.setdefault("backoff_max", 0.05)
    kw.setdefault("backoff_jitter", 0.01)
    kw.setdefault("default_policy", HostPolicy(**FAST))
    return Fetcher(**kw)


def test_robots_disallowed_path_is_never_requested(make_server):
    srv = make_server({"/robots.txt": Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}),
                       "*": Reply()})
    with fast_fetcher() as f:
        blocked = f.fetch(srv.url + "/private/secret.html")
        ok = f.fetch(srv.url + "/public.html")
    assert blocked.error_kind == "disallowed" and "robots.txt disallows" in blocked.error
    assert ok.ok
    assert "/private/secret.html" not in srv.paths()
    assert srv.paths().count("/robots.txt") == 1  # cached per host


def test_crawl_delay_is_a_lower_bound_on_spacing(make_server):
    srv = make_server({"/robots.txt": Reply(200, b"User-agent: *\nCrawl-delay: 0.3\n", {"Content-Type": "text/plain"}),
                       "*": Reply()})
    with fast_fetcher() as f:
        for i in range(3):
            assert f.fetch(f"{srv.url}/p{i}").ok
        assert f.host_stats()[srv.url.split("//")[1]]["interval"] == 0.3
    starts = [r["ts"] for r in srv.log if r["path"] != "/robots.txt"]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.28, gaps


def test_rate_limit_per_host_while_hosts_run_in_parallel(make_server):
    a, b = make_server({"*": Reply()}), make_server({"*": Reply()})
    with fast_fetcher() as f:
        for srv in (a, b):
            f.register(srv.url, HostPolicy(requests_per_second=5.0, concurrency=2, connect_timeout=2, read_timeout=2))

        def crawl(srv):
            threads = [threading.Thread(target=f.fetch, args=(f"{srv.url}/p{i}",)) for i in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        t0 = time.monotonic()
        workers = [threading.Thread(target=crawl, args=(s,)) for s in (a, b)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.monotonic() - t0
    for srv in (a, b):
        starts = sorted(r["ts"] for r in srv.log if r["path"] != "/robots.txt")
        assert len(starts) == 6
        gaps = [y - x for x, y in zip(starts, starts[1:])]
        assert min(gaps) >= 0.18, gaps  # 5 req/s even with 6 threads hitting the host
    # 7 requests per host at 0.2 s spacing is ~1.2 s; serial hosts would take ~2.4 s
    assert wall < 2.0, wall


def _flaky(kind: str, failures: int):
    count = {"n": 0}

    def route(h):
        count["n"] += 1
        if count["n"] <= failures:
            if kind == "500":
                return Reply(500, b"boom")
            if kind == "timeout":
                time.sleep(0.6)
                return Reply()
            if kind == "reset":
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                h.connection.close()
                h.close_connection = True
                return None
        return Reply(body=b"<html><body>fine</body></html>")
    return route


def test_retries_on_500_timeout_and_reset_but_not_404(make_server):
    srv = make_server({"/500": _flaky("500", 2), "/timeout": _flaky("timeout", 1), "/reset": _flaky("reset", 2),
                       "/404": Reply(404, b"no")})
    with fast_fetcher(default_policy=HostPolicy(requests_per_second=1000, connect_timeout=1, read_timeout=0.3)) as f:
        r500, rto, rreset, r404 = (f.fetch(srv.url + p) for p in ("/500", "/timeout", "/reset", "/404"))
    assert r500.ok and r500.attempts == 3 and r500.text.endswith("fine</body></html>")
    assert rto.ok and rto.attempts == 2
    assert rreset.ok and rreset.attempts == 3
    assert r404.status_code == 404 and r404.error_kind == "http" and r404.attempts == 1
    assert srv.paths().count("/404") == 1
    assert srv.paths().count("/500") == 3


def test_gives_up_after_max_attempts_with_clear_error(make_server):
    srv = make_server({"/down": Reply(503, b"busy")})
    with fast_fetcher(max_attempts=3) as f:
        r = f.fetch(srv.url + "/down")
    assert not r.ok and r.status_code == 503 and r.error == f"HTTP 503 for {srv.url}/down"
    assert srv.paths().count("/down") == 3


def test_conditional_get_gives_304(make_server):
    def page(h):
        if h.headers.get("If-None-Match") == '"v1"':
            return Reply(304, b"", {"ETag": '"v1"'})
        return Reply(200, b"<html>v1</html>", {"Content-Type": "text/html", "ETag": '"v1"',
                                                "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})
    srv = make_server({"/a": page})
    with fast_fetcher() as f:
        first = f.fetch(srv.url + "/a")
        second = f.fetch(srv.url + "/a", validators=StoredValidators(first.headers["ETag"],
                                                                      first.headers["Last-Modified"], 1))
    assert first.ok and first.content_sha256 and not first.not_modified
    assert second.not_modified and second.status_code == 304 and second.body == b"" and second.error is None
    sent = srv.log[-1]["headers"]
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def _huge(declare_length: bool):
    def route(h):
        size = 20 * 1024 * 1024
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if declare_length:
            h.send_header("Content-Length", str(size))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(size // len(chunk)):
                h.wfile.write(chunk)
        except OSError:
            pass
        return None
    return route


def test_20mb_page_refused_with_bounded_memory(make_server):
    srv = make_server({"/declared": _huge(True), "/streamed": _huge(False)})
    cap = 2 * 1024 * 1024
    with fast_fetcher(default_policy=HostPolicy(max_bytes=cap, **FAST)) as f:
        tracemalloc.start()
        declared = f.fetch(srv.url + "/declared")
        streamed = f.fetch(srv.url + "/streamed")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert declared.error_kind == "too_large" and "declares 20971520 bytes" in declared.error
    assert streamed.error_kind == "too_large" and "while streaming" in streamed.error
    assert declared.attempts == 1 and streamed.attempts == 1
    assert peak < 4 * cap, peak


def test_redirect_loop_and_too_many_redirects_end_with_clear_errors(make_server):
    routes = {"/a": Reply(302, b"", {"Location": "/b"}), "/b": Reply(301, b"", {"Location": "/a"})}
    for i in range(1, 8):
        routes[f"/r{i}"] = Reply(302, b"", {"Location": f"/r{i + 1}"})
    srv = make_server(routes)
    with fast_fetcher() as f:
        loop = f.fetch(srv.url + "/a")
        many = f.fetch(srv.url + "/r1")
    assert loop.error_kind == "redirect_loop"
    assert loop.error == f"redirect loop: {srv.url}/a -> {srv.url}/b -> {srv.url}/a"
    assert many.error_kind == "too_many_redirects" and "more than 5 redirects" in many.error
    assert srv.paths().count("/r7") == 0


def test_redirect_to_private_address_refused_unless_allowed(make_server):
    target = make_server({"*": Reply(body=b"<html>inside</html>")})
    origin = make_server({"/go": Reply(302, b"", {"Location": target.url + "/x"}),
                          "/ftp": Reply(302, b"", {"Location": "ftp://example.org/x"})})
    with fast_fetcher(allow_private=False) as f:
        refused = f.fetch(origin.url + "/go")
        ftp = f.fetch(origin.url + "/ftp")
    assert refused.error_kind == "unsafe_redirect" and "private/loopback" in refused.error
    assert ftp.error_kind == "unsafe_redirect" and "non-http(s)" in ftp.error
    assert target.paths() == []
    with fast_fetcher(allow_private=True) as f:
        followed = f.fetch(origin.url + "/go")
    assert followed.ok and followed.final_url == target.url + "/x" and followed.redirects == (target.url + "/x",)


def test_robots_txt_is_fetched_under_the_same_redirect_policy(make_server):
    target = make_server({"/robots.txt": Reply(200, b"User-agent: *\nDisallow:\n", {"Content-Type": "text/plain"})})
    origin = make_server({"/robots.txt": Reply(301, b"", {"Location": target.url + "/robots.txt"}), "*": Reply()})
    with fast_fetcher(allow_private=False) as f:
        blocked = f.fetch(origin.url + "/page")
    assert blocked.error_kind == "robots_unavailable" and "private/loopback" in blocked.error
    assert target.paths() == [] and origin.paths() == ["/robots.txt"]
    with fast_fetcher(allow_private=True) as f:
        assert f.fetch(origin.url + "/page").ok
    assert target.paths() == ["/robots.txt"]


def test_offsite_redirect_refused_when_hosts_are_restricted(make_server):
    other = make_server({"*": Reply()})
    origin = make_server({"/doorway": Reply(302, b"", {"Location": other.url + "/casino"})})
    with fast_fetcher() as f:
        r = f.fetch(origin.url + "/doorway", allowed_hosts=[origin.url.split("//")[1]])
    assert r.error_kind == "offsite_redirect" and other.paths() == []


def test_cp1258_declared_only_in_meta_is_decoded_to_nfc(make_server):
    text = "Sở Thông tin và Truyền thông tỉnh Tuyên Quang: 98,5% thôn có sóng di động"
    html = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">' \
           f"</head><body><p>{text}</p></body></html>"
    body = to_cp1258(html)
    srv = make_server({"/p": Reply(200, body, {"Content-Type": "text/html"})})
    with fast_fetcher() as f:
        r = f.fetch(srv.url + "/p")
    assert r.encoding == "cp1258"
    assert text in r.text and unicodedata.is_normalized("NFC", r.text)
    assert r.body == body


def test_header_charset_wins_and_detection_is_the_fallback(make_server):
    text = "Chuyển đổi số: 1.234 trạm BTS được lắp đặt mới trong năm qua ở các huyện vùng cao"
    srv = make_server({"/h": Reply(200, f"<p>{text}</p>".encode("utf-8"), {"Content-Type": "text/html; charset=UTF-8"}),
                       "/d": Reply(200, f"<html><body><p>{text}</p></body></html>".encode("utf-8"), {"Content-Type": "text/html"})})
    with fast_fetcher() as f:
        h, d = f.fetch(srv.url + "/h"), f.fetch(srv.url + "/d")
    assert h.encoding == "utf-8" and text in h.text
    assert d.encoding == "utf-8" and text in d.text


def test_decode_body_of_a_stored_page_uses_its_recorded_encoding_or_detects():
    from scrapers.charset import decode_body
    text = "Tỷ lệ thôn, bản có sóng di động đạt 98,5%"
    html = f'<html><head><meta charset="windows-1258"></head><body><p>{text}</p></body></html>'
    body = to_cp1258(html)
    assert text in decode_body(body, {"content-type": "text/html"}, "cp1258")
    assert text in decode_body(body, {"content-type": "text/html"})  # meta tag found again
    assert text in decode_body(html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"}, None)


def test_unreadable_robots_txt_means_nothing_is_requested_for_now(make_server):
    srv = make_server({"/robots.txt": Reply(503, b"busy"), "*": Reply()})
    with fast_fetcher(max_attempts=2) as f:
        first = f.fetch(srv.url + "/a.html")
        second = f.fetch(srv.url + "/b.html")
    assert first.error_kind == second.error_kind == "robots_unavailable"
    assert "robots.txt of " in first.error and "HTTP 503" in first.error
    assert srv.paths() == ["/robots.txt", "/robots.txt"]  # retried once, then cached; pages never asked


def test_429_is_retried_honouring_retry_after_but_other_4xx_are_not(make_server):
    calls = {"n": 0}

    def limited(h):
        calls["n"] += 1
        return Reply(429, b"slow down", {"Retry-After": "0"}) if calls["n"] == 1 else Reply()
    srv = make_server({"/limited": limited, "/gone": Reply(410, b"gone"), "/forbidden": Reply(403, b"no")})
    with fast_fetcher() as f:
        ok, gone, forbidden = (f.fetch(srv.url + p) for p in ("/limited", "/gone", "/forbidden"))
    assert ok.ok and ok.attempts == 2
    assert (gone.status_code, gone.attempts, forbidden.status_code, forbidden.attempts) == (410, 1, 403, 1)


def test_robots_txt_redirect_to_a_private_address_is_refused(make_server):
    """robots.txt was read with automatic redirects, past the private-address check."""
    inside = make_server({"*": Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})})
    origin = make_server({"/robots.txt": Reply(302, b"", {"Location": inside.url + "/robots.txt"}),
                          "*": Reply()})
    with fast_fetcher(allow_private=False) as f:  # only redirects are checked: the origin is reached
        result = f.fetch(origin.url + "/page.html")
    assert inside.paths() == []
    assert not result.ok and "/page.html" not in origin.paths()


def test_robots_txt_redirect_within_the_site_is_followed(make_server):
    srv = make_server({"/robots.txt": Reply(301, b"", {"Location": "/static/robots.txt"}),
                       "/static/robots.txt": Reply(200, b"User-agent: *\nDisallow: /private/\n",
                                                   {"Content-Type": "text/plain"}),
                       "*": Reply()})
    with fast_fetcher() as f:
        assert f.fetch(srv.url + "/private/x").error_kind == "disallowed"
        assert f.fetch(srv.url + "/public").ok


def test_slow_drip_body_is_cut_at_the_deadline(make_server):
    """A body sent a few bytes at a time held a 4 s limit for 19.5 s (checked only every 64 KB)."""
    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(400):
                handler.wfile.write(b"x" * 10)
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass
        return None

    srv = make_server({"/drip": drip})
    policy = HostPolicy(requests_per_second=1000.0, connect_timeout=2.0, read_timeout=2.0, total_timeout=1.0)
    with fast_fetcher(default_policy=policy, max_attempts=1) as f:
        t0 = time.monotonic()
        result = f.fetch(srv.url + "/drip")
        elapsed = time.monotonic() - t0
    assert not result.ok and "longer than" in result.error
    assert elapsed < 3.0, elapsed  # the deadline, plus at most one read timeout
