"""The one redirect policy, for every request (robots.txt included): http(s) only, no loops, at most
MAX_REDIRECTS hops, never off the portal's hosts when they are given, never to a private or
loopback address unless the fetcher allows those (the local mirror)."""
from __future__ import annotations

import ipaddress
import socket
from typing import Collection
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapers.fetch.errors import NetworkError, OffsiteRedirect, RedirectLoop, TooManyRedirects, UnsafeRedirect

MAX_REDIRECTS = 5
REDIRECT_CODES = {301, 302, 303, 307, 308}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _is_private_address(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return (addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved
            or addr.is_multicast or addr.is_unspecified)


def resolves_to_private(host: str) -> bool:
    """True when the host is, or resolves to, a loopback/private/link-local/reserved address."""
    host = host.strip("[]")
    try:
        return _is_private_address(host)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise NetworkError(f"cannot resolve host {host!r}: {exc}") from exc
    return any(_is_private_address(info[4][0]) for info in infos)


def _same_site(host: str, allowed: Collection[str]) -> bool:
    """Hosts match when equal ignoring a leading 'www.' (portals redirect between the two)."""
    def bare(h: str) -> str:
        h = h.lower()
        return h[4:] if h.startswith("www.") else h
    return bare(host) in {bare(a) for a in allowed}


def redirect_target(status: int, location: str | None, current: str) -> str | None:
    """Where a response sends the client, or None when it is not a redirect."""
    if status in REDIRECT_CODES and location:
        return strip_fragment(urljoin(current, location.strip()))
    return None


def method_after(status: int, method: str) -> str:
    """303, and 301/302 after a POST, continue with a GET (as browsers do)."""
    return "GET" if status == 303 or (status in (301, 302) and method == "POST") else method


def check_redirect(current: str, target: str, chain: list[str], allowed_hosts: Collection[str] | None,
                   allow_private: bool) -> None:
    """Raise a RedirectError when following `current` -> `target` would break the policy."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeRedirect(f"redirect from {current} to non-http(s) URL {target!r} refused", url=current)
    if target in chain:
        loop = " -> ".join(chain[chain.index(target):] + [target])
        raise RedirectLoop(f"redirect loop: {loop}", url=chain[0])
    if len(chain) > MAX_REDIRECTS:
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects starting at {chain[0]}: "
                               + " -> ".join(chain + [target]), url=chain[0])
    if allowed_hosts is not None and not _same_site(parts.netloc, allowed_hosts):
        raise OffsiteRedirect(f"redirect from {current} leaves the portal for {target}", url=current)
    if not allow_private and resolves_to_private(parts.hostname):
        raise UnsafeRedirect(f"redirect from {current} to private/loopback address {target} refused",
                             url=current)
