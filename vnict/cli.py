"""`vnict`: the project's command line. Errors a user can act on are printed plainly, not as tracebacks."""
from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from vnict.settings import SettingsError, load_settings

log = logging.getLogger("vnict")

# Where a first run's history starts: the oldest articles the portals still serve.
HISTORY_START = "2018-01-01"


def _day(value: str) -> str:
    """An argparse type: a calendar day, checked before Airflow starts (minutes later is too late)."""
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day written YYYY-MM-DD") from None
    return value


def _check_before_airflow(args) -> None:
    """The registry loads and the range and portal make sense, or the run never starts."""
    from scrapers.registry import RegistryError, load_registry

    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since and until and until <= since:
        raise SettingsError(f"--until {until} is not after --since {since}")
    try:
        registry = load_registry()
    except RegistryError as exc:
        raise SettingsError(f"the sources registry is not valid: {exc}") from None
    portal = getattr(args, "portal", None)
    if portal and portal not in registry.ids():
        raise SettingsError(f"no portal {portal!r} in the registry (known: {', '.join(registry.ids())})")


def _cmd_dsn(args) -> int:
    from warehouse.connection import resolve_dsn

    print(resolve_dsn(load_settings().warehouse, start=not args.no_start))
    return 0


def _cmd_db(args) -> int:
    from warehouse.embedded import EmbeddedPostgres

    settings = load_settings()
    if settings.warehouse_dsn and args.action != "status":
        raise SettingsError("WAREHOUSE_DSN is set: the embedded warehouse is not used")
    cluster = EmbeddedPostgres(settings.warehouse)
    if args.action == "start":
        print(cluster.ensure_running())
    elif args.action == "stop":
        print("stopped" if cluster.stop() else "not running")
    else:
        print(json.dumps(cluster.status()))
    return 0


def _cmd_migrate(args) -> int:
    from vnict.pipeline import prepare_warehouse

    prepare_warehouse(load_settings())
    print("warehouse schema up to date")
    return 0


def _cmd_mirror(args) -> int:
    from vnict.services import mirror_pid, start_mirror, stop_mirror

    settings = load_settings()
    if args.action == "start":
        sites = start_mirror(settings, faults=args.faults)
        for site, url in sorted(sites.items()):
            print(f"{site:24} {url}")
    elif args.action == "stop":
        print("stopped" if stop_mirror(settings) else "not running")
    else:
        pid = mirror_pid(settings)
        print(f"running (pid {pid})" if pid else "not running")
    return 0


def _cmd_extract(args) -> int:
    from extraction.cli import run_cli

    return run_cli(args.rest)


MAX_PAGE_BYTES = 50 * 1024 * 1024


def _cmd_parse(args) -> int:
    """One saved page through the article parser, as JSON: for adding or debugging a portal."""
    from scrapers.parsing.article import parse_page
    from scrapers.registry import RegistryError, load_registry

    config = province = None
    if args.portal:
        try:
            registry = load_registry()
        except RegistryError as exc:
            raise SettingsError(f"the sources registry is not valid: {exc}") from None
        if args.portal not in registry.ids():
            raise SettingsError(f"no portal {args.portal!r} in the registry (known: {', '.join(registry.ids())})")
        portal = registry.get(args.portal)
        config, province = portal.parse_config, portal.province
    try:
        if args.file.stat().st_size > MAX_PAGE_BYTES:
            raise SettingsError(f"{args.file}: larger than {MAX_PAGE_BYTES // 2**20} MB, not a page")
        body = args.file.read_bytes()
        if body[:2] == b"\x1f\x8b":  # a page saved gzip-compressed
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as packed:
                body = packed.read(MAX_PAGE_BYTES + 1)
            if len(body) > MAX_PAGE_BYTES:
                raise SettingsError(f"{args.file}: larger than {MAX_PAGE_BYTES // 2**20} MB unpacked, not a page")
    except (OSError, ValueError, EOFError) as exc:
        raise SettingsError(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}") from None
    url = args.url or args.file.resolve().as_uri()
    parsed = parse_page(body, url, config, province)
    _print_json(parsed.to_contract(), indent=2)
    return 0


def _print_json(value, **kw) -> None:
    try:
        print(json.dumps(value, ensure_ascii=False, default=str, **kw))
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has gone, nothing to report
        sys.stdout = open(os.devnull, "w")


def _cmd_sources(args) -> int:
    """Probe sources (robots.txt, sitemap, feed, one listing page, one article) and say what to configure."""
    from scrapers.fetch import Fetcher
    from scrapers.probe import probe_source
    from scrapers.registry import RegistryError, load_registry
    from vnict.pipeline import load_sources
    from vnict.services import start_mirror

    settings = load_settings()
    try:
        registry = load_registry()
    except RegistryError as exc:
        raise SettingsError(f"the sources registry is not valid: {exc}") from None
    unknown = [i for i in args.ids if i not in registry.ids()]
    if unknown:
        raise SettingsError(f"no portal {', '.join(map(repr, unknown))} in the registry")
    mirror = settings.sources_mode == "mirror"
    if mirror:
        start_mirror(settings)
        registry = load_sources(settings)
    if args.ids:
        portals = [registry.get(i) for i in args.ids]
        unserved = [p.id for p in portals if mirror and not p.mirror]
        if unserved:
            raise SettingsError(f"{', '.join(unserved)}: not served by the portal mirror; "
                                "probe live sites with VNICT_SOURCES=live")
    else:
        portals = [p for p in registry if p.enabled and (p.mirror or not mirror)]
    reports = []
    with Fetcher(allow_private=mirror) as fetcher:
        for portal in portals:
            report = probe_source(portal, fetcher)
            reports.append(report)
            if not args.json:
                _print_source_report(report)
    if args.json:
        _print_json([r.to_json() for r in reports])
    return 0 if all(r.usable for r in reports) else 1


def _print_source_report(report) -> None:
    marks = {True: "ok  ", False: "FAIL", None: "--  "}
    lines = [f"{report.portal_id}  {report.base_url}  ({'usable' if report.usable else 'NOT usable as configured'})"]
    for probe in report.probes:
        lines.append(f"  {marks[probe.ok]} {probe.name:<8} {probe.detail}")
        if probe.advice:
            lines.append(f"       {'':<8} -> {probe.advice}")
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")


def _cmd_run(args) -> int:
    """The main job: one nightly run end to end through Airflow's scheduler, on the embedded default
    (`--debug`: in-process with `airflow dags test`, Airflow's output on the terminal)."""
    from vnict.pipeline import prepare_warehouse, warehouse_summary
    from vnict.services import airflow, mirror_pid, start_mirror, stop_mirror

    settings = load_settings()
    _check_before_airflow(args)
    dsn = prepare_warehouse(settings)
    started_mirror = False
    if settings.sources_mode == "mirror":
        running = mirror_pid(settings)
        start_mirror(settings)  # reuses a mirror of this checkout, restarts one of an older one
        started_mirror = mirror_pid(settings) != running
    conf = {"since": args.since, "until": args.until}
    try:
        from vnict.dbt_tasks import ensure_dbt_manifest

        ensure_dbt_manifest(settings)
        if not args.debug:
            from vnict.nightly_run import print_report, run_nightly

            run = run_nightly(settings, dsn, conf, args.logical_date)
            print_report(run, dsn, settings)
            return 0 if run.state == "success" else 1
        airflow(settings, "db", "migrate", capture=True)
        logical_date = args.logical_date or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        result = airflow(settings, "dags", "test", "provincial_ict_nightly", logical_date,
                         "--conf", json.dumps(conf), check=False)
    finally:
        if started_mirror:
            stop_mirror(settings)
    summary = warehouse_summary(dsn)
    print("\nRun summary")
    for key, value in summary.items():
        print(f"  {key:32} {value if value is not None else '-'}")
    print(f"\nWarehouse: psql \"$(.venv/bin/vnict dsn)\"")
    if result.returncode != 0:
        print("the nightly DAG run failed; see the Airflow log above", file=sys.stderr)
        return 1
    return 0


def _cmd_ui(args) -> int:
    """Airflow's api-server, scheduler and dag-processor on the project's configuration, until Ctrl-C."""
    from vnict.airflow_ui import serve

    return serve(load_settings(), port=args.port)


def _cmd_reprocess(args) -> int:
    """Parse and extract stored pages again (no fetching), then rebuild the marts, through Airflow."""
    from vnict.dbt_tasks import ensure_dbt_manifest
    from vnict.pipeline import prepare_warehouse
    from vnict.services import airflow

    settings = load_settings()
    _check_before_airflow(args)
    prepare_warehouse(settings)
    ensure_dbt_manifest(settings)
    airflow(settings, "db", "migrate", capture=True)
    conf = {"since": args.since, "until": args.until, "by": args.by, "portal_id": args.portal}
    result = airflow(settings, "dags", "test", "provincial_ict_reprocess", "--conf", json.dumps(conf), check=False)
    if result.returncode == 0:
        result = airflow(settings, "dags", "test", "provincial_ict_marts", check=False)
    if result.returncode != 0:
        print("reprocessing failed; see the Airflow log above", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vnict", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("dsn", help="print the warehouse's libpq URI (starts the embedded warehouse)")
    p.add_argument("--no-start", action="store_true", help="do not start the embedded warehouse")
    p.set_defaults(func=_cmd_dsn)

    p = sub.add_parser("db", help="start, stop or show the embedded warehouse")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=_cmd_db)

    p = sub.add_parser("migrate", help="apply the DDL of sql/ to the warehouse")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("mirror", help="start, stop or show the local portal mirror")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--faults", type=Path, help="a fault plan (YAML) for the mirror")
    p.set_defaults(func=_cmd_mirror)

    p = sub.add_parser("extract", help="read indicator figures from text files (see --help)", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("parse", help="parse one saved article page and print it as JSON (title, date, lead, body, flags)")
    p.add_argument("file", type=Path, help="the saved page (any charset; gzip-compressed too)")
    p.add_argument("--url", default=None, help="the page's URL (default: the file's file:// URI)")
    p.add_argument("--portal", default=None, help="parse with this registry portal's selectors (default: generic)")
    p.set_defaults(func=_cmd_parse)

    p = sub.add_parser("sources", help="probe sources: robots.txt, sitemap, feed, a listing page, an article")
    p.add_argument("action", choices=["check"])
    p.add_argument("ids", nargs="*", help="portal ids (default: every enabled portal of this mode)")
    p.add_argument("--json", action="store_true", help="print the reports as one JSON array")
    p.set_defaults(func=_cmd_sources)

    p = sub.add_parser("run", help="run the nightly DAG once, end to end, through Airflow")
    p.add_argument("--since", type=_day, default=HISTORY_START, help="start of the data interval (default %(default)s)")
    p.add_argument("--until", type=_day, default=None, help="end of the data interval (default: now)")
    p.add_argument("--logical-date", default=None, help="the DAG run's logical date (default: now)")
    p.add_argument("--debug", action="store_true",
                   help="run in-process with `airflow dags test` (tasks one after another, output on the terminal)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("ui", help="start Airflow (api-server, scheduler, dag-processor) and print its address and login")
    p.add_argument("--port", type=int, default=None, help="api-server port (default $VNICT_AIRFLOW_PORT or 8080)")
    p.set_defaults(func=_cmd_ui)

    p = sub.add_parser("reprocess", help="parse and extract stored pages again for a date range, then rebuild the marts")
    p.add_argument("--since", type=_day, default=None, help="first day, YYYY-MM-DD (default: no bound)")
    p.add_argument("--until", type=_day, default=None, help="day after the last, YYYY-MM-DD (default: no bound)")
    p.add_argument("--by", choices=["published", "fetched"], default="published",
                   help="which date the range applies to (default %(default)s)")
    p.add_argument("--portal", default=None, help="only this portal id")
    p.set_defaults(func=_cmd_reprocess)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["extract"]:  # the extraction contract owns its own arguments
        from extraction.cli import run_cli

        return run_cli(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from vnict.services import ServiceError
    from warehouse.embedded import WarehouseError

    try:
        return args.func(args)
    except (WarehouseError, SettingsError, ServiceError) as exc:
        print(f"vnict: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so in one line; -v shows where
        log.debug("unexpected error", exc_info=True)
        print(f"vnict: internal error: {type(exc).__name__}: {exc} (run `vnict -v ...` for the traceback)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
