"""The province seeds are what scripts/generate_province_seed.py derives from vietnamadminunits."""
from __future__ import annotations

import importlib.util

from vnict.settings import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "generate_province_seed.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("generate_province_seed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_seeds_are_up_to_date():
    assert _load_script().main(["--check"]) == 0


def test_check_fails_on_a_stale_seed(tmp_path):
    script = _load_script()
    assert script.main(["--out-dir", str(tmp_path)]) == 0
    path = tmp_path / "provinces.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Hà Giang", "Ha Giang"), encoding="utf-8")
    assert script.main(["--out-dir", str(tmp_path), "--check"]) == 1


def test_both_eras_with_merger_mapping():
    provinces, aliases = _load_script().build_rows()
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
    assert {"alias": "hagiang", "province_key": "legacy-02"} in aliases

