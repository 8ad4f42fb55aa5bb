"""`vnict extract`: figures out of text files, one JSON object a line (the fields are those of
`Mention.to_json`; tests/extraction/test_cli.py holds the format to them).

    vnict extract --manifest FILE     # JSON lines {"doc": PATH, "published": "YYYY-MM-DD", "province": NAME}
    vnict extract FILE...             # plain text files
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from . import extract

log = logging.getLogger(__name__)

# No article is this long; a larger file is a dump or a mistake, and reading it whole costs memory.
MAX_INPUT_BYTES = 10 * 1024 * 1024


class UsageError(Exception):
    """A problem with the command line or the manifest itself: reported plainly, exit 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vnict extract", description="Extract ICT indicator figures from Vietnamese text.")
    p.add_argument("--manifest", help="JSON lines file: {\"doc\": PATH, \"published\": \"YYYY-MM-DD\", \"province\": NAME}")
    p.add_argument("files", nargs="*", help="plain text files (UTF-8)")
    return p


def _read_manifest(path: Path) -> list[tuple[str, Path, dt.date | None, str | None]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"manifest not found: {path}")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read manifest {path}: {exc}")
    base = path.parent
    entries = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{n}: not valid JSON: {exc.msg}")
        if not isinstance(obj, dict) or not isinstance(obj.get("doc"), str) or not obj["doc"]:
            raise UsageError(f"{path}:{n}: expected an object with a \"doc\" path")
        published = obj.get("published")
        if published is not None:
            try:
                published = dt.date.fromisoformat(str(published)[:10])
            except ValueError:
                raise UsageError(f"{path}:{n}: published {published!r} is not YYYY-MM-DD")
        province = obj.get("province")
        if province is not None and not isinstance(province, str):
            raise UsageError(f"{path}:{n}: province must be a string")
        entries.append((obj["doc"], base / obj["doc"], published, province))
    return entries


def run(argv: list[str]) -> int:
    """Entry point for `vnict extract` (argv excludes the subcommand). Returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code or 0)
    try:
        if args.manifest and args.files:
            raise UsageError("give either --manifest FILE or text files, not both")
        if args.manifest:
            entries = _read_manifest(Path(args.manifest))
        elif args.files:
            entries = [(f, Path(f), None, None) for f in args.files]
        else:
            raise UsageError("nothing to read: give --manifest FILE or text files")
    except UsageError as exc:
        print(f"vnict extract: error: {exc}", file=sys.stderr)
        return 2
    failed = 0
    out = sys.stdout
    for doc, path, published, province in entries:
        try:
            size = path.stat().st_size
            if size > MAX_INPUT_BYTES:
                print(f"vnict extract: skipping {doc}: {size:,} bytes, over the {MAX_INPUT_BYTES:,}-byte limit "
                      "for one article", file=sys.stderr)
                failed += 1
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            print(f"vnict extract: cannot read {doc!r}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            failed += 1
            continue
        for m in extract(text, published=published, province=province):
            out.write(json.dumps(m.to_json(doc), ensure_ascii=False) + "\n")
    out.flush()
    return 1 if failed else 0


def run_cli(argv: list[str]) -> int:
    """`run` as a command: a reader that closes the pipe early (`| head`) ends the output quietly."""
    try:
        return run(argv)
    except BrokenPipeError:
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run_cli(sys.argv[1:]))
