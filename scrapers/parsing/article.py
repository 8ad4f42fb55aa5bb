"""One article page in, one ParsedArticle out: title, date, clean body, province, source, flags."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from scrapers.parsing import dom
from scrapers.parsing.boilerplate import clean_paragraphs, is_chrome, match_source_line, rules
from scrapers.parsing.config import ParseConfig
from scrapers.parsing.dates import DATE_HINT, VN_TZ, find_date, looks_like_date_line
from scrapers.parsing.fingerprint import simhash
from scrapers.parsing.provinces import most_mentioned, province_in_outlet
from scrapers.parsing.spam import gambling_terms, scan_paragraph
from scrapers.parsing.text import clean_inline, nfc, repair_lost_entities

log = logging.getLogger(__name__)

PARSER_VERSION = "1.0.0"

_DATE_CLASS = re.compile(r"date|time|ngay|publish|created|posted", re.IGNORECASE)
_TITLE_CLASS = re.compile(r"title|tieude|tieu-de|headline", re.IGNORECASE)
_TITLE_SPLIT = re.compile(r"\s+[|\-–—:»]\s+")
_SOURCE_ATTR = re.compile(r"source|nguon|author|tacgia|tac-gia|signature", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)
_JS_LOCATION = re.compile(r"(?:window|document|top)\.location(?:\.href)?\s*=\s*['\"]([^'\"]+)['\"]|location\.replace\(\s*['\"]([^'\"]+)")


@dataclass
class ParsedArticle:
    url: str
    canonical_url: str
    title: str | None
    published_at: datetime | None
    published_raw: str | None
    body_text: str
    lead: str | None
    source_line: str | None
    source_outlet: str | None
    province: str | None
    province_source: str | None          # registry | text | outlet
    quality_flags: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: str = "0000000000000000"  # 64-bit simhash of the body, 16 hex digits
    body_sha256: str = ""
    parser_version: str = PARSER_VERSION

    @property
    def published_date(self) -> date | None:
        return self.published_at.astimezone(VN_TZ).date() if self.published_at else None

    def flag_names(self) -> list[str]:
        return [f["flag"] for f in self.quality_flags]

    def has_flag(self, name: str) -> bool:
        return any(f["flag"] == name for f in self.quality_flags)

    def to_contract(self) -> dict[str, Any]:
        """The `vnict parse` JSON object: a contract like `vnict extract`'s, kept stable."""
        paragraphs = self.body_text.split("\n\n")
        if self.lead:
            at = next((i for i, p in enumerate(paragraphs[:3]) if p.startswith(self.lead)), None)
            if at is not None:
                paragraphs[at] = paragraphs[at][len(self.lead):].strip()
        body = "\n\n".join(p for p in paragraphs if p)
        return {
            "url": self.canonical_url or self.url,
            "title": self.title,
            "published": self.published_at.isoformat() if self.published_at else None,
            "lead": self.lead,
            "body": body,
            "source_outlet": self.source_outlet,
            "flags": self.quality_flags,
        }

    def to_record(self) -> dict[str, Any]:
        """Column values for staging.articles (JSON-ready except the datetime)."""
        record = asdict(self)
        record["published_date"] = self.published_date
        record["province_name"] = record.pop("province")
        return record


def _flag(flags: list, name: str, details: Any) -> None:
    flags.append({"flag": name, "details": details})


def _first(xpath, doc):
    if xpath is None:
        return None
    found = xpath(doc)
    return found[0] if found else None


def _attrs(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _canonical(doc, meta: dict[str, str], url: str) -> str:
    for link in doc.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            candidate = urljoin(url, link.get("href").strip())
            break
    else:
        candidate = urljoin(url, meta["og:url"]) if meta.get("og:url") else url
    return candidate if urlsplit(candidate).scheme in ("http", "https") else url


def _doorway_target(doc, url: str) -> str | None:
    host = urlsplit(url).hostname
    targets = []
    for el in doc.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "refresh":
            m = _REFRESH_URL.search(el.get("content") or "")
            if m:
                targets.append(m.group(1).strip())
    for el in doc.iter("script"):
        if not el.text or "location" not in el.text:
            continue
        m = _JS_LOCATION.search(el.text)
        if m:
            targets.append(m.group(1) or m.group(2))
    for target in targets:
        absolute = urljoin(url, target)
        if urlsplit(absolute).hostname not in (None, host):
            return absolute
    return None


_COUNTER_SNIPPET = 3000


def _page_counters(html: str, lowered: str) -> list[str]:
    """Visitor-counter lines anywhere on the page (sidebar boxes included).

    Found from the page source (a class/id or heading naming a counter), reading only the markup that
    follows each mention: scanning the whole tree for them costs more than the rest of the parse."""
    r = rules()
    source = html if len(html) == len(lowered) else lowered
    starts = []
    for marker in r.counter_markers:
        pos = lowered.find(marker)
        while pos != -1 and len(starts) < 20:
            tag_start = lowered.rfind("<", 0, pos)
            if tag_start != -1 and not any(s <= tag_start < s + _COUNTER_SNIPPET for s in starts):
                starts.append(tag_start)
            pos = lowered.find(marker, pos + len(marker))
    lines: list[str] = []
    for start in starts:
        try:
            fragment = lxml.html.fragment_fromstring(source[start:start + _COUNTER_SNIPPET], create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        cells = dom.paragraphs(fragment)
        for i, line in enumerate(cells):
            if i + 1 < len(cells) and re.fullmatch(r"[\d.,]+", cells[i + 1]) and not line[-1:].isdigit():
                line = f"{line} {cells[i + 1]}"  # label and number in separate table cells
            if (r.counter_heading.match(line) or r.counter_line.match(line)) and line not in lines:
                lines.append(line)
    return lines


@dataclass
class _Page:
    """A loaded page and what is read from it before the body: the steps' shared state."""
    doc: Any
    url: str
    meta: dict[str, str]
    config: ParseConfig
    flags: list[dict[str, Any]]
    order: dict = field(default_factory=dict)

    def position(self, el) -> int:
        if not self.order:
            self.order.update((e, i) for i, e in enumerate(self.doc.iter(etree.Element)))
        return self.order.get(el, -1)


# --- title --------------------------------------------------------------------------------------

def _clean_title(text: str | None) -> str | None:
    if not text:
        return None
    text = repair_lost_entities(clean_inline(text))
    return text or None


def _page_title(doc) -> str | None:
    el = doc.find(".//title")
    if el is None or not el.text_content().strip():
        return None
    pieces = _TITLE_SPLIT.split(clean_inline(el.text_content()))
    return max(pieces, key=len)


def _heading_candidates(doc, first_para) -> list:
    """Headings and title-classed elements before the first body paragraph, in page order."""
    lead_words = rules().lead_words
    found = []
    for el in doc.iter(etree.Element):
        if el is first_para:
            break
        tag = el.tag
        if tag not in ("h1", "h2", "h3", "h4") and not (
                tag in ("div", "span", "p", "a", "strong", "td")
                and _TITLE_CLASS.search(_attrs(el))):
            continue
        if lead_words.match_attrs(el.get("class"), el.get("id")):
            continue
        text = dom.text_of(el)
        if 10 <= len(text) <= 300 and not is_chrome(text) and not looks_like_date_line(text):
            found.append((el, text))
    return found


def _same_title(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return a == b or (min(len(a), len(b)) >= 10 and (a.startswith(b) or b.startswith(a)))


def _strip_site_name(title: str, meta: dict[str, str]) -> str:
    site = meta.get("og:site_name", "").strip()
    pieces = _TITLE_SPLIT.split(title)
    if len(pieces) > 1 and site and pieces[-1].casefold() == site.casefold():
        return title[:title.casefold().rfind(site.casefold())].rstrip(" |-–—:»")
    return title


def _find_title(page: _Page, container) -> tuple[str | None, Any]:
    """(title, its element). The visible headline before the body, the one og:title names when
    several stand there; else og:title without the site's name; else <title>."""
    doc, meta = page.doc, page.meta
    el = _first(page.config.xpath("title"), doc)
    if el is not None:
        return _clean_title(dom.text_of(el)), el
    first_para = dom.first_paragraph(container) if container is not None else None
    candidates = _heading_candidates(doc, first_para)
    og = next((meta[k] for k in ("og:title", "twitter:title") if len(meta.get(k, "")) >= 10), None)
    if og:
        for el, text in reversed(candidates):
            if _same_title(text, og) or _same_title(text, _strip_site_name(og, meta)):
                return _clean_title(text), el
    if candidates:
        el, text = candidates[-1]
        return _clean_title(text), el
    if og:
        return _clean_title(_strip_site_name(og, meta)), None
    page_title = _page_title(doc)
    for el in doc.iter("h1", "h2"):
        text = dom.text_of(el)
        if page_title and len(text) >= 10 and text.casefold() in page_title.casefold():
            return _clean_title(text), el
    return _clean_title(page_title), None


# --- publication date ---------------------------------------------------------------------------

_STRONG_DATE_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
                     "publish_date", "dc.date.issued", "dcterms.created", "dcterms.issued")
_WEAK_DATE_META = ("dc.date", "date", "article:modified_time")
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')
_NEAR_TITLE_ELEMENTS = 60


def _date_from_element(el, config: ParseConfig):
    raw = el.get(config.date_attribute) if config.date_attribute else dom.visible_text(el)
    raw = clean_inline(raw or "")
    found = find_date(raw, month_first=config.month_first)
    return (found.value, raw[:200], raw) if found else (None, None, raw)


def _json_ld_date(doc, config: ParseConfig):
    for script in doc.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        for raw in _JSON_LD_DATE.findall(script.text):
            found = find_date(raw, month_first=config.month_first)
            if found:
                return found.value, raw
    return None


def _on_page_furniture(el) -> bool:
    """Inside the page's header bar, a clock or a "today" widget: dates there are not the article's."""
    words = rules().page_date_words
    for node in [el, *el.iterancestors()]:
        if node.tag in ("nav",) or words.match_attrs(node.get("class"), node.get("id")):
            return True
    return False


def _date_line_after_title(page: _Page, title_el, container):
    """The short date line printed with the headline ("Thứ hai, 12/02/2024 08:15", "Cập nhật: ..."):
    between the headline and the body's first paragraph, else just above the headline."""
    config = page.config
    first_para = dom.first_paragraph(container) if container is not None else None
    end = page.position(first_para) if first_para is not None else None
    for el in title_el.xpath(f"following::*[position() <= {_NEAR_TITLE_ELEMENTS}]"):
        if end is not None and page.position(el) > end:
            break
        if el.tag in ("script", "style", "noscript") or (el.text is None and len(el) == 0):
            continue
        text = dom.visible_text(el)
        if not text or len(text) > 120:
            continue
        found = find_date(text, month_first=config.month_first)
        if found is None:
            continue
        if (looks_like_date_line(text, month_first=config.month_first) or _DATE_CLASS.search(_attrs(el))) \
                and not _on_page_furniture(el) and not any(dom.is_noise(a) for a in (el, *el.iterancestors())):
            return found.value, text
    for el in title_el.xpath(f"preceding::*[position() <= {_NEAR_TITLE_ELEMENTS // 6}]")[::-1]:
        if el.tag in ("script", "style", "noscript") or el.text is None or len(el):
            continue
        text = dom.visible_text(el)
        if text and len(text) <= 120 and looks_like_date_line(text, month_first=config.month_first) \
                and not _on_page_furniture(el) and not any(dom.is_noise(a) for a in (el, *el.iterancestors())):
            return find_date(text, month_first=config.month_first).value, text
    return None


def _find_published(page: _Page, title_el, container, main_guess=None) -> tuple[datetime | None, str | None]:
    """(datetime, raw string), from the article's own metadata before any page furniture:
    the configured selector, meta tags, JSON-LD, the date line under the headline, <time>, then
    date-classed elements nearest the headline. A date-looking string that does not parse is
    returned with None."""
    doc, meta, config = page.doc, page.meta, page.config
    unparsed = None
    el = _first(config.xpath("date"), doc)
    if el is not None:
        value, raw, text = _date_from_element(el, config)
        if value:
            return value, raw
        unparsed = text[:200] or None

    def from_meta(keys):
        nonlocal unparsed
        for key in keys:
            if key in meta:
                found = find_date(meta[key], month_first=config.month_first)
                if found:
                    return found.value, meta[key]
                unparsed = unparsed or meta[key][:200]
        return None

    found = from_meta(_STRONG_DATE_META) or _json_ld_date(doc, config)
    if found:
        return found
    if title_el is not None:
        found = _date_line_after_title(page, title_el, container if container is not None else main_guess)
        if found:
            return found
    found = from_meta(_WEAK_DATE_META)
    if found:
        return found
    for el in doc.iter("time"):
        value = el.get("datetime") or dom.visible_text(el)
        hit = find_date(value, month_first=config.month_first)
        if hit and not _on_page_furniture(el):
            return hit.value, value
    anchor = page.position(title_el if title_el is not None else container) if (
        title_el is not None or container is not None) else 0
    best = None
    for el in doc.iter("span", "div", "p", "li", "em", "i", "small", "td", "font"):
        attrs = _attrs(el)
        if not attrs.strip() or not _DATE_CLASS.search(attrs):
            continue
        if container is not None and el is not container and container in el.iterancestors():
            continue
        text = dom.visible_text(el)
        if len(text) > 200:
            continue
        hit = find_date(text, month_first=config.month_first)
        if hit is None:
            if DATE_HINT.search(text):
                unparsed = unparsed or text
            continue
        if _on_page_furniture(el):
            continue
        distance = abs(page.position(el) - anchor)
        if best is None or distance < best[0]:
            best = (distance, hit.value, text)
    if best:
        return best[1], best[2]
    if container is not None:
        scope = container.getparent() if container.getparent() is not None else container
        for para in dom.paragraphs(scope)[:40]:
            if looks_like_date_line(para, month_first=config.month_first):
                return find_date(para, month_first=config.month_first).value, para
    return None, unparsed


# --- body ---------------------------------------------------------------------------------------

def _configured_bodies(page: _Page) -> list:
    xpath = page.config.xpath("body")
    if xpath is None:
        return []
    found = xpath(page.doc)
    if not found:
        log.warning("body selector %r matched nothing; falling back to generic extraction", page.config.body)
        _flag(page.flags, "selector_miss", {"selector": page.config.body})
        return []
    chosen = set(found)
    return [el for el in found if not any(a in chosen for a in el.iterancestors())]


def _prose_chars(el) -> int:
    return sum(len(p) for p in dom.paragraphs(el) if len(p) >= 80) if el is not None else 0


def _find_lead(page: _Page, bodies: list, title_el):
    """The lead ("sapo") element: lead-classed, between the headline and the first body paragraph."""
    if not bodies:
        return None
    lead_words, lead_attributes = rules().lead_words, rules().lead_attributes
    first_para = dom.first_paragraph(bodies[0])
    start = page.position(title_el) if title_el is not None else -1
    end = page.position(first_para) if first_para is not None else page.position(bodies[0]) + 50
    for el in page.doc.iter(etree.Element):
        pos = page.position(el)
        if pos > end:
            break
        if pos <= start or not lead_words.match_attrs(el.get("class"), el.get("id"),
                                                      *(el.get(a) for a in lead_attributes)):
            continue
        if any(el in b.iterancestors() for b in bodies):
            continue  # a wrapper of the body, not its lead
        text = dom.visible_text(el)
        if 40 <= len(text) <= 1500 and dom.link_share(el) < 0.3:
            return el
    return None


def _lead_by_form(container, meta: dict[str, str]) -> str | None:
    """A lead known by its form rather than its class: the first paragraph set as a heading or wholly
    in bold, or the one the page's description repeats."""
    first = dom.first_paragraph(container)
    if first is not None:
        text = dom.visible_text(first)
        bold = sum(len(dom.text_of(b)) for b in first.iter("strong", "b"))
        if 60 <= len(text) <= 1500 and (first.tag in ("h2", "h3", "h4") or bold >= 0.9 * len(text)):
            return text
    description = clean_inline(meta.get("description") or meta.get("og:description") or "")
    if len(description) >= 60:
        key = description[:60].casefold()
        for para in dom.paragraphs(container)[:6]:
            if para.casefold().startswith(key) or (len(para) >= 60 and description.casefold().startswith(
                    para[:60].casefold())):
                return para
    return None


def _generic_containers(page: _Page, first_guess) -> list:
    """The main text's container: scored once on the whole page to know which elements hold the
    article (they survive chrome removal whatever their class), then again without the chrome."""
    doc = page.doc
    root = doc.body if doc.find("body") is not None else doc
    protect = int(0.5 * len(first_guess.text_content())) if first_guess is not None else None
    dom.remove_noise(root, keep=[first_guess] if first_guess is not None else (), protect_chars=protect)
    container = dom.main_container(doc)
    if container is None:
        body = doc.find("body")
        return [body] if body is not None else []  # too little text to score: take what there is
    return dom.with_prose_siblings(container)


def _source_outside(doc, bodies: list) -> tuple[str, str] | None:
    """A "Nguồn:"/"Theo:" line the layout prints outside the body container."""
    if not bodies:
        return None
    candidates = list(bodies[-1].itersiblings())[:3]
    region = bodies[-1].getparent()
    if region is not None and region.getparent() is not None and region.tag not in ("body", "html"):
        region = region.getparent()
    if region is not None:
        candidates.extend(el for el in region.iter("div", "p", "span", "em", "strong", "i")
                          if _SOURCE_ATTR.search(_attrs(el)))
    for el in candidates:
        text = repair_lost_entities(dom.text_of(el))
        if 0 < len(text) <= 160:
            found = match_source_line(text)
            if found:
                return found
    return None


@dataclass
class _Body:
    paragraphs: list[str]
    source_line: str | None
    source_outlet: str | None
    counters: list[str]
    spam: dict[str, Any]


def _read_body(doc, bodies: list, title: str | None, config: ParseConfig, hidden: list, doorway: str | None) -> _Body:
    """Paragraphs of the body containers without chrome, spam runs, or the source line."""
    spam_links = []
    for body_el in bodies:
        dom.drop_link_lists(body_el)
    for body_el in bodies:
        for a in list(body_el.iter("a")):
            terms = gambling_terms(dom.text_of(a) + " " + (a.get("href") or ""))
            if terms:
                spam_links.append({"text": dom.text_of(a), "href": a.get("href"), "terms": terms})
                dom.drop(a)
    raw_paragraphs = [repair_lost_entities(p) for body_el in bodies for p in dom.paragraphs(body_el)]
    cleaned = clean_paragraphs(raw_paragraphs, title=title, month_first=config.month_first)
    runs, run_terms, kept = [], [], []
    for para in cleaned.paragraphs:
        scan = scan_paragraph(para)
        runs.extend(scan.runs)
        run_terms.extend(scan.terms)
        if scan.text:
            kept.append(scan.text)
    spam: dict[str, Any] = {}
    if runs:
        spam["injected_runs"] = runs
        spam["terms"] = list(dict.fromkeys(run_terms))
    hidden_spam = [{"text": b.text[:300], "links": b.links} for b in hidden
                   if gambling_terms(b.text + " " + " ".join(link["href"] or "" for link in b.links))]
    if hidden_spam:
        spam["hidden_blocks"] = hidden_spam
    if spam_links:
        spam["links"] = spam_links
    if doorway:
        spam["doorway_redirect"] = doorway
    source_line, source_outlet = cleaned.source_line, cleaned.source_outlet
    if source_line is None:
        source_line, source_outlet = _source_outside(doc, bodies) or (None, None)
    return _Body(kept, source_line, source_outlet, cleaned.counters, spam)


def _quality_flags(page: _Page, body: _Body, body_text: str, published_at, published_raw,
                   page_counters: list[str], page_main_chars: int) -> None:
    flags, config = page.flags, page.config
    if body.spam:
        _flag(flags, "spam_injection", body.spam)
    if body.counters or page_counters:
        _flag(flags, "boilerplate_visitor_counter",
              {"in_body": bool(body.counters), "lines": list(dict.fromkeys(body.counters + page_counters))})
    if body.source_line:
        _flag(flags, "republished", {"source_line": body.source_line, "outlet": body.source_outlet})
    if not body_text:
        _flag(flags, "empty_body", {"chars": 0})
    elif len(body_text) < config.min_body_chars:
        _flag(flags, "short_body", {"chars": len(body_text), "min_chars": config.min_body_chars})
    if body_text and page_main_chars >= 500 and len(body_text) < _KEPT_SHARE * page_main_chars:
        _flag(flags, "body_shorter_than_page", {"body_chars": len(body_text), "page_main_chars": page_main_chars})
    if published_at is None:
        _flag(flags, "unparseable_date", {"raw": published_raw,
                                          "reason": "no date found" if published_raw is None else "not a valid date"})


_KEPT_SHARE = 0.5  # a body under half the page's main text means the parser lost part of the article


def parse_article(html: str, url: str, config: ParseConfig | None = None, province: str | None = None) -> ParsedArticle:
    """Parse one article page in three steps: the page's metadata (title, date), the body (lead,
    paragraphs without chrome, source line, spam), and the quality flags that say what went wrong.
    ``province`` is the portal's province from the registry."""
    config = config or ParseConfig()
    html = nfc(html)
    doc = dom.load(html)
    page = _Page(doc=doc, url=url, meta=dom.meta_content(doc), config=config, flags=[])
    canonical = _canonical(doc, page.meta, url)
    doorway = _doorway_target(doc, url)
    page_counters = _page_counters(html, html.lower())

    first_guess = dom.main_container(doc)
    page_main_chars = _prose_chars(first_guess)
    hidden = dom.remove_hidden(doc, protect_chars=max(page_main_chars // 2, 200))
    for xpath in config.xpath("remove"):
        for el in xpath(doc):
            dom.drop(el)

    if first_guess is not None and doc not in first_guess.iterancestors():
        first_guess = dom.main_container(doc)  # it was inside a hidden block
    bodies = _configured_bodies(page)
    main_guess = bodies[0] if bodies else first_guess
    title, title_el = _find_title(page, main_guess)
    published_at, published_raw = _find_published(page, title_el, bodies[0] if bodies else None, main_guess)
    if bodies:
        for body_el in bodies:
            dom.remove_noise(body_el)
    else:
        bodies = _generic_containers(page, first_guess)
    page.order.clear()

    lead_el = _find_lead(page, bodies, title_el)
    if lead_el is not None and not any(b is lead_el or b in lead_el.iterancestors() for b in bodies):
        bodies = [lead_el] + bodies  # a lead outside the body's containers
    lead = dom.visible_text(lead_el) if lead_el is not None else (
        _lead_by_form(bodies[0], page.meta) if bodies else None)
    body = _read_body(doc, bodies, title, config, hidden, doorway)
    body_text = "\n\n".join(body.paragraphs)
    lead = repair_lost_entities(clean_inline(lead)) if lead else None
    if lead and not any(p.startswith(lead[:60]) for p in body.paragraphs[:3]):
        lead = None  # cleaned away as chrome, or far from the start: not a lead

    _quality_flags(page, body, body_text, published_at, published_raw, page_counters, page_main_chars)
    province_name, province_source = _province(province, body.source_outlet, title, body_text)
    return ParsedArticle(
        url=url,
        canonical_url=canonical,
        title=title,
        published_at=published_at,
        published_raw=published_raw,
        body_text=body_text,
        lead=lead,
        source_line=body.source_line,
        source_outlet=body.source_outlet,
        province=province_name,
        province_source=province_source,
        quality_flags=page.flags,
        fingerprint=f"{simhash(body_text):016x}",
        body_sha256=hashlib.sha256(body_text.encode("utf-8")).hexdigest(),
    )


def _province(registry: str | None, outlet: str | None, title: str | None, body: str) -> tuple[str | None, str | None]:
    """Registry province, unless the story comes from elsewhere: a provincial outlet names its
    province; for a national outlet (or no registry province) the most-mentioned province wins."""
    if outlet:
        named = province_in_outlet(outlet)
        if named:
            return named, "outlet"
    if outlet or registry is None:
        mentioned = most_mentioned(f"{title or ''}\n{body}")
        if mentioned:
            return mentioned, "text"
    return registry, "registry" if registry else None


def parse_page(body: bytes, url: str, config: ParseConfig | None = None, province: str | None = None,
               headers: dict[str, str] | None = None, encoding: str | None = None) -> ParsedArticle:
    """Parse a stored response body (raw.pages). The registry's encoding hint wins over the
    encoding recorded at fetch time, which wins over header/meta/detection."""
    from scrapers.charset import decode_body

    config = config or ParseConfig()
    return parse_article(decode_body(body, headers, config.encoding or encoding), url, config, province)
