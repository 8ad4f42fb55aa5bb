"""Near-duplicate fingerprints: a 64-bit simhash over word 3-shingles of the body.

The same story republished on two portals differs by a source line, a photo caption or a
sentence; its simhash differs in a few bits, while different stories differ in about half of them.
Word hashes are stable (blake2b), so fingerprints can be stored and compared across runs.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

from scrapers.parsing.text import fold

SHINGLE = 3
NEAR_DUPLICATE_BITS = 6
_WORD = re.compile(r"\w+")
_MULTIPLIERS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_BIT_ORDER = np.uint64(1) << np.arange(63, -1, -1, dtype=np.uint64)


_word_cache: dict[str, int] = {}


def _word_hash(word: str) -> int:
    h = _word_cache.get(word)
    if h is None:
        if len(_word_cache) > 500_000:
            _word_cache.clear()
        h = _word_cache[word] = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
    return h


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def simhash(text: str) -> int:
    """64-bit simhash of ``text`` (0 for a text with no words)."""
    words = _WORD.findall(fold(text))
    if not words:
        return 0
    hashes = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):
        if len(hashes) >= SHINGLE:
            n = len(hashes) - SHINGLE + 1
            shingles = sum(hashes[i:i + n] * _MULTIPLIERS[i] for i in range(SHINGLE))
        else:
            shingles = hashes * _MULTIPLIERS[0]
        shingles = np.unique(_mix(shingles))
    bits = np.unpackbits(shingles.astype(">u8").view(np.uint8)).reshape(-1, 64)
    keep = bits.sum(axis=0, dtype=np.int64) * 2 > bits.shape[0]
    return int(np.bitwise_or.reduce(_BIT_ORDER[keep])) if keep.any() else 0


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
