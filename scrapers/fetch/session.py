"""HTTP sessions, pooled: worker threads that come and go reuse connections. Redirects and retries
are the fetcher's, never requests' own."""
from __future__ import annotations

import queue
from contextlib import contextmanager
from typing import Iterator

import requests
from requests.adapters import HTTPAdapter


class SessionPool:
    def __init__(self, user_agent: str):
        self.user_agent = user_agent
        self._idle: queue.SimpleQueue[requests.Session] = queue.SimpleQueue()
        self._closed = False

    def _new(self) -> requests.Session:
        session = requests.Session()
        session.headers["User-Agent"] = self.user_agent
        session.headers["Accept-Encoding"] = "gzip, deflate"
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=16, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    @contextmanager
    def borrow(self) -> Iterator[requests.Session]:
        """A session for one request."""
        try:
            session = self._idle.get_nowait()
        except queue.Empty:
            session = self._new()
        try:
            yield session
        finally:
            if self._closed:
                session.close()
            else:
                self._idle.put(session)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        self._closed = False
