"""`vnict extract`: the JSON lines it prints, from a manifest or from text files."""
from __future__ import annotations

import json

from extraction.cli import run

KEYS = {"doc", "indicator", "value", "denominator", "unit", "qualifier", "target", "year", "evidence"}


def test_manifest(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Toàn tỉnh có 939 trạm BTS.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Đã kết nối với 18/22 cơ sở dữ liệu quốc gia.", encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"doc": "docs/a.txt", "published": "2020-12-30", "province": "Hậu Giang"}) + "\n\n"
                        + json.dumps({"doc": "b.txt"}) + "\n", encoding="utf-8")
    assert run(["--manifest", str(manifest)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [set(r) for r in rows] == [KEYS, KEYS]
    assert rows[0] == {"doc": "docs/a.txt", "indicator": "bts_stations", "value": 939, "denominator": None,
                       "unit": "count", "qualifier": "exact", "target": False, "year": 2020,
                       "evidence": "Toàn tỉnh có 939 trạm BTS."}
    assert (rows[1]["doc"], rows[1]["value"], rows[1]["denominator"], rows[1]["year"]) == ("b.txt", 18, 22, None)


def test_plain_files(tmp_path, capsys):
    f = tmp_path / "x.txt"
    f.write_text("Số thuê bao di động đạt 1,2 triệu.", encoding="utf-8")
    assert run([str(f)]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["doc"], row["indicator"], row["value"]) == (str(f), "mobile_subscribers", 1200000)


def test_missing_manifest_is_a_clear_error(tmp_path, capsys):
    assert run(["--manifest", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "manifest not found" in err and "Traceback" not in err


def test_bad_json_line_is_a_clear_error(tmp_path, capsys):
    m = tmp_path / "m.jsonl"
    m.write_text('{"doc": "a.txt"}\n{not json\n', encoding="utf-8")
    assert run(["--manifest", str(m)]) == 2
    err = capsys.readouterr().err
    assert "m.jsonl:2" in err and "Traceback" not in err


def test_bad_date_is_a_clear_error(tmp_path, capsys):
    m = tmp_path / "m.jsonl"
    m.write_text('{"doc": "a.txt", "published": "18/06/2024"}\n', encoding="utf-8")
    assert run(["--manifest", str(m)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_unreadable_doc_reported_others_processed(tmp_path, capsys):
    (tmp_path / "ok.txt").write_text("Toàn tỉnh có 939 trạm BTS.", encoding="utf-8")
    m = tmp_path / "m.jsonl"
    m.write_text('{"doc": "missing.txt"}\n{"doc": "ok.txt"}\n', encoding="utf-8")
    assert run(["--manifest", str(m)]) == 1
    out, err = capsys.readouterr()
    assert "missing.txt" in err and "Traceback" not in err
    assert json.loads(out.splitlines()[0])["doc"] == "ok.txt"


def test_no_arguments(capsys):
    assert run([]) == 2
    assert "nothing to read" in capsys.readouterr().err


def test_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    from vnict.settings import REPO_ROOT

    text = "Toàn tỉnh có 939 trạm BTS và 74.500 thuê bao Internet.\n" * 4000
    doc = tmp_path / "long.txt"
    doc.write_text(text, encoding="utf-8")
    proc = subprocess.run(f'"{sys.executable}" -m vnict.cli extract "{doc}" "{doc}" | head -1',
                          shell=True, capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_a_nul_byte_in_a_manifest_path_is_a_clear_error(tmp_path, capsys):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"doc": "a\u0000b.txt"}) + "\n", encoding="utf-8")
    assert run(["--manifest", str(manifest)]) == 1
    assert "cannot read 'a\\x00b.txt'" in capsys.readouterr().err


def test_an_oversized_input_is_skipped_with_a_message(tmp_path, capsys, monkeypatch):
    import extraction.cli as cli

    monkeypatch.setattr(cli, "MAX_INPUT_BYTES", 1000)
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_text("x" * 2000, encoding="utf-8")
    small.write_text("Toàn tỉnh có 939 trạm BTS.", encoding="utf-8")
    assert run([str(big), str(small)]) == 1
    captured = capsys.readouterr()
    assert "over the 1,000-byte limit" in captured.err
    assert json.loads(captured.out.splitlines()[0])["value"] == 939
