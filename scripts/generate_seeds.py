"""Generate the dbt seeds that have their home elsewhere; `--check` fails when a seed is stale.

- indicators.csv and indicator_attributes.csv: the indicator catalogue, whose home is the rule files
  `extraction/rules/<code>.yaml` (code, domain, unit, name_en, name_vi, cues_vi and, for online
  public services, online_service_regime and regime_note).
- provinces.csv: the 63 provinces before 1 July 2025 (era `legacy`) and the 34 after the merger
  (era `current`), from the dataset bundled with `vietnamadminunits`, each legacy province pointing
  to the current one it joined. A merged unit kept the code of the province holding its centre, so
  a code alone is ambiguous: the key is `<era>-<code>`.
- province_aliases.csv: the package's keywords for each unit ("tinhhagiang", "hagiang"), one row per
  keyword and unit. dbt keys them, like every other name, with its macro province_name_key, the one
  province key of the project.
- province_spellings.csv: every name reference/provinces.csv gives a pre-2025 province (former
  names, spellings with the marks written either way, abbreviations), the one home of those names,
  which the parser and the extractor read too.

Only the package's bundled tables are read; its free-text address parser is never run.
Usage: python scripts/generate_seeds.py [--out-dir dbt_project/seeds] [--rules-dir extraction/rules] [--check]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from pathlib import Path

import vietnamadminunits
import yaml

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "dbt_project" / "seeds"
RULES_DIR = REPO_ROOT / "extraction" / "rules"
DATA_DIR = Path(vietnamadminunits.__file__).parent / "data"
EXPECTED_COUNTS = {"legacy": 63, "current": 34}
DOMAINS = ("infrastructure", "egov")

INDICATOR_COLUMNS = ["code", "domain", "unit", "name_en", "name_vi", "cues_vi"]
ATTRIBUTE_COLUMNS = ["code", "online_service_regime", "regime_note"]
PROVINCE_COLUMNS = ["province_key", "era", "province_code", "province_name", "province_full_name",
                    "province_type", "latitude", "longitude", "current_province_key"]
ALIAS_COLUMNS = ["alias", "province_key"]


def build_indicator_rows(rules_dir: Path = RULES_DIR) -> tuple[list[dict], list[dict]]:
    """Catalogue rows and regime rows, one per rule file (files starting with _ are shared data)."""
    indicators, attributes = [], []
    for path in sorted(rules_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        missing = [c for c in INDICATOR_COLUMNS if not rule.get(c)]
        if missing:
            raise ValueError(f"{path.name}: catalogue fields missing: {', '.join(missing)}")
        if rule["domain"] not in DOMAINS:
            raise ValueError(f"{path.name}: domain {rule['domain']!r} not one of {DOMAINS}")
        indicators.append({c: rule[c] for c in INDICATOR_COLUMNS})
        if rule.get("online_service_regime"):
            attributes.append({c: rule.get(c) or "" for c in ATTRIBUTE_COLUMNS})
    return indicators, attributes


def _load(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))["DICT_PROVINCE"]


def _province_type(full_name: str) -> str:
    return "city" if full_name.lower().startswith("thành phố") else "province"


def build_province_rows() -> tuple[list[dict], list[dict]]:
    """Provinces and alias rows, from the package's legacy, 2025 and conversion tables."""
    legacy = _load("parser_legacy.json")
    current = _load("parser_from_2025.json")
    conversion = _load("converter_2025.json")

    successor = {}
    for new_key, old_keys in conversion.items():
        for old_key in old_keys:
            if old_key in successor:
                raise ValueError(f"legacy province {old_key} maps to two current provinces")
            successor[old_key] = new_key
    missing = set(legacy) - set(successor)
    if missing:
        raise ValueError(f"legacy provinces without a current province: {sorted(missing)}")

    def key_of(era: str, unit: dict) -> str:
        return f"{era}-{unit['provinceCode']}"

    provinces, aliases = [], []
    for era, units in (("legacy", legacy), ("current", current)):
        for pkey, unit in units.items():
            key = key_of(era, unit)
            current_key = key if era == "current" else key_of("current", current[successor[pkey]])
            provinces.append({
                "province_key": key,
                "era": era,
                "province_code": unit["provinceCode"],
                "province_name": unit["provinceShort"],
                "province_full_name": unit["province"],
                "province_type": _province_type(unit["province"]),
                "latitude": round(unit["provinceLat"], 6),
                "longitude": round(unit["provinceLon"], 6),
                "current_province_key": current_key,
            })
            for keyword in dict.fromkeys(unit["provinceKeywords"]):
                aliases.append({"alias": keyword, "province_key": key})

    for era, expected in EXPECTED_COUNTS.items():
        got = sum(1 for p in provinces if p["era"] == era)
        if got != expected:
            raise ValueError(f"expected {expected} {era} provinces, the package has {got}")
    keys = [p["province_key"] for p in provinces]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate province keys")
    provinces.sort(key=lambda p: (p["era"] != "legacy", p["province_code"]))
    aliases.sort(key=lambda a: (a["alias"], a["province_key"]))
    return provinces, aliases


def build_spelling_rows(province_rows: list[dict]) -> list[dict]:
    """Every name the reference gives a pre-2025 province (reference/provinces.csv: spellings, names
    that need context), keyed like the provinces seed."""
    from reference.provinces import provinces as reference_provinces

    legacy = {p["province_code"] for p in province_rows if p["era"] == "legacy"}
    owner: dict[str, str] = {}
    for province in reference_provinces():
        if province.code not in legacy:
            raise ValueError(f"reference/provinces.csv: {province.code} ({province.name}) is no pre-2025 "
                             "province code of the package")
        for name in province.names:
            key = f"legacy-{province.code}"
            if owner.setdefault(name, key) != key:
                raise ValueError(f"reference/provinces.csv: {name!r} names two provinces")
    return [{"alias": name, "province_key": key} for name, key in sorted(owner.items())]


def _render(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def seed_files(out_dir: Path, rules_dir: Path = RULES_DIR) -> dict[Path, str]:
    """Every generated seed's path and text."""
    indicators, attributes = build_indicator_rows(rules_dir)
    provinces, aliases = build_province_rows()
    return {
        out_dir / "indicators.csv": _render(indicators, INDICATOR_COLUMNS),
        out_dir / "indicator_attributes.csv": _render(attributes, ATTRIBUTE_COLUMNS),
        out_dir / "provinces.csv": _render(provinces, PROVINCE_COLUMNS),
        out_dir / "province_aliases.csv": _render(aliases, ALIAS_COLUMNS),
        out_dir / "province_spellings.csv": _render(build_spelling_rows(provinces), ALIAS_COLUMNS),
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--rules-dir", type=Path, default=RULES_DIR)
    parser.add_argument("--check", action="store_true",
                        help="fail if a seed on disk differs from what its home yields")
    args = parser.parse_args(argv)

    stale = []
    for path, text in seed_files(args.out_dir, args.rules_dir).items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            log.info("wrote %s", path)
    if stale:
        log.error("out of date: %s (run scripts/generate_seeds.py)", ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
