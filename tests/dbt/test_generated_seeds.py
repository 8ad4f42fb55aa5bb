"""The generated dbt seeds are what their homes yield: the catalogue from the rule files, the
provinces from vietnamadminunits (scripts/generate_seeds.py)."""
from __future__ import annotations

import shutil

from extraction.rules import load_rules
from scripts import generate_seeds
from vnict.settings import REPO_ROOT


def test_committed_seeds_are_up_to_date():
    assert generate_seeds.main(["--check"]) == 0


def test_check_fails_on_a_stale_seed(tmp_path):
    assert generate_seeds.main(["--out-dir", str(tmp_path)]) == 0
    path = tmp_path / "provinces.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Hà Giang", "Ha Giang"), encoding="utf-8")
    assert generate_seeds.main(["--out-dir", str(tmp_path), "--check"]) == 1


def test_check_fails_when_a_rule_file_changes(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO_ROOT / "extraction" / "rules", rules)
    args = ["--rules-dir", str(rules), "--out-dir", str(tmp_path)]
    assert generate_seeds.main(args) == 0
    assert generate_seeds.main([*args, "--check"]) == 0
    path = rules / "bts_stations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: count", "unit: percent"), encoding="utf-8")
    assert generate_seeds.main([*args, "--check"]) == 1


def test_one_catalogue_row_per_rule_with_its_regime():
    indicators, attributes = generate_seeds.build_indicator_rows()
    assert [r["code"] for r in indicators] == sorted(r.code for r in load_rules())
    regimes = {r["code"]: r["online_service_regime"] for r in attributes}
    assert regimes["online_services_level4"] == "levels_3_4"
    assert regimes["online_services_full"] == "decree_42_2022"
    assert "bts_stations" not in regimes


def test_both_eras_with_merger_mapping():
    provinces, aliases = generate_seeds.build_province_rows()
    by_key = {p["province_key"]: p for p in provinces}
    assert sum(p["era"] == "legacy" for p in provinces) == 63
    assert sum(p["era"] == "current" for p in provinces) == 34

    def successor(name):
        legacy = next(p for p in provinces if p["era"] == "legacy" and p["province_name"] == name)
        return by_key[legacy["current_province_key"]]["province_name"]

    assert successor("Hà Giang") == "Tuyên Quang"
    assert successor("Hậu Giang") == "Cần Thơ"
    assert successor("Tiền Giang") == "Đồng Tháp"
    assert successor("Cao Bằng") == "Cao Bằng"
    # A reused code names different units in the two eras.
    assert by_key["legacy-24"]["province_name"] == "Bắc Giang"
    assert by_key["current-24"]["province_name"] == "Bắc Ninh"
    # Every current unit is its own successor; every legacy one points to a current unit.
    assert all(by_key[p["current_province_key"]]["era"] == "current" for p in provinces)
    # the package's keywords, unkeyed: dbt's province_name_key keys them
    assert {"alias": "tinhhagiang", "province_key": "legacy-02"} in aliases
    assert {"alias": "hagiang", "province_key": "legacy-02"} in aliases
