"""The size cap: a body is refused as soon as it passes the cap (or its declared length does), and
the whole download must finish within the host's total timeout."""
from __future__ import annotations

import time

import requests
import urllib3

from scrapers.fetch.errors import NetworkError, TooLarge
from scrapers.fetch.politeness import HostPolicy

ROBOTS_MAX_BYTES = 500 * 1024
ERROR_BODY_BYTES = 64 * 1024


def read_capped(resp: requests.Response, cap: int, policy: HostPolicy, url: str, *,
                truncate: bool = False, t0: float | None = None) -> bytes:
    """Read the body while streaming, refusing it as soon as it passes ``cap`` bytes (or, with
    ``truncate``, keeping the first ``cap`` bytes) and enforcing the total time limit."""
    declared = resp.headers.get("Content-Length")
    if not truncate and declared and declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"{url} declares {int(declared)} bytes, over the {cap}-byte cap; not read",
                       url=url, status_code=resp.status_code)
    start = t0 if t0 is not None else time.monotonic()
    buf = bytearray()
    try:
        # read1 returns what one socket read brought, so the deadline holds during a body that
        # drips in a few bytes at a time (64 KB reads waited for 64 KB before any check)
        while chunk := resp.raw.read1(65536, decode_content=True):
            buf += chunk
            if len(buf) > cap:
                if truncate:
                    return bytes(buf[:cap])
                raise TooLarge(f"{url} body passed the {cap}-byte cap while streaming; refused",
                               url=url, status_code=resp.status_code)
            if time.monotonic() - start > policy.total_timeout:
                raise NetworkError(f"{url} took longer than {policy.total_timeout:.0f}s to download",
                                   url=url)
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError,
            requests.exceptions.ContentDecodingError, requests.exceptions.Timeout,
            urllib3.exceptions.HTTPError, OSError) as exc:
        raise NetworkError(f"{type(exc).__name__} while reading {url}: {exc}", url=url) from exc
    return bytes(buf)
