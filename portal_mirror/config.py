"""The mirror's site table (sites.yaml): sites, seed placements, seed chrome patterns.

Validated on load so a typo in the table fails with a message naming the entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
SITES_FILE = PACKAGE_DIR / "sites.yaml"
SEED_DIR = PACKAGE_DIR / "content" / "seed_articles"
TEMPLATES_FILE = PACKAGE_DIR / "content" / "templates.yaml"
CERT_DIR = PACKAGE_DIR / "certs"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_SITE_KEYS = {"id", "layout", "province", "name", "live_base_url", "charset", "synthetic",
              "active_from", "active_until", "categories", "tls", "hacked"}
_SEED_KEYS = {"doc", "site", "category", "published", "title", "lead_paragraph",
              "author_last_line", "syndicated_from", "source"}
_UNSET = object()


class ConfigError(ValueError):
    """The site table is malformed."""


@dataclass(frozen=True)
class Category:
    slug: str
    title: str
    menu_id: int | None = None


@dataclass(frozen=True)
class SiteDef:
    index: int
    id: str
    layout: str
    province: str
    name: str
    live_base_url: str
    charset: str
    synthetic: int
    active_from: date
    active_until: date
    categories: tuple[Category, ...]
    tls: bool = False
    hacked: bool = False

    def category(self, slug: str) -> Category | None:
        return next((c for c in self.categories if c.slug == slug), None)


@dataclass(frozen=True)
class SeedDef:
    doc: str
    site: str
    category: str
    published: datetime
    title: str
    lead_paragraph: bool = False
    author_last_line: bool = False
    syndicated_from: str | None = None
    source: object = _UNSET          # _UNSET: take the source line found in the text


@dataclass(frozen=True)
class MirrorConfig:
    sites: tuple[SiteDef, ...]
    seeds: tuple[SeedDef, ...]
    chrome_lines: tuple[re.Pattern, ...]
    source_line: re.Pattern

    def site(self, site_id: str) -> SiteDef:
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(f"unknown mirror site {site_id!r}; known: {[s.id for s in self.sites]}")


def _as_date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: not a date: {value!r}") from exc


def _as_local_datetime(value, where: str) -> datetime:
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ConfigError(f"{where}: not a datetime: {value!r}") from exc
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def _check_keys(entry: dict, allowed: set, where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")


def parse_config(data: dict, known_layouts: set[str]) -> MirrorConfig:
    if not isinstance(data, dict) or "sites" not in data:
        raise ConfigError("site table must be a mapping with a 'sites' list")
    sites: list[SiteDef] = []
    for i, raw in enumerate(data["sites"]):
        where = f"sites[{i}] ({raw.get('id', '?')})"
        _check_keys(raw, _SITE_KEYS, where)
        for key in ("id", "layout", "province", "live_base_url", "categories"):
            if key not in raw:
                raise ConfigError(f"{where}: missing {key!r}")
        if raw["layout"] not in known_layouts:
            raise ConfigError(f"{where}: unknown layout {raw['layout']!r}; known: {sorted(known_layouts)}")
        if any(s.id == raw["id"] for s in sites):
            raise ConfigError(f"{where}: duplicate site id")
        cats = tuple(Category(c["slug"], c["title"], c.get("menu_id")) for c in raw["categories"])
        if not cats:
            raise ConfigError(f"{where}: needs at least one category")
        try:
            "".encode(raw.get("charset", "utf-8"))
        except LookupError as exc:
            raise ConfigError(f"{where}: unknown charset {raw.get('charset')!r}") from exc
        site = SiteDef(
            index=i, id=raw["id"], layout=raw["layout"], province=raw["province"],
            name=raw.get("name", raw["id"]), live_base_url=raw["live_base_url"],
            charset=raw.get("charset", "utf-8"), synthetic=int(raw.get("synthetic", 0)),
            active_from=_as_date(raw.get("active_from", "2018-01-01"), where),
            active_until=_as_date(raw.get("active_until", "2025-12-31"), where),
            categories=cats, tls=bool(raw.get("tls", False)), hacked=bool(raw.get("hacked", False)),
        )
        if site.active_until < site.active_from:
            raise ConfigError(f"{where}: active_until before active_from")
        sites.append(site)
    site_ids = {s.id: s for s in sites}
    seeds: list[SeedDef] = []
    for i, raw in enumerate(data.get("seeds", [])):
        where = f"seeds[{i}] ({raw.get('doc', '?')})"
        _check_keys(raw, _SEED_KEYS, where)
        if raw.get("site") not in site_ids:
            raise ConfigError(f"{where}: unknown site {raw.get('site')!r}")
        if site_ids[raw["site"]].category(raw.get("category")) is None:
            raise ConfigError(f"{where}: unknown category {raw.get('category')!r} of {raw['site']}")
        if raw.get("syndicated_from") and raw["syndicated_from"] not in site_ids:
            raise ConfigError(f"{where}: syndicated_from names unknown site {raw['syndicated_from']!r}")
        if not (SEED_DIR / raw["doc"]).is_file():
            raise ConfigError(f"{where}: no such seed file {SEED_DIR / raw['doc']}")
        seeds.append(SeedDef(
            doc=raw["doc"], site=raw["site"], category=raw["category"],
            published=_as_local_datetime(raw["published"], where), title=raw["title"],
            lead_paragraph=bool(raw.get("lead_paragraph", False)),
            author_last_line=bool(raw.get("author_last_line", False)),
            syndicated_from=raw.get("syndicated_from"),
            source=raw["source"] if "source" in raw else _UNSET,
        ))
    return MirrorConfig(
        sites=tuple(sites), seeds=tuple(seeds),
        chrome_lines=tuple(re.compile(p) for p in data.get("seed_chrome_lines", [])),
        source_line=re.compile(data.get("seed_source_lines", r"^(Nguồn|Theo): ?.+$")),
    )


@lru_cache(maxsize=1)
def load_templates() -> dict:
    with open(TEMPLATES_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def source_is_unset(value: object) -> bool:
    return value is _UNSET
