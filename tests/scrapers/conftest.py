"""Tiny local HTTP servers for fetcher tests: a route table, a request log with timestamps."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"<html><body>ok</body></html>"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


Route = Callable[["Handler"], "Reply | None"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _serve(self) -> None:
        server: LocalServer = self.server.owner  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        server.log.append({"ts": time.monotonic(), "method": self.command, "path": self.path,
                           "headers": dict(self.headers)})
        route = server.routes.get(self.path.split("?")[0]) or server.routes.get("*")
        reply = route(self) if callable(route) else route
        if reply is None:  # the route wrote the response itself (or dropped the connection)
            return
        self.send_response(reply.status)
        headers = dict(reply.headers)
        headers.setdefault("Content-Length", str(len(reply.body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_HEAD = _serve


class LocalServer:
    def __init__(self, routes: dict | None = None):
        self.routes: dict = {"/robots.txt": Reply(404, b"", {})}
        self.routes.update(routes or {})
        self.log: list[dict] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def paths(self, method: str | None = None) -> list[str]:
        return [r["path"] for r in self.log if method is None or r["method"] == method]

    def start(self) -> "LocalServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def make_server():
    servers: list[LocalServer] = []

    def make(routes: dict | None = None) -> LocalServer:
        s = LocalServer(routes).start()
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()
