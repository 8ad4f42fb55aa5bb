"""HTTP behaviour: conditional GET, robots.txt, charsets, TLS chain, the hacked site, the
syndicated pair, and the CLI."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from protego import Protego

from portal_mirror.config import CERT_DIR
from portal_mirror.content import site_contents

REPO = Path(__file__).resolve().parents[2]


def test_conditional_get_answers_304(mirror, http):
    for sid in mirror.sites:
        url = mirror.base_url(sid) + site_contents()[sid].articles[3].url_path
        first = http.get(url)
        etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
        again = http.get(url, headers={"If-Modified-Since": last_modified})
        assert again.status_code == 304 and again.content == b""
        assert http.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        assert http.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"}).status_code == 200
        assert http.get(url).headers["ETag"] == etag           # stable page, stable tag
    listing = mirror.base_url("cantho_sokhcn") + "/vi/news/"
    tag = http.get(listing).headers["ETag"]
    assert http.get(listing, headers={"If-None-Match": tag}).status_code == 304
    assert [e["status"] for e in mirror.requests()[-2:]] == [200, 304]


def test_robots_txt_per_site(mirror, http):
    nuke = http.get(mirror.base_url("cantho_sokhcn") + "/robots.txt")
    assert nuke.headers["Content-Type"].startswith("text/plain")
    assert "Crawl-delay: 5" in nuke.text
    assert f"Sitemap: {mirror.base_url('cantho_sokhcn')}/sitemap.xml" in nuke.text
    rp = Protego.parse(nuke.text)
    assert rp.crawl_delay("vnict") == 5
    for f in mirror.fixed_faults():
        robots = Protego.parse(http.get(mirror.base_url(f["site_id"]) + "/robots.txt").text)
        allowed = robots.can_fetch(f["url"], "vnict-bot")
        assert allowed == (f["kind"] != "robots_disallowed"), f
    sample = mirror.catalog()[::17]
    for a in sample:
        robots = Protego.parse(http.get(mirror.base_url(a.site_id) + "/robots.txt").text)
        assert robots.can_fetch(a.url, "vnict-bot"), a.url


def test_windows_1258_declared_only_in_meta(mirror, http):
    a = next(a for a in site_contents()["tuyenquang_stttt"].articles if a.seed_doc)
    r = http.get(mirror.base_url("tuyenquang_stttt") + a.url_path)
    assert r.headers["Content-Type"] == "text/html"
    raw = r.content
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">' in raw
    text = unicodedata.normalize("NFC", raw.decode("cp1258"))
    assert a.title in text and a.paragraphs[0] in text
    assert "Thứ Sáu, ngày 12 tháng 1 năm 2024 - 15:36" in text
    # decoded with requests' header-only guess (ISO-8859-1) the page is mojibake
    assert a.title not in r.text
    other = http.get(mirror.base_url("tuyenquang_portal") + "/")
    assert other.headers["Content-Type"] == "text/html; charset=utf-8"


def test_cp1258_round_trips_every_article_of_the_site():
    from portal_mirror.layouts.base import encode_cp1258

    for a in site_contents()["tuyenquang_stttt"].articles:
        text = " ".join([a.title, a.lead or "", *a.paragraphs])
        raw = encode_cp1258(text)
        assert b"&#" not in raw
        assert unicodedata.normalize("NFC", raw.decode("cp1258")) == unicodedata.normalize("NFC", text)
    # tone marks are combining characters after the base letter, as in real cp1258 pages
    assert encode_cp1258("ố") == b"\xf4\xec"


def test_https_site_sends_an_incomplete_chain(mirror, tmp_path):
    url = mirror.base_url("hagiang_portal") + "/"
    assert url.startswith("https://")
    assert requests.get(url, verify=str(CERT_DIR / "ca-bundle.pem")).status_code == 200
    root_only = tmp_path / "root.pem"
    root_only.write_bytes((CERT_DIR / "root-ca.pem").read_bytes())
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, verify=str(root_only))       # the intermediate is not sent by the server
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, verify=True)


def test_hacked_site(mirror, http):
    base = mirror.base_url("baohaugiang")
    for path in ("/", "/thoi-su.html", site_contents()["baohaugiang"].articles[0].url_path):
        page = BeautifulSoup(http.get(base + path).content, "lxml")
        hidden = page.select_one('div[style="display:none"]')
        assert hidden is not None and len(hidden.select("a")) >= 4
        assert "nhà cái" in hidden.get_text()
    door = http.get(base + "/nha-cai-uy-tin.html", allow_redirects=False)
    assert door.status_code == 302 and ".invalid/" in door.headers["Location"]
    assert not door.headers["Location"].startswith(base)
    seed = next(a for a in site_contents()["baohaugiang"].articles if a.seed_doc)
    page = BeautifulSoup(http.get(base + seed.url_path).content, "lxml")
    spam_p = [p.get_text() for p in page.select("div.detail-content p") if "bong da wap keo" in p.get_text()]
    assert len(spam_p) == 1 and spam_p[0].startswith("(HG) - Đây là mục tiêu trong năm 2021,ậptrung")
    assert page.select_one('div.detail-content div[style="display:none"] a') is not None
    synthetic_spam = [a for a in site_contents()["baohaugiang"].articles if a.extra.get("spam")]
    assert synthetic_spam
    other_sites = [a for sid, c in site_contents().items() if sid != "baohaugiang" for a in c.articles
                   if a.extra.get("spam")]
    assert not other_sites


def test_syndicated_pair(mirror, http):
    pair = {a.site_id: a for a in mirror.catalog() if a.seed_doc == "004_c18f5cd2e7e3ddb2.txt"}
    pages = {sid: BeautifulSoup(http.get(a.url).content.decode("cp1258" if sid == "tuyenquang_stttt" else "utf-8"), "lxml")
             for sid, a in pair.items()}
    bodies = {sid: unicodedata.normalize("NFC", p.select_one("div.detail-content").get_text(" ")) for sid, p in pages.items()}
    assert " ".join(bodies["tuyenquang_stttt"].split()) == " ".join(bodies["tuyenquang_portal"].split())
    copy_source = unicodedata.normalize("NFC", pages["tuyenquang_stttt"].select_one("div.detail-source").get_text())
    assert copy_source.strip() == "Theo: tuyenquang.gov.vn"
    assert pages["tuyenquang_portal"].select_one("div.detail-source") is None
    assert pair["tuyenquang_portal"].published < pair["tuyenquang_stttt"].published


def test_request_log_records_every_request(mirror, http):
    before = len(mirror.requests())
    http.get(mirror.base_url("dongthap_stttt") + "/robots.txt", headers={"User-Agent": "vnict-test"})
    http.post(mirror.base_url("hagiang_portal") + "/Pages/ArticleInMenuPagination.aspx/LoadArticle",
              json={"menuId": 27, "pageIndex": 1})
    http.get(mirror.base_url("dongthap_stttt") + "/nope")
    new = mirror.requests()[before:]
    assert [(e["site_id"], e["method"], e["status"]) for e in new] == [
        ("dongthap_stttt", "GET", 200), ("hagiang_portal", "POST", 200), ("dongthap_stttt", "GET", 404)]
    assert new[0]["user_agent"] == "vnict-test" and new[0]["path"] == "/robots.txt"


def test_cli_serves_and_writes_the_sites_file(tmp_path):
    sites_file, log_file = tmp_path / "sites.json", tmp_path / "log.jsonl"
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"down_sites": ["cantho_sokhcn"]}))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "portal_mirror", "serve", "--port", "0",
                             "--sites-file", str(sites_file), "--log", str(log_file), "--faults", str(faults)],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not sites_file.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        sites = json.loads(sites_file.read_text())
        assert set(sites) >= {"hagiang_stttt", "hagiang_portal", "baohaugiang"}
        assert sites["hagiang_portal"].startswith("https://")
        assert requests.get(sites["dongthap_stttt"] + "/robots.txt").status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(sites["cantho_sokhcn"] + "/", timeout=2)
        faults.write_text(json.dumps({"failure_rate": 1.0, "kinds": ["503"], "max_consecutive": None}))
        proc.send_signal(signal.SIGHUP)                 # reload the fault plan at runtime
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            try:
                status = requests.get(sites["cantho_sokhcn"] + "/vi/news/", timeout=2).status_code
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert status == 503
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0, proc.stderr.read().decode()
    assert json.loads(log_file.read_text().splitlines()[0])["path"] == "/robots.txt"


def test_a_subset_of_sites_can_be_served():
    from portal_mirror import MirrorServer

    with MirrorServer(site_ids=["cantho_sokhcn", "baohaugiang"], per_site=5) as m:
        assert set(m.sites) == {"cantho_sokhcn", "baohaugiang"}
        assert {a.site_id for a in m.catalog()} == set(m.sites)
        assert len([a for a in m.catalog() if a.site_id == "cantho_sokhcn"]) == 5
        assert {f["site_id"] for f in m.fixed_faults()} == set(m.sites)
    with pytest.raises(KeyError):
        MirrorServer(site_ids=["nowhere"])
