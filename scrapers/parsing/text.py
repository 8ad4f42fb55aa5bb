"""Text normalisation shared by the parser: NFC, whitespace, lost-ampersand entities, ASCII folding."""
from __future__ import annotations

import re
import unicodedata
from html.entities import html5

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Only names that cannot be ordinary words: typographic entities and accented letters. Bare "in;" or
# "and;" are Vietnamese and English words, so the general entity table is never used here. The lost
# "&" leaves the name glued to the previous word ("sốrdquo;"); a doubly escaped one keeps it ("&ldquo;").
_LOST_ENTITY = re.compile(
    r"&?(ldquo|rdquo|lsquo|rsquo|bdquo|laquo|raquo|hellip|ndash|mdash|nbsp|quot|amp|apos|bull|middot|"
    r"[A-Za-z](?:acute|grave|tilde|circ|uml|cedil|ring)|[Dd]stroke);"
    r"|(?<![\w#])&?(deg|copy|reg|trade|eth|ETH);")


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)



def repair_lost_entities(text: str) -> str:
    """Liferay exports lose the '&' of HTML entities ("ldquo;"): put the characters back."""
    if ";" not in text:
        return text

    def sub(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        if name in ("Dstroke", "dstroke"):
            return "Đ" if name[0] == "D" else "đ"
        return html5.get(name + ";", m.group(0))

    return _LOST_ENTITY.sub(sub, text)


def clean_inline(text: str) -> str:
    """One line of visible text: no zero-width characters, single spaces, trimmed."""
    if _ZERO_WIDTH.search(text):
        text = _ZERO_WIDTH.sub("", text)
    return " ".join(text.split())


def _fold_table() -> dict[int, str]:
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for block in (range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        for cp in block:
            base = "".join(c for c in unicodedata.normalize("NFD", chr(cp)) if not unicodedata.combining(c))
            if base != chr(cp) and base.isascii():
                table[cp] = base
    for cp in range(0x300, 0x370):  # stray combining marks (text that was not NFC)
        table[cp] = None
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case ASCII skeleton of Vietnamese text ("Tuyên Quang" -> "tuyen quang")."""
    return text.translate(_FOLD).lower()
