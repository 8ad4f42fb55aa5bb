"""DOM helpers over lxml: loading, hidden and chrome elements, visible paragraphs, main-text scoring."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import lxml.html
from lxml import etree

from scrapers.parsing.boilerplate import rules
from scrapers.parsing.text import clean_inline

BLOCK_TAGS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol tr td th table tbody thead tfoot section article header main figure "
    "figcaption blockquote pre dd dt dl center hr address caption".split())
_CONTAINER_TAGS = frozenset("div td article section main body blockquote center dd li form".split())
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "select", "option", "textarea"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_local = threading.local()
_MAYBE_HIDDEN = etree.XPath("descendant-or-self::*[@style or @hidden or @aria-hidden or @class or @id]")


_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = lxml.html.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True)
    return parser


def load(html: str) -> lxml.html.HtmlElement:
    """Parse a whole page; an empty or unparseable page gives an empty <html> rather than an error.

    The text is handed to lxml as UTF-8 bytes without control characters: no HTML may hold them,
    and lxml accepts them from the parser but refuses them in any later edit of the tree."""
    html = _XML_DECL.sub("", html, count=1)
    data = html.encode("utf-8", errors="replace").translate(None, _CONTROL_BYTES)
    if data.strip():
        try:
            return lxml.html.document_fromstring(data, parser=_parser())
        except etree.ParserError:
            pass
    return lxml.html.document_fromstring("<html><body></body></html>")


def meta_content(doc: lxml.html.HtmlElement) -> dict[str, str]:
    """<meta> values by lower-cased property/name/itemprop (first occurrence wins)."""
    found: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        value = el.get("content")
        if key and value and key.lower() not in found:
            found[key.lower()] = value.strip()
    return found


def text_of(el) -> str:
    return clean_inline(el.text_content())


def drop(el) -> None:
    if el.getparent() is not None:
        el.drop_tree()


@dataclass
class HiddenBlock:
    text: str
    links: list[dict]


def _hidden_by_class(el) -> bool:
    hidden = rules().hidden_class_tokens
    return any(token.lower() in hidden for value in (el.get("class"), el.get("id")) if value for token in value.split())


def remove_hidden(root, protect_chars: int | None = None) -> list[HiddenBlock]:
    """Drop elements hidden from readers: display:none, visibility:hidden, the hidden attribute,
    aria-hidden, and the hiding classes of CSS frameworks (d-none...).

    A block hidden only by a class is kept when it holds ``protect_chars`` of text or more: some
    portals collapse the rest of the article behind a "read more" button that way."""
    blocks = []
    for el in _MAYBE_HIDDEN(root):
        if el.tag in ("html", "body") or el.getparent() is None:
            continue
        style = el.get("style")
        if (style and _HIDDEN_STYLE.search(style)) or el.get("hidden") is not None or el.get("aria-hidden") == "true":
            pass
        elif not _hidden_by_class(el) or (protect_chars and len(el.text_content()) >= protect_chars):
            continue
        links = [{"text": text_of(a), "href": a.get("href")} for a in el.iter("a") if a.get("href")]
        blocks.append(HiddenBlock(text_of(el), links))
        drop(el)
    return blocks


def is_noise(el) -> bool:
    """Page chrome by tag, class/id token, landmark role or a role-naming attribute."""
    r = rules()
    if el.tag in r.noise_tags:
        return True
    if r.noise_words.match_attrs(el.get("class"), el.get("id")):
        return True
    role = el.get("role")
    if role and role.lower() in r.noise_roles:
        return True
    return any(r.noise_words.match_attrs(el.get(name)) for name in r.noise_attributes if el.get(name))


def remove_noise(root, keep=(), protect_chars: int | None = None) -> list[tuple[str, object]]:
    """Drop chrome elements under ``root``: never one in ``keep`` or their ancestors, nor one holding
    ``protect_chars`` of text or more (a wrapper named "sidebar-1" around the whole article).

    Returns (tag + class + id, former parent) of each dropped element, so callers can tell where
    a visitor counter was.
    """
    protected = set()
    for el in keep:
        protected.update(el.iterancestors())
        protected.add(el)
    doomed = [el for el in root.iter(etree.Element)
              if el is not root and el not in protected and el.tag not in ("html", "body") and is_noise(el)]
    removed = []
    noise_tags = rules().noise_tags
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        if protect_chars and el.tag not in noise_tags and len(el.text_content()) >= protect_chars:
            continue
        removed.append((f"{el.tag} {el.get('class') or ''} {el.get('id') or ''}".strip(), parent))
        el.drop_tree()
    return removed


def visible_text(el) -> str:
    """The element's text as a reader sees it: no script or style content."""
    return " ".join(paragraphs(el))


def paragraphs(root) -> list[str]:
    """Visible text of ``root`` as paragraphs: block elements and <br> end a paragraph.

    Iterative (lxml's iterwalk), so a pathologically deep page cannot exhaust the Python stack."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            line = clean_inline("".join(buf))
            buf.clear()
            if line:
                out.append(line)

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str) or tag in _SKIP_TAGS:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                flush()
            if el.text:
                buf.append(el.text)
        else:
            if isinstance(tag, str) and tag in BLOCK_TAGS:
                flush()
            if el.tail and el is not root:
                buf.append(el.tail)
    flush()
    return out


def _direct_text(el) -> str:
    parts = [el.text] if el.text else []
    parts.extend(child.tail for child in el if child.tail)
    return "".join(parts).strip()


def first_paragraph(root):
    """First element under ``root`` holding a paragraph's worth of its own text."""
    for el in root.iter(etree.Element):
        if el.tag not in _SKIP_TAGS and len(_direct_text(el)) >= 80:
            return el
    return None


def main_container(root):
    """The element holding most of the page's running text (readability-style scoring)."""
    scores: dict = {}
    for el in root.iter(etree.Element):
        if el.tag in _SKIP_TAGS:
            continue
        direct = _direct_text(el)
        n = len(direct)
        if n < 25:
            continue
        score = (1.0 + min(n / 100.0, 3.0) + direct.count(",") * 0.1) if n >= 80 else 0.5 + n / 100.0
        if el.tag in _CONTAINER_TAGS:
            host = el
        else:
            host = el.getparent()
            while host is not None and host.tag not in _CONTAINER_TAGS:
                host = host.getparent()
            if host is None:
                continue
        scores[host] = scores.get(host, 0.0) + score
        parent = host.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + score / 2
    if not scores:
        return None
    best, best_score = None, 0.0
    for el, score in sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:8]:
        text_len = len(el.text_content()) or 1
        link_len = sum(len(a.text_content()) for a in el.iter("a"))
        adjusted = score * (1.0 - min(link_len / text_len, 1.0))
        if adjusted > best_score:
            best, best_score = el, adjusted
    return _widen(best) if best is not None else None


def _link_len(el) -> int:
    return sum(len(a.text_content()) for a in el.iter("a"))


def _widen(el, share: float = 0.8, max_link_density: float = 0.2, max_levels: int = 1):
    """Climb to the parent while the chosen element holds most of its text, so a caption or a
    paragraph beside the body container comes along; a level or so only, or once the chrome is gone
    the climb reaches the page's outer wrapper with its header. (The lead and the source line
    are looked for on their own.)"""
    text_len = len(el.text_content().strip())
    for _ in range(max_levels):
        parent = el.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return el
        parent_len = len(parent.text_content().strip())
        if parent_len == 0 or text_len / parent_len < share or _link_len(parent) / parent_len > max_link_density:
            return el
        el, text_len = parent, parent_len
    return el


def link_share(el) -> float:
    """Share of the element's text that is link text."""
    text_len = len(el.text_content()) or 1
    return min(_link_len(el) / text_len, 1.0)


_SENTENCE_END = re.compile(r"[.!?…:;\"”)]\s*$")


def _is_prose_block(el) -> bool | None:
    """True: running text; False: a block of other text (links, tags, captions); None: too little text
    to say (an ad slot, an image, a spacer)."""
    text_len = len(el.text_content().strip())
    if text_len < 80:
        return None
    if link_share(el) > 0.25:
        return False
    return any(len(p) >= 80 and _SENTENCE_END.search(p) for p in paragraphs(el))


def with_prose_siblings(el) -> list:
    """The container plus the blocks of running text right before and after it under the same parent:
    an in-article ad slot or a template splits one story into sibling containers."""
    parent = el.getparent()
    if parent is None or parent.tag == "html":
        return [el]
    siblings = [s for s in parent if isinstance(s.tag, str) and s.tag not in _SKIP_TAGS]
    at = siblings.index(el)
    before, after = [], []
    for run, out in ((reversed(siblings[:at]), before), (siblings[at + 1:], after)):
        for sib in run:
            verdict = _is_prose_block(sib)
            if verdict is False:
                break
            if verdict:
                out.append(sib)
    return [*reversed(before), el, *after]


def drop_link_lists(root, max_share: float = 0.4) -> int:
    """Drop the lists of links a story embeds in its text ("Đọc thêm: ..." tables, headline lists):
    blocks of two links or more that are mostly link text and a small part of the story."""
    total = len(root.text_content()) or 1
    doomed = []
    for el in root.iter("table", "ul", "ol", "div", "section"):
        if el is root or any(d in el.iterancestors() for d in doomed):
            continue
        links = [a for a in el.iter("a") if a.text_content().strip()]
        if len(links) < 2:
            continue
        text_len = len(el.text_content().strip())
        if text_len < max_share * total and link_share(el) > 0.5:
            doomed.append(el)
    for el in doomed:
        drop(el)
    return len(doomed)
