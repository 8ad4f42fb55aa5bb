"""The sources registry: provincial portals as data (scrapers/sources.yaml), validated on load.

Adding a portal is a YAML change only. Every problem in the file is reported at once, each naming
the portal and the key, so a maintainer can fix the whole entry in one go.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import soupsieve
import yaml

from scrapers.fetch import DEFAULT_MAX_BYTES, HostPolicy

log = logging.getLogger(__name__)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = Path(__file__).resolve().parent / "sources.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
STRATEGIES = ("archive", "feed", "sitemap", "listing")


class RegistryError(ValueError):
    """The registry file cannot be used; the message lists every problem found."""


# ----------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Listing:
    """One listing (category) whose pages are walked newest first."""

    url: str
    category: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkRules:
    """How to find article links on a listing page. No ``items``: generic link extraction."""

    items: str | None = None
    link: str | None = None
    date: str | None = None
    date_attribute: str | None = None
    month_first: bool = False

    @property
    def generic(self) -> bool:
        return self.items is None


@dataclass(frozen=True)
class Pagination:
    """How page N of a listing is reached.

    kind: none | query (``param``=N, plus ``params``) | path (``template`` with {page}, {category},
    {listing} and the listing's vars) | post (``endpoint`` with a ``json`` or ``form`` body template).
    Page ``start`` is the listing URL itself unless ``template_first_page`` is set.
    """

    kind: str = "none"
    param: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    template: str | None = None
    template_first_page: bool = False
    endpoint: str | None = None
    json: Mapping[str, Any] | None = None
    form: Mapping[str, Any] | None = None
    response: str = "html"  # html | json_d (ASP.NET page method: {"d": "<fragment>"})
    start: int = 1
    max_pages: int = 1000
    seek: bool = True  # binary-search the first page of an old interval instead of walking to it

    @property
    def numbered(self) -> bool:
        return self.kind in ("query", "path", "post")


@dataclass(frozen=True)
class Archive:
    """A date archive: one URL per local day (or month) listing what was published then."""

    url_template: str
    granularity: str = "day"  # day | month
    max_days: int = 31  # longer intervals walk the listings instead
    pagination: Pagination = field(default_factory=Pagination)


@dataclass(frozen=True)
class Tls:
    """How a portal's certificate is checked. `ca_bundle` adds certificates (a live server's missing
    intermediate) to the public CAs, never replaces them; `mirror_ca_bundle` is the mirror's private
    CA, trusted only while the portal is served by the mirror."""

    ca_bundle: str | None = None  # absolute path once loaded: the public CAs plus the portal's extra ones
    verify: bool = True
    reason: str | None = None

    @property
    def requests_verify(self) -> bool | str:
        if not self.verify:
            return False
        return self.ca_bundle or True


def _with_public_cas(extra: Path) -> str:
    """A bundle of the public CAs (certifi) followed by `extra`, written once per content."""
    import certifi

    text = Path(certifi.where()).read_text() + "\n" + extra.read_text()
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"vnict-ca-{digest}.pem"
    if not out.exists():
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(out)
    return str(out)


@dataclass(frozen=True)
class Portal:
    id: str
    province: str
    name: str
    base_url: str
    live_base_url: str
    listings: tuple[Listing, ...] = ()
    links: LinkRules = field(default_factory=LinkRules)
    pagination: Pagination = field(default_factory=Pagination)
    archive: Archive | None = None
    feed: str | None = None
    sitemap: str | None = None
    discovery: tuple[str, ...] = ()
    parsing: Mapping[str, Any] = field(default_factory=dict)
    parse_config: Any = None  # scrapers.parsing.config.ParseConfig when that package is present
    politeness: HostPolicy = field(default_factory=HostPolicy)  # TLS is added by host_policy()
    tls: Tls = field(default_factory=Tls)
    active_from: date | None = None
    active_until: date | None = None
    enabled: bool = True
    mirror: bool = False
    layout: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    notes: str | None = None
    kind: str | None = None                # provincial_portal | department | provincial_newspaper
    evidence: tuple[str, ...] = ()         # real pages that show the source's host (where it was found)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    @property
    def hosts(self) -> tuple[str, ...]:
        """Hosts whose links belong to this portal (its own plus ``allowed_hosts``)."""
        return (self.host, *self.allowed_hosts)

    def url(self, ref: str) -> str:
        return urljoin(self.base_url + "/", ref)

    def host_policy(self) -> HostPolicy:
        return replace(self.politeness, verify=self.tls.requests_verify, verify_reason=self.tls.reason)

    def active_window(self) -> tuple[datetime | None, datetime | None]:
        """[from, until) in aware datetimes; active_until is an inclusive local date."""
        start = datetime.combine(self.active_from, time(), VN_TZ) if self.active_from else None
        end = datetime.combine(self.active_until + timedelta(days=1), time(), VN_TZ) if self.active_until else None
        return start, end

    def active_during(self, start: datetime, end: datetime) -> bool:
        a, b = self.active_window()
        return (a is None or end > a) and (b is None or start < b)


@dataclass(frozen=True)
class Registry:
    portals: tuple[Portal, ...]
    path: Path
    overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def mirror_mode(self) -> bool:
        return bool(self.overrides)

    def get(self, portal_id: str) -> Portal:
        for p in self.portals:
            if p.id == portal_id:
                return p
        raise KeyError(f"no portal {portal_id!r} in {self.path} (known: {', '.join(self.ids())})")

    __getitem__ = get

    def ids(self) -> list[str]:
        return [p.id for p in self.portals]

    def __iter__(self):
        return iter(self.portals)

    def __len__(self) -> int:
        return len(self.portals)

    def active_portals(self, start: datetime | None = None, end: datetime | None = None,
                       mode: str | None = None) -> list[Portal]:
        """Portals to crawl: enabled, served by the mirror in mirror mode, active in [start, end).
        ``mode`` "mirror"/"live" forces the mode; by default overrides given on load mean mirror."""
        mirror = self.mirror_mode if mode is None else mode == "mirror"
        out = []
        for p in self.portals:
            if not p.enabled:
                continue
            if mirror and p.id not in self.overrides:
                continue
            if start is not None and end is not None and not p.active_during(start, end):
                continue
            out.append(p)
        return out


# ----------------------------------------------------------------------------- validation
_TOP_KEYS = {"version", "defaults", "portals"}
_DEFAULT_KEYS = {"politeness", "tls"}
_PORTAL_KEYS = {
    "id", "province", "name", "base_url", "layout", "enabled", "mirror", "listings", "links",
    "pagination", "archive", "feed", "sitemap", "discovery", "parsing", "politeness", "tls",
    "active_from", "active_until", "allowed_hosts", "notes", "kind", "evidence",
}
SOURCE_KINDS = ("provincial_portal", "department", "provincial_newspaper")
_LISTING_KEYS = {"url", "category", "vars"}
_LINK_KEYS = {"items", "link", "date", "date_attribute", "date_order"}
_PAGINATION_KEYS = {"kind", "param", "params", "template", "template_first_page", "endpoint", "json", "form",
                    "response", "start", "max_pages", "seek"}
_ARCHIVE_KEYS = {"url_template", "granularity", "max_days", "pagination"}
# A portal is someone else's server: no setting may make the crawler hammer it or hang on it.
POLITENESS_BOUNDS = {"requests_per_second": (0.01, 5.0), "concurrency": (1, 4), "connect_timeout": (1, 60),
                     "read_timeout": (1, 120), "total_timeout": (5, 600), "max_bytes": (64 * 1024, 50 * 1024 * 1024)}
_POLITENESS_KEYS = {"requests_per_second", "concurrency", "connect_timeout", "read_timeout", "total_timeout",
                    "max_bytes"}
_TLS_KEYS = {"ca_bundle", "mirror_ca_bundle", "verify", "reason"}


class _Checker:
    """Collects problems with their location instead of stopping at the first one."""

    def __init__(self, source: str):
        self.source = source
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def keys(self, where: str, data: Any, allowed: set[str], required: Iterable[str] = ()) -> bool:
        if not isinstance(data, Mapping):
            self.error(where, f"expected a mapping, got {type(data).__name__}")
            return False
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            self.error(where, f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}")
        for key in required:
            if data.get(key) in (None, ""):
                self.error(where, f"missing required key {key!r}")
        return True

    def text(self, where: str, value: Any, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.error(where, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(where, f"expected a non-empty string, got {value!r}")
            return None
        return value.strip()

    def boolean(self, where: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(where, f"expected true or false, got {value!r}")
            return default
        return value

    def number(self, where: str, value: Any, default: float, *, integer: bool = False, positive: bool = True,
               bounds: tuple[float, float] | None = None):
        if value is None:
            return default
        ok_type = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type) or (positive and value <= 0):
            kind = "a positive integer" if integer else "a positive number"
            self.error(where, f"expected {kind}, got {value!r}")
            return default
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            self.error(where, f"{value!r} is outside the sane range {bounds[0]:g}..{bounds[1]:g}")
            return default
        return value

    def selector(self, where: str, value: Any) -> str | None:
        sel = self.text(where, value)
        if sel is None:
            return None
        try:
            soupsieve.compile(sel)
        except Exception as exc:  # soupsieve raises SelectorSyntaxError and friends
            self.error(where, f"invalid CSS selector {sel!r}: {str(exc).splitlines()[0]}")
            return None
        return sel

    def day(self, where: str, value: Any) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            self.error(where, f"expected a date (YYYY-MM-DD), got a datetime {value!r}")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(where, f"expected a date YYYY-MM-DD, got {value!r}")
        return None

    def http_url(self, where: str, value: Any, *, base_only: bool = False) -> str | None:
        url = self.text(where, value, required=True)
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
            self.error(where, f"expected an absolute http(s) URL, got {url!r}")
            return None
        if base_only and (parts.path not in ("", "/") or parts.query or parts.fragment):
            self.error(where, f"expected a base URL without path, query or fragment, got {url!r}")
            return None
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))

    def ref(self, where: str, value: Any, base_url: str | None, live_host: str | None) -> str | None:
        """A link in the registry: root-relative ('/x'), or absolute on the portal's live host
        (rebased onto ``base_url``, so mirror overrides apply to it too)."""
        ref = self.text(where, value, required=True)
        if ref is None or base_url is None:
            return None
        if ref.startswith("/") and not ref.startswith("//"):
            return base_url + ref
        parts = urlsplit(ref)
        if parts.scheme in ("http", "https") and parts.hostname:
            if parts.netloc.lower() != live_host:
                self.error(where, f"{ref!r} is not on the portal's host {live_host!r}; use a path starting with '/'")
                return None
            return base_url + urlunsplit(("", "", parts.path or "/", parts.query, ""))
        self.error(where, f"expected a path starting with '/' or an absolute http(s) URL, got {ref!r}")
        return None


def _pagination(c: _Checker, where: str, data: Any, base_url: str | None, live_host: str | None) -> Pagination:
    if data is None:
        return Pagination()
    if not c.keys(where, data, _PAGINATION_KEYS, ["kind"]):
        return Pagination()
    kind = data.get("kind")
    if kind not in ("none", "query", "path", "post"):
        c.error(f"{where}.kind", f"expected one of none, query, path, post; got {kind!r}")
        return Pagination()
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        c.error(f"{where}.params", f"expected a mapping of query parameters, got {params!r}")
        params = {}
    p = Pagination(
        kind=kind,
        param=c.text(f"{where}.param", data.get("param"), required=kind == "query"),
        params=MappingProxyType({str(k): str(v) for k, v in params.items()}),
        template=c.text(f"{where}.template", data.get("template"), required=kind == "path"),
        template_first_page=c.boolean(f"{where}.template_first_page", data.get("template_first_page"), False),
        endpoint=c.ref(f"{where}.endpoint", data.get("endpoint"), base_url, live_host) if kind == "post" else None,
        json=data.get("json"),
        form=data.get("form"),
        response=data.get("response") or "html",
        start=c.number(f"{where}.start", data.get("start"), 1, integer=True, positive=False),
        max_pages=c.number(f"{where}.max_pages", data.get("max_pages"), 1000, integer=True),
        seek=c.boolean(f"{where}.seek", data.get("seek"), True),
    )
    if p.response not in ("html", "json_d"):
        c.error(f"{where}.response", f"expected html or json_d, got {p.response!r}")
    if kind == "post":
        if (p.json is None) == (p.form is None):
            c.error(where, "a post pagination needs exactly one of 'json' or 'form' (the body template)")
        for key in ("json", "form"):
            if getattr(p, key) is not None and not isinstance(getattr(p, key), Mapping):
                c.error(f"{where}.{key}", "expected a mapping (the body template)")
    if kind == "path" and p.template and "{page}" not in p.template:
        c.error(f"{where}.template", f"must contain {{page}}, got {p.template!r}")
    return p


def _bundle_path(c: _Checker, where: str, value: Any) -> str | None:
    bundle = c.text(where, value)
    if not bundle:
        return None
    path = Path(bundle)
    path = path if path.is_absolute() else REPO_ROOT / path
    if not path.is_file():
        c.error(where, f"file not found: {path}")
        return None
    return str(path)


def _portal(c: _Checker, i: int, data: Any, defaults: Mapping[str, Any], overrides: Mapping[str, str]) -> Portal | None:
    pid = data.get("id") if isinstance(data, Mapping) else None
    where = f"portals[{i}]" + (f" ({pid})" if isinstance(pid, str) else "")
    if not c.keys(where, data, _PORTAL_KEYS, ["id", "province", "name", "base_url"]):
        return None
    if isinstance(pid, str) and not _ID.match(pid):
        c.error(f"{where}.id", f"expected snake_case letters, digits and '_', got {pid!r}")
    live = c.http_url(f"{where}.base_url", data.get("base_url"), base_only=True)
    base = live
    if isinstance(pid, str) and pid in overrides:
        base = c.http_url(f"base_url_overrides[{pid}]", overrides[pid], base_only=True)
    live_host = urlsplit(live).netloc if live else None

    listings = []
    raw_listings = data.get("listings") or []
    if not isinstance(raw_listings, list):
        c.error(f"{where}.listings", "expected a list")
        raw_listings = []
    for j, item in enumerate(raw_listings):
        lw = f"{where}.listings[{j}]"
        if isinstance(item, str):
            item = {"url": item}
        if not c.keys(lw, item, _LISTING_KEYS, ["url"]):
            continue
        url = c.ref(f"{lw}.url", item.get("url"), base, live_host)
        vars_ = item.get("vars") or {}
        if not isinstance(vars_, Mapping):
            c.error(f"{lw}.vars", "expected a mapping")
            vars_ = {}
        if url:
            listings.append(Listing(url=url, category=c.text(f"{lw}.category", item.get("category")),
                                    vars=MappingProxyType(dict(vars_))))

    links = LinkRules()
    if data.get("links") is not None and c.keys(f"{where}.links", data["links"], _LINK_KEYS):
        ld = data["links"]
        order = ld.get("date_order", "day_first")
        if order not in ("day_first", "month_first"):
            c.error(f"{where}.links.date_order", f"expected day_first or month_first, got {order!r}")
        links = LinkRules(
            items=c.selector(f"{where}.links.items", ld.get("items")),
            link=c.selector(f"{where}.links.link", ld.get("link")),
            date=c.selector(f"{where}.links.date", ld.get("date")),
            date_attribute=c.text(f"{where}.links.date_attribute", ld.get("date_attribute")),
            month_first=order == "month_first",
        )
        if ld.get("items") is None and (ld.get("link") or ld.get("date")):
            c.error(f"{where}.links", "'link'/'date' are looked up inside 'items': give 'items' too")

    pagination = _pagination(c, f"{where}.pagination", data.get("pagination"), base, live_host)

    archive = None
    if data.get("archive") is not None and c.keys(f"{where}.archive", data["archive"], _ARCHIVE_KEYS, ["url_template"]):
        ad = data["archive"]
        gran = ad.get("granularity", "day")
        if gran not in ("day", "month"):
            c.error(f"{where}.archive.granularity", f"expected day or month, got {gran!r}")
        tmpl = c.ref(f"{where}.archive.url_template", ad.get("url_template"), base, live_host)
        if tmpl:
            archive = Archive(
                url_template=tmpl, granularity=gran,
                max_days=c.number(f"{where}.archive.max_days", ad.get("max_days"), 31, integer=True),
                pagination=_pagination(c, f"{where}.archive.pagination", ad.get("pagination"), base, live_host))

    feed = c.ref(f"{where}.feed", data["feed"], base, live_host) if data.get("feed") else None
    sitemap = c.ref(f"{where}.sitemap", data["sitemap"], base, live_host) if data.get("sitemap") else None

    discovery = data.get("discovery")
    if discovery is None:
        discovery = [s for s in STRATEGIES if s == "listing" or (s == "archive" and archive) or (s == "feed" and feed)]
    elif isinstance(discovery, str):
        discovery = [discovery]
    if not isinstance(discovery, list) or not all(s in STRATEGIES for s in discovery):
        c.error(f"{where}.discovery", f"expected a list of {', '.join(STRATEGIES)}; got {discovery!r}")
        discovery = ["listing"]
    needs = {"archive": archive, "feed": feed, "sitemap": sitemap, "listing": listings}
    for s in discovery:
        if base and not needs[s]:
            c.error(f"{where}.discovery", f"strategy {s!r} needs the portal's {'listings' if s == 'listing' else s}")

    pol = {**(defaults.get("politeness") or {}), **(data.get("politeness") or {})}
    politeness = HostPolicy()
    if c.keys(f"{where}.politeness", pol, _POLITENESS_KEYS):
        politeness = HostPolicy(
            requests_per_second=c.number(f"{where}.politeness.requests_per_second", pol.get("requests_per_second"),
                                         1.0, bounds=POLITENESS_BOUNDS["requests_per_second"]),
            concurrency=c.number(f"{where}.politeness.concurrency", pol.get("concurrency"), 1, integer=True,
                                 bounds=POLITENESS_BOUNDS["concurrency"]),
            connect_timeout=c.number(f"{where}.politeness.connect_timeout", pol.get("connect_timeout"), 10.0,
                                     bounds=POLITENESS_BOUNDS["connect_timeout"]),
            read_timeout=c.number(f"{where}.politeness.read_timeout", pol.get("read_timeout"), 30.0,
                                  bounds=POLITENESS_BOUNDS["read_timeout"]),
            total_timeout=c.number(f"{where}.politeness.total_timeout", pol.get("total_timeout"), 120.0,
                                   bounds=POLITENESS_BOUNDS["total_timeout"]),
            max_bytes=c.number(f"{where}.politeness.max_bytes", pol.get("max_bytes"), DEFAULT_MAX_BYTES, integer=True,
                               bounds=POLITENESS_BOUNDS["max_bytes"]),
        )

    tls = Tls()
    td = data.get("tls")
    if td is not None and c.keys(f"{where}.tls", td, _TLS_KEYS):
        verify = c.boolean(f"{where}.tls.verify", td.get("verify"), True)
        reason = c.text(f"{where}.tls.reason", td.get("reason"))
        mirrored = isinstance(data.get("id"), str) and data["id"] in overrides
        live_extra = _bundle_path(c, f"{where}.tls.ca_bundle", td.get("ca_bundle"))
        mirror_ca = _bundle_path(c, f"{where}.tls.mirror_ca_bundle", td.get("mirror_ca_bundle"))
        if mirrored:
            bundle = mirror_ca  # the mirror's private CA, for the mirror's own host only
        else:
            bundle = _with_public_cas(Path(live_extra)) if live_extra else None
        if not verify and not reason:
            c.error(f"{where}.tls", "verify: false is an exception and needs a 'reason'")
        if not verify and bundle:
            c.error(f"{where}.tls", "give either ca_bundle or verify: false, not both")
        tls = Tls(ca_bundle=bundle, verify=verify, reason=reason)

    parsing = data.get("parsing") or {}
    parse_config = None
    if not isinstance(parsing, Mapping):
        c.error(f"{where}.parsing", "expected a mapping")
        parsing = {}
    else:
        parse_config = _parse_config(c, f"{where}.parsing", parsing)

    active_from = c.day(f"{where}.active_from", data.get("active_from"))
    active_until = c.day(f"{where}.active_until", data.get("active_until"))
    if active_from and active_until and active_from > active_until:
        c.error(where, f"active_from {active_from} is after active_until {active_until}")

    allowed = data.get("allowed_hosts") or []
    if not isinstance(allowed, list) or not all(isinstance(h, str) and h for h in allowed):
        c.error(f"{where}.allowed_hosts", "expected a list of host names")
        allowed = []

    kind = data.get("kind")
    if kind is not None and kind not in SOURCE_KINDS:
        c.error(f"{where}.kind", f"expected one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
    evidence = data.get("evidence") or []
    if not isinstance(evidence, list):
        c.error(f"{where}.evidence", "expected a list of page URLs")
        evidence = []
    evidence = [c.http_url(f"{where}.evidence[{j}]", url) for j, url in enumerate(evidence)]

    if not (isinstance(pid, str) and live and base):
        return None
    return Portal(
        id=pid, province=c.text(f"{where}.province", data.get("province"), required=True) or "",
        name=c.text(f"{where}.name", data.get("name"), required=True) or "", base_url=base, live_base_url=live,
        listings=tuple(listings), links=links, pagination=pagination, archive=archive, feed=feed, sitemap=sitemap,
        discovery=tuple(discovery), parsing=MappingProxyType(dict(parsing)), parse_config=parse_config,
        politeness=politeness, tls=tls, active_from=active_from, active_until=active_until,
        enabled=c.boolean(f"{where}.enabled", data.get("enabled"), True),
        mirror=c.boolean(f"{where}.mirror", data.get("mirror"), False),
        layout=c.text(f"{where}.layout", data.get("layout")),
        allowed_hosts=tuple(h.lower() for h in allowed), notes=c.text(f"{where}.notes", data.get("notes")),
        kind=kind, evidence=tuple(url for url in evidence if url),
    )


def _parse_config(c: _Checker, where: str, block: Mapping[str, Any]):
    """Validate the parsing block with the parser's own rules when the parsing package is present."""
    try:
        from scrapers.parsing.config import ParseConfig
    except ImportError:
        return None
    try:
        return ParseConfig.from_mapping(block, where=where)
    except ValueError as exc:
        msg = str(exc)
        c.errors.append(msg if msg.startswith(where) else f"{where}: {msg}")
        return None


def load_registry(path: str | Path | None = None, base_url_overrides: Mapping[str, str] | None = None) -> Registry:
    """Load and validate the registry. ``base_url_overrides`` ({portal_id: base_url}, e.g. the
    running mirror's sites) replaces live base URLs, so every URL built points at the mirror."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"registry file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from None
    return registry_from_mapping(raw, source=str(path), base_url_overrides=base_url_overrides)


def registry_from_mapping(raw: Any, *, source: str = "<registry>",
                          base_url_overrides: Mapping[str, str] | None = None) -> Registry:
    c = _Checker(source)
    overrides = dict(base_url_overrides or {})
    portals: list[Portal] = []
    if c.keys("registry", raw, _TOP_KEYS, ["portals"]):
        defaults = raw.get("defaults") or {}
        if not c.keys("defaults", defaults, _DEFAULT_KEYS):
            defaults = {}
        items = raw.get("portals") or []
        if not isinstance(items, list):
            c.error("portals", "expected a list")
            items = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            pid = item.get("id") if isinstance(item, Mapping) else None
            if isinstance(pid, str):
                if pid in seen:
                    c.error(f"portals[{i}] ({pid})", f"duplicate id (first used by portals[{seen[pid]}])")
                seen.setdefault(pid, i)
            portal = _portal(c, i, item, defaults, overrides)
            if portal is not None:
                portals.append(portal)
        unknown = sorted(set(overrides) - set(seen))
        if unknown:
            log.warning("base_url_overrides name portals not in the registry (ignored): %s", ", ".join(unknown))
    if c.errors:
        raise RegistryError(f"{source}: {len(c.errors)} problem(s):\n  - " + "\n  - ".join(c.errors))
    for p in portals:
        if not p.tls.verify:
            log.warning("portal %s: TLS verification disabled by registry exception: %s", p.id, p.tls.reason)
    return Registry(portals=tuple(portals), path=Path(source), overrides=MappingProxyType(overrides))


def with_politeness(portal: Portal, **changes: Any) -> Portal:
    """A copy of the portal with politeness fields changed (tests, benchmarks)."""
    return replace(portal, politeness=replace(portal.politeness, **changes))
