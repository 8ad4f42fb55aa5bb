"""Generate the dbt catalogue seeds from the extractor's rule files, the catalogue's one home.

Each `extraction/rules/<code>.yaml` names its indicator (code, domain, unit, name_en, name_vi,
cues_vi) and, for online public services, the regime it was counted under (online_service_regime,
regime_note). This script writes them as:
- dbt_project/seeds/indicators.csv: one row per rule file;
- dbt_project/seeds/indicator_attributes.csv: one row per rule file with a regime.

Usage: python scripts/generate_indicator_seed.py [--out-dir dbt_project/seeds] [--check]
"""
from __future__ import annotations

import argparse
import csv
import io
import logging
import sys
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = REPO_ROOT / "extraction" / "rules"
DEFAULT_OUT_DIR = REPO_ROOT / "dbt_project" / "seeds"

INDICATOR_COLUMNS = ["code", "domain", "unit", "name_en", "name_vi", "cues_vi"]
ATTRIBUTE_COLUMNS = ["code", "online_service_regime", "regime_note"]
DOMAINS = ("infrastructure", "egov")


def build_rows(rules_dir: Path = RULES_DIR) -> tuple[list[dict], list[dict]]:
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


def _render(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules-dir", type=Path, default=RULES_DIR)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--check", action="store_true",
                        help="fail if the seeds on disk differ from what the rule files yield")
    args = parser.parse_args(argv)

    indicators, attributes = build_rows(args.rules_dir)
    outputs = {
        args.out_dir / "indicators.csv": _render(indicators, INDICATOR_COLUMNS),
        args.out_dir / "indicator_attributes.csv": _render(attributes, ATTRIBUTE_COLUMNS),
    }
    stale = []
    for path, text in outputs.items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            log.info("wrote %s", path)
    if stale:
        log.error("out of date: %s (run scripts/generate_indicator_seed.py)", ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
