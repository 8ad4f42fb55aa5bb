"""Turn response bytes into NFC text: charset from the Content-Type header, then the document's
own declaration (BOM, <meta>, XML prolog), then detection.

Provincial portals still serve windows-1258 declared only in a <meta> tag, and cp1258 text uses
combining tone marks, so every decoded text is normalised to NFC before anyone compares strings.
"""
from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from email.message import Message
from typing import Mapping

from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

_SNIFF_BYTES = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/rss", "application/atom",
               "application/json", "application/javascript")
# Names portals use that Python spells differently.
_ALIASES = {"windows-1258": "cp1258", "x-viet-vps": "cp1258", "utf8": "utf-8", "tcvn": "cp1258"}


def _codec(name: str | bytes | None) -> str | None:
    """Return a Python codec name for a declared charset, or None when it is unknown."""
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        log.debug("unknown charset %r", name)
        return None


def header_charset(content_type: str | None) -> str | None:
    """Charset parameter of a Content-Type header (never requests' ISO-8859-1 default for text/*)."""
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    return _codec(msg.get_param("charset"))


def is_textual(content_type: str | None, body: bytes) -> bool:
    if content_type:
        ctype = content_type.split(";", 1)[0].strip().lower()
        return ctype.startswith(_TEXT_TYPES) or ctype.endswith("+xml")
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"<rss", b"<"))


def declared_charset(body: bytes) -> str | None:
    """Charset the document declares about itself: BOM, XML prolog or <meta> in its first bytes."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    head = body[:_SNIFF_BYTES]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        m = pattern.search(head)
        if m and (codec := _codec(m.group(1))):
            return codec
    return None


def decode_bytes(body: bytes, content_type: str | None = None) -> tuple[str | None, str | None]:
    """Return (text, codec name); (None, None) for a non-text body."""
    if not is_textual(content_type, body):
        return None, None
    encoding = header_charset(content_type) or declared_charset(body)
    if encoding is None:
        best = from_bytes(body[:200_000]).best() if body else None
        encoding = _codec(best.encoding) if best is not None else None
        encoding = encoding or "utf-8"
    if encoding == "utf-8" and body.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    text = body.decode(encoding, errors="replace")
    return unicodedata.normalize("NFC", text), encoding


def decode_body(body: bytes, headers: Mapping[str, str] | None = None, encoding: str | None = None) -> str:
    """Text of a stored response: its recorded encoding when known, else header/meta/detection."""
    if encoding:
        try:
            return unicodedata.normalize("NFC", body.decode(encoding, errors="replace"))
        except LookupError:
            log.warning("stored encoding %r unknown; detecting again", encoding)
    ctype = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), None)
    text, _ = decode_bytes(body, ctype if ctype and is_textual(ctype, body) else "text/html")
    return text or ""
