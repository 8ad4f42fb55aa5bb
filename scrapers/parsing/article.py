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

_DATE_META = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
              "publish_date", "dc.date.issued", "dc.date", "dcterms.created", "date", "article:modified_time")
_DATE_CLASS = re.compile(r"date|time|ngay|publish|created|posted", re.IGNORECASE)
_TITLE_CLASS = re.compile(r"title|tieude|tieu-de|headline", re.IGNORECASE)
_TITLE_SPLIT = re.compile(r"\s+[|\-–—:»]\s+")
_LEAD_ATTR = re.compile(r"sapo|lead|summary|tomtat|tom-tat|intro|chapeau", re.IGNORECASE)
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


def _canonical(doc, meta: dict[str, str], url: str) -> str:
    for link in doc.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            candidate = urljoin(url, link.get("href").strip())
            break
    else:
        candidate = urljoin(url, meta["og:url"]) if meta.get("og:url") else url
    return candidate if urlsplit(candidate).scheme in ("http", "https") else url


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


def _generic_title(doc, meta: dict[str, str], container) -> str | None:
    """og:title; else the heading closest before the first body paragraph; else <title>."""
    for key in ("og:title", "twitter:title"):
        if len(meta.get(key, "")) >= 10:
            return meta[key]
    first_para = dom.first_paragraph(container) if container is not None else None
    best = None
    for el in doc.iter(etree.Element):
        if el is first_para:
            break
        tag = el.tag
        if tag not in ("h1", "h2", "h3", "h4") and not (
                tag in ("div", "span", "p", "a", "strong", "td")
                and _TITLE_CLASS.search((el.get("class") or "") + " " + (el.get("id") or ""))):
            continue
        text = dom.text_of(el)
        if 10 <= len(text) <= 300 and not is_chrome(text):
            best = text
    if best:
        return best
    page_title = _page_title(doc)
    for el in doc.iter("h1", "h2"):
        text = dom.text_of(el)
        if page_title and len(text) >= 10 and text.casefold() in page_title.casefold():
            return text
    return page_title


def _date_from_element(el, config: ParseConfig):
    raw = el.get(config.date_attribute) if config.date_attribute else dom.text_of(el)
    raw = clean_inline(raw or "")
    found = find_date(raw, month_first=config.month_first)
    return (found.value, raw[:200], raw) if found else (None, None, raw)


def _find_published(doc, meta: dict[str, str], config: ParseConfig, container) -> tuple[datetime | None, str | None]:
    """(datetime, raw string). A date-looking string that does not parse is returned with None."""
    unparsed = None
    el = _first(config.xpath("date"), doc)
    if el is not None:
        value, raw, text = _date_from_element(el, config)
        if value:
            return value, raw
        unparsed = text[:200] or None
    for key in _DATE_META:
        if key in meta:
            found = find_date(meta[key], month_first=config.month_first)
            if found:
                return found.value, meta[key]
            unparsed = unparsed or meta[key][:200]
    for el in doc.iter("time"):
        value = el.get("datetime") or dom.text_of(el)
        found = find_date(value, month_first=config.month_first)
        if found:
            return found.value, value
    for el in doc.iter("span", "div", "p", "li", "em", "i", "small", "td", "font"):
        attrs = (el.get("class") or "") + " " + (el.get("id") or "")
        if not attrs.strip() or not _DATE_CLASS.search(attrs):
            continue
        if container is not None and el is not container and container in el.iterancestors():
            continue
        text = dom.text_of(el)
        if len(text) > 200:
            continue
        found = find_date(text, month_first=config.month_first)
        if found:
            return found.value, text
        if DATE_HINT.search(text):
            unparsed = unparsed or text
    if container is not None:
        scope = container.getparent() if container.getparent() is not None else container
        for para in dom.paragraphs(scope)[:40]:
            if looks_like_date_line(para, month_first=config.month_first):
                return find_date(para, month_first=config.month_first).value, para
    return None, unparsed


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


def _body_elements(doc, config: ParseConfig, flags: list) -> list:
    xpath = config.xpath("body")
    if xpath is None:
        return []
    found = xpath(doc)
    if not found:
        log.warning("body selector %r matched nothing; falling back to generic extraction", config.body)
        _flag(flags, "selector_miss", {"selector": config.body})
        return []
    chosen = set(found)
    return [el for el in found if not any(a in chosen for a in el.iterancestors())]


def _attrs(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


_COUNTER_MARKERS = ("counter", "thongke", "thong-ke", "thong_ke", "statistic", "visitor", "thống kê truy cập",
                    "lượt truy cập")
_COUNTER_SNIPPET = 3000


def _page_counters(html: str, lowered: str) -> list[str]:
    """Visitor-counter lines anywhere on the page (sidebar boxes included).

    Found from the page source (a class/id or heading naming a counter), reading only the markup that
    follows each mention: scanning the whole tree for them costs more than the rest of the parse."""
    r = rules()
    source = html if len(html) == len(lowered) else lowered
    starts = []
    for marker in _COUNTER_MARKERS:
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


def _with_lead(bodies: list) -> list:
    """A configured body container plus the lead ("sapo") block just before it, when there is one."""
    first = bodies[0]
    for sibling in list(first.itersiblings(preceding=True))[:4]:
        if sibling in bodies:
            break
        if _LEAD_ATTR.search(_attrs(sibling)) and dom.text_of(sibling):
            return [sibling] + bodies
    return bodies


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


def parse_article(html: str, url: str, config: ParseConfig | None = None, province: str | None = None) -> ParsedArticle:
    """Parse one article page. ``province`` is the portal's province from the registry."""
    config = config or ParseConfig()
    flags: list[dict[str, Any]] = []
    html = nfc(html)
    doc = dom.load(html)
    meta = dom.meta_content(doc)
    canonical = _canonical(doc, meta, url)
    doorway = _doorway_target(doc, url)

    lowered = html.lower()
    page_counters = _page_counters(html, lowered)
    may_hide = ("none" in lowered and "display" in lowered) or "visibility" in lowered or "aria-hidden" in lowered \
        or " hidden>" in lowered or " hidden " in lowered
    hidden = dom.remove_hidden(doc) if may_hide else []
    for xpath in config.xpath("remove"):
        for el in xpath(doc):
            dom.drop(el)

    title_el = _first(config.xpath("title"), doc)
    title = _clean_title(dom.text_of(title_el)) if title_el is not None else None

    bodies = _body_elements(doc, config, flags)
    if bodies:
        bodies = _with_lead(bodies)
        published_at, published_raw = _find_published(doc, meta, config, bodies[0])
        for body_el in bodies:
            dom.remove_noise(body_el)
    else:
        published_at, published_raw = _find_published(doc, meta, config, None)
        dom.remove_noise(doc.body if doc.find("body") is not None else doc)
        container = dom.main_container(doc)
        if container is None and doc.find("body") is not None:
            container = doc.find("body")  # too little text to score: take what there is
        bodies = [container] if container is not None else []
        if published_at is None and published_raw is None:
            published_at, published_raw = _find_published(doc, meta, config, container)
    if title is None:
        title = _clean_title(_generic_title(doc, meta, bodies[0] if bodies else None))

    spam_links = []
    for body_el in bodies:
        for a in list(body_el.iter("a")):
            terms = gambling_terms(dom.text_of(a) + " " + (a.get("href") or ""))
            if terms:
                spam_links.append({"text": dom.text_of(a), "href": a.get("href"), "terms": terms})
                dom.drop(a)

    raw_paragraphs = [repair_lost_entities(p) for body_el in bodies for p in dom.paragraphs(body_el)]
    cleaned = clean_paragraphs(raw_paragraphs, title=title, month_first=config.month_first)

    runs, run_terms, body_paragraphs = [], [], []
    for para in cleaned.paragraphs:
        scan = scan_paragraph(para)
        runs.extend(scan.runs)
        run_terms.extend(scan.terms)
        if scan.text:
            body_paragraphs.append(scan.text)
    body_text = "\n\n".join(body_paragraphs)

    hidden_spam = [{"text": b.text[:300], "links": b.links} for b in hidden
                   if gambling_terms(b.text + " " + " ".join(l["href"] or "" for l in b.links))]
    if runs or hidden_spam or spam_links or doorway:
        details: dict[str, Any] = {}
        if runs:
            details["injected_runs"] = runs
            details["terms"] = list(dict.fromkeys(run_terms))
        if hidden_spam:
            details["hidden_blocks"] = hidden_spam
        if spam_links:
            details["links"] = spam_links
        if doorway:
            details["doorway_redirect"] = doorway
        _flag(flags, "spam_injection", details)

    if cleaned.counters or page_counters:
        _flag(flags, "boilerplate_visitor_counter",
              {"in_body": bool(cleaned.counters), "lines": list(dict.fromkeys(cleaned.counters + page_counters))})
    source_line, source_outlet = cleaned.source_line, cleaned.source_outlet
    if source_line is None:
        source_line, source_outlet = _source_outside(doc, bodies) or (None, None)
    if source_line:
        _flag(flags, "republished", {"source_line": source_line, "outlet": source_outlet})
    if not body_text:
        _flag(flags, "empty_body", {"chars": 0})
    elif len(body_text) < config.min_body_chars:
        _flag(flags, "short_body", {"chars": len(body_text), "min_chars": config.min_body_chars})
    if published_at is None:
        _flag(flags, "unparseable_date", {"raw": published_raw,
                                          "reason": "no date found" if published_raw is None else "not a valid date"})

    province_name, province_source = _province(province, source_outlet, title, body_text)
    return ParsedArticle(
        url=url,
        canonical_url=canonical,
        title=title,
        published_at=published_at,
        published_raw=published_raw,
        body_text=body_text,
        source_line=source_line,
        source_outlet=source_outlet,
        province=province_name,
        province_source=province_source,
        quality_flags=flags,
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
