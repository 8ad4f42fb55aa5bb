"""The mirror's HTTP side: one threaded server per site, fault injection, conditional GET, request log."""
from __future__ import annotations

import hashlib
import json
import logging
import socket
import ssl
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from portal_mirror.articles import Article, MirrorArticle, SiteContent
from portal_mirror.config import CERT_DIR, SiteDef
from portal_mirror.content import FAULT_KINDS, catalog, load_config, site_contents
from portal_mirror.faults import Decision, FaultDecider, FaultPlan
from portal_mirror.layouts import get_layout
from portal_mirror.layouts.base import (
    STATIC_LAST_MODIFIED, MethodNotAllowed, NotFound, Request, Response, encode_body, esc,
)

log = logging.getLogger(__name__)

BIG_PAGE_BYTES = 20 * 1024 * 1024
SERVER_HEADERS = {
    "liferay": {"Server": "Apache-Coyote/1.1", "Liferay-Portal": "Liferay Portal Community Edition 6.2 CE GA6"},
    "aspnet": {"Server": "Microsoft-IIS/10.0", "X-AspNet-Version": "4.0.30319", "X-Powered-By": "ASP.NET"},
    "sharepoint": {"Server": "Microsoft-IIS/7.5", "MicrosoftSharePointTeamServices": "14.0.0.7015",
                   "X-Powered-By": "ASP.NET"},
    "nukeviet": {"Server": "nginx", "X-Powered-By": "PHP/7.4.33"},
    "legacy": {"Server": "Apache/2.2.15 (CentOS)", "X-Powered-By": "PHP/5.3.3"},
}


def _http_date(d: datetime) -> str:
    return format_datetime(d.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def _error_page(status: int, text: str) -> Response:
    body = (f"<html><head><title>{status} {esc(text)}</title></head><body><h1>{esc(text)}</h1>"
            f"<p>The server encountered an error ({status}).</p></body></html>")
    return Response(status=status, body=body, charset="utf-8")


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address, mirror: "MirrorServer", site: SiteDef, tls: ssl.SSLContext | None):
        self.mirror = mirror
        self.site = site
        super().__init__(address, _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        log.debug("connection error on %s from %s", self.site.id, client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60                    # idle keep-alive connections do not hold a thread forever
    server: _SiteHTTPServer

    def setup(self):
        super().setup()
        # headers and body go out in separate writes; without this, Nagle + delayed ACK add 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, format, *args):    # noqa: A002 - the stdlib's signature
        log.debug("%s %s", self.server.site.id, format % args)

    def version_string(self) -> str:
        return SERVER_HEADERS.get(self.server.site.layout, {}).get("Server", "Apache")

    def do_GET(self):
        self._serve()

    def do_HEAD(self):
        self._serve()

    def do_POST(self):
        self._serve()

    # -- one request --------------------------------------------------------------------------
    def _serve(self) -> None:
        mirror, site = self.server.mirror, self.server.site
        started = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        decision = mirror._decider.decide(site.id, self.command, self.path)
        entry = {"site_id": site.id, "method": self.command, "path": self.path, "status": None,
                 "fault": decision.label, "bytes": 0,
                 "user_agent": self.headers.get("User-Agent", "")}
        recorded = False

        def record(status: int | None, nbytes: int) -> None:
            """Log the request before the client can see the answer, so a client that has read
            its response always finds it in the log."""
            nonlocal recorded
            if not recorded:
                recorded = True
                entry["status"], entry["bytes"] = status, nbytes
                entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
                mirror._record(entry)

        try:
            if decision.failure in ("reset", "timeout"):
                record(None, 0)
                self._drop(decision.failure, mirror)
                return
            if decision.failure in ("500", "503"):
                resp = _error_page(int(decision.failure), "Internal Server Error"
                                   if decision.failure == "500" else "Service Unavailable")
                if decision.failure == "503":
                    resp.headers["Retry-After"] = "1"
            else:
                resp = mirror._route(site, self.command, self.path, body, dict(self.headers.items()))
            self._send(resp, site, decision, mirror, record)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout, OSError) as exc:
            log.debug("client went away on %s %s: %s", site.id, self.path, exc)
            self.close_connection = True
        except Exception:
            log.exception("mirror failed serving %s %s", site.id, self.path)
            self.close_connection = True
        finally:
            record(entry["status"], entry["bytes"])

    def _drop(self, kind: str, mirror: "MirrorServer") -> None:
        if kind == "timeout":
            mirror._stopping.wait(mirror._decider.plan.hang_seconds)
        else:
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _send(self, resp: Response, site: SiteDef, decision: Decision, mirror: "MirrorServer", record) -> None:
        headers = dict(SERVER_HEADERS.get(site.layout, {}))
        headers.pop("Server", None)
        if resp.stream is not None:
            payload = None
            length = resp.stream_length
            etag_src = (resp.etag_seed or self.path).encode()
        else:
            if isinstance(resp.body, bytes):
                payload = resp.body
            else:
                charset = resp.charset or site.charset
                payload = encode_body(resp.body, charset)
            length = len(payload)
            etag_src = payload
        ctype = resp.content_type
        if resp.stream is None and not isinstance(resp.body, bytes):
            charset = resp.charset or site.charset
            # a legacy charset is declared only in the page's <meta> tag, as those sites do
            if charset.lower() == "utf-8" or resp.charset is not None:
                ctype = f"{ctype}; charset={charset}"
        headers["Content-Type"] = ctype
        status = resp.status
        if status == 200:
            etag = '"' + hashlib.sha1(etag_src).hexdigest()[:24] + '"'
            last_modified = (resp.last_modified or STATIC_LAST_MODIFIED).replace(microsecond=0)
            headers["ETag"] = etag
            headers["Last-Modified"] = _http_date(last_modified)
            headers["Cache-Control"] = "private, max-age=0"
            if self.command in ("GET", "HEAD") and self._not_modified(etag, last_modified):
                status, payload, length, resp = 304, b"", 0, Response(status=304)
                for key in ("Content-Type",):
                    headers.pop(key, None)
        headers.update(resp.headers)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(length))
        bodyless = self.command == "HEAD" or status == 304
        truncated = decision.truncated and not bodyless
        if truncated:
            self.send_header("Connection", "close")
        record(status, 0 if bodyless else (max(1, length // 2) if truncated else length))
        self.end_headers()
        if bodyless:
            return
        if resp.stream is not None:
            sent = 0
            for chunk in resp.stream():
                chunk = chunk[: length - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
                if sent >= length:
                    break
            return
        if truncated:
            self.wfile.write(payload[: max(1, length // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        if decision.slow:
            parts = 10
            step = max(1, -(-len(payload) // parts))
            pause = mirror._decider.plan.slow_seconds / parts
            for i in range(0, len(payload), step):
                if i and mirror._stopping.wait(pause):
                    break
                self.wfile.write(payload[i:i + step])
                self.wfile.flush()
            return
        self.wfile.write(payload)

    def _not_modified(self, etag: str, last_modified: datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip() for t in inm.split(",")}
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=timezone.utc)
            return last_modified <= since
        return False


def _big_page_stream(site: SiteDef, article: Article):
    head = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{esc(article.title)}</title></head>"
            f"<body><h1>{esc(article.title)}</h1><div class=\"content\">").encode()
    row = ("<p>Phụ lục: bảng số liệu chi tiết theo từng xã, phường, thị trấn; số liệu đang được cập nhật. "
           "</p>\n").encode()
    chunk = row * (65536 // len(row) + 1)

    def gen():
        yield head
        while True:
            yield chunk
    return gen


@dataclass
class _SiteState:
    site: SiteDef
    port: int
    server: _SiteHTTPServer | None = None
    thread: threading.Thread | None = None


class MirrorServer:
    """The running mirror: every site of the table on its own port of `host`."""

    def __init__(self, host: str = "127.0.0.1", base_port: int = 0, log_path: str | Path | None = None,
                 faults: FaultPlan | None = None, per_site: int | None = None, sites_file: str | None = None,
                 site_ids: list[str] | None = None, log_capacity: int | None = None):
        self.host = host
        self.base_port = int(base_port)
        self.log_path = Path(log_path) if log_path else None
        self.per_site = per_site
        self.sites_file = sites_file
        self._config = load_config(sites_file)
        unknown = set(site_ids or ()) - {s.id for s in self._config.sites}
        if unknown:
            raise KeyError(f"unknown mirror sites {sorted(unknown)}")
        self._site_ids = set(site_ids) if site_ids else None
        self._contents: dict[str, SiteContent] = site_contents(per_site, sites_file)
        self._decider = FaultDecider(faults or FaultPlan())
        self._stopping = threading.Event()
        self._log: deque[dict] = deque(maxlen=log_capacity)   # in memory; the file keeps everything
        self._log_lock = threading.Lock()
        self._log_file = None
        self._states: dict[str, _SiteState] = {}
        self._tls: ssl.SSLContext | None = None
        self._lifecycle = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "MirrorServer":
        with self._lifecycle:
            if self._states:
                raise RuntimeError("mirror already started")
            self._stopping.clear()
            if self.log_path:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                self._log_file = open(self.log_path, "a", encoding="utf-8")
            try:
                for site in self._config.sites:
                    if self._site_ids is not None and site.id not in self._site_ids:
                        continue
                    port = self.base_port + site.index if self.base_port else 0
                    state = _SiteState(site=site, port=port)
                    self._states[site.id] = state
                    if site.id not in self._decider.plan.down_sites:
                        self._listen(state)
                    elif not port:
                        state.port = self._free_port()
            except Exception:
                self._shutdown_all()
                raise
        log.info("portal mirror listening: %s", self.sites)
        return self

    def stop(self) -> None:
        with self._lifecycle:
            self._shutdown_all()

    def __enter__(self) -> "MirrorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _shutdown_all(self) -> None:
        self._stopping.set()
        for state in self._states.values():
            self._close(state)
        self._states.clear()
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def _free_port(self) -> int:
        with socket.socket() as s:
            s.bind((self.host, 0))
            return s.getsockname()[1]

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(CERT_DIR / "leaf.pem", CERT_DIR / "leaf.key")   # leaf only: chain incomplete
            self._tls = ctx
        return self._tls

    def _listen(self, state: _SiteState) -> None:
        tls = self._tls_context() if state.site.tls else None
        server = _SiteHTTPServer((self.host, state.port), self, state.site, tls)
        state.port = server.server_address[1]
        state.server = server
        state.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"mirror-{state.site.id}", daemon=True)
        state.thread.start()

    @staticmethod
    def _close(state: _SiteState) -> None:
        if state.server is not None:
            state.server.shutdown()
            state.server.server_close()
            state.server = None
            state.thread = None

    # -- public API ---------------------------------------------------------------------------
    @property
    def sites(self) -> dict[str, str]:
        return {sid: self.base_url(sid) for sid in self._states}

    def base_url(self, site_id: str) -> str:
        state = self._states.get(site_id)
        if state is None:
            raise KeyError(f"site {site_id!r} is not served (started? known: {list(self._states)})")
        scheme = "https" if state.site.tls else "http"
        return f"{scheme}://{self.host}:{state.port}"

    def set_faults(self, plan: FaultPlan) -> None:
        """Swap the fault plan at runtime; sites entering `down_sites` stop listening, leaving it resume."""
        with self._lifecycle:
            old_down = self._decider.plan.down_sites
            self._decider = FaultDecider(plan)
            for sid, state in self._states.items():
                if sid in plan.down_sites and sid not in old_down:
                    self._close(state)
                elif sid not in plan.down_sites and state.server is None:
                    self._listen(state)

    def requests(self) -> list[dict]:
        with self._log_lock:
            return [dict(e) for e in self._log]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def catalog(self) -> list[MirrorArticle]:
        """Articles of the served sites, with their URLs."""
        sites = self.sites
        return [a for a in catalog(self.per_site, base_urls=sites, sites_file=self.sites_file)
                if a.site_id in sites]

    def fixed_faults(self) -> list[dict]:
        out = []
        for sid, content in self._contents.items():
            if self._site_ids is not None and sid not in self._site_ids:
                continue
            for a in content.articles:
                if a.fault in FAULT_KINDS:
                    base = self.base_url(sid) if sid in self._states else ""
                    out.append({"site_id": sid, "kind": a.fault, "url_path": a.url_path,
                                "url": base + a.url_path if base else None, "published": a.published})
        return out

    # -- internals used by the handler -----------------------------------------------------------
    def _record(self, entry: dict) -> None:
        entry = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), **entry}
        with self._log_lock:
            self._log.append(entry)
            if self._log_file:
                self._log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self._log_file.flush()

    def _route(self, site: SiteDef, method: str, raw_path: str, body: bytes, headers: dict) -> Response:
        path, _, query = raw_path.partition("?")
        content = self._contents[site.id]
        layout = get_layout(site.layout)
        req = Request(method=method, path=path, query_string=query, body=body,
                      headers={k.lower(): v for k, v in headers.items()},
                      base_url=self.base_url(site.id), content=content)
        try:
            if path == "/robots.txt":
                return Response(body=layout.robots(site, req.base_url), content_type="text/plain",
                                charset="utf-8")
            article = content.by_path.get(path)
            if article is not None and method in ("GET", "HEAD"):
                if article.fault == "big_page":
                    return Response(stream=_big_page_stream(site, article), stream_length=BIG_PAGE_BYTES,
                                    content_type="text/html; charset=utf-8",
                                    etag_seed=f"{site.id}{path}", last_modified=article.published)
                if article.fault == "redirect_loop":
                    target = path if "r=" in query else f"{path}?r=1"
                    return Response(status=301, headers={"Location": req.base_url + target},
                                    body="<html><body>Moved Permanently</body></html>")
                return layout.render_article(req, article)
            return layout.handle(req)
        except NotFound:
            return _error_page(404, "Không tìm thấy trang yêu cầu")
        except MethodNotAllowed as exc:
            return Response(status=405, body="Method Not Allowed", content_type="text/plain",
                            headers={"Allow": exc.allow} if exc.allow else {})
