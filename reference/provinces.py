"""The 63 provinces before the merger of 1 July 2025, the current province each belongs to, and every
name each goes by: the one home of province names (provinces.csv beside this module).

The code, name and name_current columns come from the vietnamadminunits package's tables, with the
pre-2025 name "Thừa Thiên Huế". ``spellings`` are names that mean the province wherever they stand
(marks written either way, "TP.HCM", "BR-VT"); ``in_context`` are names that mean it only next to
"tỉnh"/"TP." or in a list of provinces: the bare "Hồ Chí Minh" is far more often the President's
name, "Vũng Tàu" is also a city of its own, "Sài Gòn" also names a newspaper and firms.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Province:
    code: str                      # the pre-2025 code
    name: str
    name_current: str              # the province it has belonged to since 1 July 2025
    spellings: tuple[str, ...]
    in_context: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, the official one first."""
        return tuple(dict.fromkeys((self.name, *self.spellings, *self.in_context)))


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    text = resources.files("reference").joinpath("provinces.csv").read_text("utf-8")
    return tuple(Province(r["code"], r["name"], r["name_current"], _split(r["spellings"]), _split(r["in_context"]))
                 for r in csv.DictReader(text.splitlines()))


def _split(cell: str) -> tuple[str, ...]:
    return tuple(s for s in cell.split("|") if s)
