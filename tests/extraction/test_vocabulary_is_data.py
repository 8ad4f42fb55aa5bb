"""Every Vietnamese word the extractor knows lives in its rule and lexicon files: the engine's code
holds none outside docstrings and comments, so a maintainer changes vocabulary by editing data."""
from __future__ import annotations

import ast
import re
from pathlib import Path

VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]", re.I)
PACKAGE = Path(__file__).resolve().parents[2] / "extraction"


def vietnamese_literals(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and VIETNAMESE.search(node.value)]


def test_no_vietnamese_string_in_the_extractor_code():
    found = {path.name: hits for path in sorted(PACKAGE.glob("*.py"))
             if (hits := vietnamese_literals(path.read_text(encoding="utf-8")))}
    assert found == {}


def test_the_check_sees_a_literal_but_not_a_docstring():
    source = '"""Đọc số."""\nCUE = "trạm BTS"\ndef f():\n    """Trả về."""\n    return "ok"\n'
    assert vietnamese_literals(source) == [(2, "trạm BTS")]
