"""Property: whatever the listing length, publishing rhythm and interval, the seeking listing walk
finds exactly the articles published in [start, end)."""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.discovery import discover
from scrapers.fetch import Fetcher
from scrapers.registry import VN_TZ, registry_from_mapping

from .conftest import LocalServer, Reply

ORIGIN = datetime(2018, 1, 1, tzinfo=VN_TZ)


class Site:
    """A listing server whose articles the test swaps between examples."""

    def __init__(self):
        self.articles: list[tuple[int, datetime]] = []
        self.per_page = 10
        self.server = LocalServer({"/list.html": self.listing}).start()

    def listing(self, h):
        page = int(parse_qs(urlsplit(h.path).query).get("page", ["1"])[0])
        chunk = self.articles[(page - 1) * self.per_page: page * self.per_page]
        items = "".join(f'<li class="it"><a href="/a/{aid}.html">Bài {aid}</a><span>{w:%d/%m/%Y %H:%M}</span></li>'
                        for aid, w in chunk)
        return Reply(body=f"<ul>{items}</ul>".encode())


@pytest.fixture(scope="module")
def listing_site():
    s = Site()
    yield s
    s.server.stop()


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.integers(min_value=0, max_value=60 * 24 * 40), min_size=0, max_size=150),
       per_page=st.sampled_from([5, 10, 20]),
       start_min=st.integers(min_value=0, max_value=60 * 24 * 365 * 7),
       span_min=st.integers(min_value=1, max_value=60 * 24 * 400))
def test_seeking_walk_finds_exactly_the_interval(listing_site, gaps, per_page, start_min, span_min):
    s = listing_site
    times, t = [], ORIGIN
    for g in gaps:  # oldest first, then listed newest first
        t = t + timedelta(minutes=g)
        times.append(t)
    s.articles = [(i, w) for i, w in reversed(list(enumerate(times)))]
    s.per_page = per_page
    start = ORIGIN + timedelta(minutes=start_min)
    end = start + timedelta(minutes=span_min)
    portal = registry_from_mapping({"portals": [{
        "id": "prop", "province": "X", "name": "X", "base_url": "https://prop.gov.vn",
        "listings": ["/list.html"], "links": {"items": "li.it", "link": "a", "date": "span"},
        "pagination": {"kind": "query", "param": "page", "max_pages": 100}}]},
        base_url_overrides={"prop": s.server.url}).get("prop")
    with Fetcher(allow_private=True, policy_override={"requests_per_second": 5000.0}) as f:
        found = discover(portal, start, end, f)
    want = {f"/a/{i}.html" for i, w in s.articles if start <= w.replace(second=0) < end}
    assert {urlsplit(a.url).path for a in found} == want
