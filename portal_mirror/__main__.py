"""CLI: `python -m portal_mirror serve ...` (foreground server) and `python -m portal_mirror catalog`."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from portal_mirror.faults import FaultPlan, FaultPlanError
from portal_mirror.server import MirrorServer

log = logging.getLogger("portal_mirror")


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def serve(args: argparse.Namespace) -> int:
    try:
        faults = FaultPlan.from_file(args.faults) if args.faults else None
    except (OSError, FaultPlanError, ValueError) as exc:
        print(f"portal_mirror: bad fault plan {args.faults}: {exc}", file=sys.stderr)
        return 2
    only = [x for x in (args.only or "").split(",") if x] or None
    try:
        mirror = MirrorServer(host=args.host, base_port=args.port, log_path=args.log, faults=faults,
                              per_site=args.per_site, site_ids=only, log_capacity=100_000)
    except KeyError as exc:
        print(f"portal_mirror: {exc}", file=sys.stderr)
        return 2
    flags = {"stop": False, "reload": False}      # set by signal handlers, polled below (no locks)

    def on_stop(*_):
        flags["stop"] = True

    def on_reload(*_):
        flags["reload"] = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_stop)
    signal.signal(signal.SIGHUP, on_reload)
    try:
        mirror.start()
    except OSError as exc:
        print(f"portal_mirror: cannot listen from port {args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        _write_atomically(Path(args.sites_file), json.dumps(mirror.sites, indent=2))
        log.info("sites written to %s", args.sites_file)
        while not flags["stop"]:
            time.sleep(0.1)
            if flags["reload"]:
                flags["reload"] = False
                _reload_faults(mirror, args.faults)
    finally:
        mirror.stop()
    return 0


def _reload_faults(mirror: MirrorServer, path: str | None) -> None:
    """SIGHUP: read the fault plan file again (no file or a missing file: no faults)."""
    try:
        plan = FaultPlan.from_file(path) if path and Path(path).exists() else FaultPlan()
    except (OSError, FaultPlanError, ValueError) as exc:
        log.error("fault plan %s not reloaded: %s", path, exc)
        return
    mirror.set_faults(plan)
    log.info("fault plan reloaded from %s: %s", path, plan)


def print_catalog(args: argparse.Namespace) -> int:
    from portal_mirror.content import catalog

    for a in catalog(args.per_site):
        print(json.dumps({"site_id": a.site_id, "url_path": a.url_path, "published": a.published.isoformat(),
                          "title": a.title, "province": a.province, "seed_doc": a.seed_doc,
                          "syndicated_from": a.syndicated_from}, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_mirror", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve every mirror site in the foreground")
    p.add_argument("--port", type=int, default=0, help="first port (site i gets port+i); 0 = free ports")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sites-file", required=True, help="where to write {site_id: base_url} JSON once listening")
    p.add_argument("--log", help="request log, JSON lines")
    p.add_argument("--faults", help="fault plan, JSON or YAML with FaultPlan's fields")
    p.add_argument("--per-site", type=int, help="synthetic articles per site (default: sites.yaml)")
    p.add_argument("--only", help="comma-separated site ids to serve (default: all)")
    p.set_defaults(func=serve)
    c = sub.add_parser("catalog", help="print every served article as JSON lines")
    c.add_argument("--per-site", type=int)
    c.set_defaults(func=print_catalog)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
