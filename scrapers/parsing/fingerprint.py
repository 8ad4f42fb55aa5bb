"""Near-duplicate fingerprints: a 64-bit simhash over word 3-shingles of the body.

The same story republished on two portals differs by a source line, a photo caption or a
sentence; its simhash differs in a few bits, while different stories differ in about half of them.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

from scrapers.parsing.text import fold

SHINGLE = 3
NEAR_DUPLICATE_BITS = 6
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def simhash(text: str) -> int:
    """64-bit simhash of ``text`` (0 for a text with no words)."""
    words = _words(text)
    if not words:
        return 0
    if len(words) < SHINGLE:
        shingles = [" ".join(words)]
    else:
        shingles = [" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    digests = b"".join(hashlib.blake2b(s.encode(), digest_size=8).digest() for s in set(shingles))
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(-1, 64)
    ones = bits.sum(axis=0, dtype=np.int64)
    keep = ones * 2 > bits.shape[0]
    return int("".join("1" if b else "0" for b in keep), 2)


def _as_int(fp: int | str) -> int:
    return int(fp, 16) if isinstance(fp, str) else int(fp)


def hamming(fp_a: int | str, fp_b: int | str) -> int:
    return (_as_int(fp_a) ^ _as_int(fp_b)).bit_count()


def near_duplicate(fp_a: int | str, fp_b: int | str, max_bits: int = NEAR_DUPLICATE_BITS) -> bool:
    """True when two fingerprints (ints or 16-digit hex strings) differ in at most ``max_bits`` bits."""
    a, b = _as_int(fp_a), _as_int(fp_b)
    if a == 0 or b == 0:
        return False
    return (a ^ b).bit_count() <= max_bits
