"""Shared parts of the serve tests: a tiny routine, the serve toolkit wired as the command wires it,
a published sessions folder, and the server running in a thread on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from voicecoach.serve import publish, server
from voicecoach.serve.errors import ServeError
from voicecoach.serve.run import SESSIONS_DIR, base_url

TINY_ROUTINE = """format: 1
title: Tiny Serve Test
summary: A tiny routine for the serve tests.
tags: [test, hips]
defaults:
  rest: 1s
  transition: 1s
steps:
  - talk: Sit comfortably.
  - stretch: Knee Hug
    setup: Hug your {side} knee.
    hold: 4s
    sides: both
  - breathe: 2-2
    cycles: 1
"""
ESPEAK = ("--engine", "espeak", "--no-intro")


def write_tiny(folder: Path, name: str = "tiny.yaml", text: str = TINY_ROUTINE) -> Path:
    """The tiny routine as a file in `folder`."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


TOKEN = "t" * 8 + "0123456789abcdefghijklmnopqrstuv"


def toolkit(**options):
    """The toolkit exactly as `voicecoach serve` wires it (espeak, no intro: fast)."""
    from voicecoach import app

    return app.serve_toolkit(app.SessionOptions(**{"engine": "espeak", "intro": False, **options}))


@contextlib.contextmanager
def private_env(base: Path) -> Iterator[None]:
    """Cache, data and config folders under `base` (for fixtures wider than one test)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("CACHE", "DATA", "CONFIG"):
            mp.setenv(f"VOICECOACH_{name}_DIR", str(base / name.lower()))
        yield


class ServerLog(logging.Handler):
    """What aiohttp and asyncio log at ERROR or worse while a test server runs.

    aiohttp answers the client first and logs a failure after ("Unhandled exception", "Error
    handling request"): the status a client sees cannot show it, this log does.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.partition(".")[0] in ("aiohttp", "asyncio"):
            self.records.append(record)

    def text(self, records: list[logging.LogRecord]) -> str:
        return "\n".join(self.format(r) for r in records)


@dataclass(frozen=True)
class Site:
    """A published sessions folder served on 127.0.0.1."""

    data: Path
    root: Path
    port: int
    items: list
    log: ServerLog

    @property
    def base(self) -> str:
        return f"/{TOKEN}/"

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{self.base}{path}"

    def file(self, slug: str, name: str) -> Path:
        item = next(i for i in self.items if i.slug == slug)
        return self.root / item.folder / name

    def request(
        self, method: str, path: str, headers: dict | None = None, full: bool = False
    ) -> tuple[int, dict, bytes]:
        """(status, headers lower-cased, body) of one request; `path` is below the token unless `full`.

        Fails if the server logged an error while handling it: before returning, a second request on
        the same kept-alive connection waits until the server is done with the first (aiohttp
        handles one connection's requests in turn, and closes it only after logging a failure).
        """
        seen = len(self.log.records)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path if full else self.base + path, headers=headers or {})
            resp = conn.getresponse()
            answer = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
            if not resp.will_close:
                with contextlib.suppress(http.client.HTTPException, OSError):  # closed after a failure
                    conn.request("HEAD", self.base + "cover.png")
                    conn.getresponse().read()
        finally:
            conn.close()
        errors = self.log.records[seen:]
        assert not errors, f"the server logged errors for {method} {path} {headers}:\n" + self.log.text(
            errors
        )
        return answer


def raw_request(port: int, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client tidying them up); (status, whole answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            chunks.append(data)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0, answer


#: Requests aiohttp cannot parse, each carrying the token: 400, and nothing of them in any log.
MALFORMED = {
    "a request line over the limit": b"GET /"
    + TOKEN.encode()
    + b"/"
    + b"a" * 5000
    + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "a header over the limit": b"GET /"
    + TOKEN.encode()
    + b"/ HTTP/1.1\r\nHost: x\r\nX-Long: "
    + b"b" * 5000
    + b"\r\n\r\n",
    "a header line without a colon": b"GET /"
    + TOKEN.encode()
    + b"/ HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
    "no HTTP at all": b"GARBAGE\r\n\r\n",
    "too many headers": b"GET /"
    + TOKEN.encode()
    + b"/ HTTP/1.1\r\n"
    + b"".join(b"H%d: v\r\n" % i for i in range(100))
    + b"\r\n",
}


def publish_tiny(base: Path, routines: tuple[str, ...] = ()) -> tuple[Path, list]:
    """Publish the tiny routine (and `routines`) into base/data/sessions; (sessions folder, items)."""
    routine = write_tiny(base)
    data = base / "data"
    with private_env(base):
        publisher = publish.Publisher(data / SESSIONS_DIR, toolkit())
        items = publish.publish_all(publisher, [str(routine), *routines])
    return data / SESSIONS_DIR, items


@dataclass
class BackgroundServer:
    """The server in a thread of its own: `port`, then `stop()`."""

    port: int
    stop: Callable[[], None]


@contextlib.contextmanager
def running_in_thread(
    make_app: Callable[[int], web.Application],
    host: str = "127.0.0.1",
    port: int = 0,
    max_connections: int = server.MAX_CONNECTIONS,
) -> Iterator[BackgroundServer]:
    """Run the app `make_app(port)` returns on host:port (0: a free port) in a thread while inside."""
    sock = server.bind(host, port)
    app = make_app(sock.getsockname()[1])
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, web.AppRunner] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["runner"] = loop.run_until_complete(server.start_runner(app, sock, max_connections))
        started.set()
        loop.run_forever()
        loop.run_until_complete(holder["runner"].cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="voicecoach-serve", daemon=True)
    thread.start()
    if not started.wait(30):
        raise ServeError("the server did not start within 30 s")

    def stop() -> None:
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    try:
        yield BackgroundServer(sock.getsockname()[1], stop)
    finally:
        stop()


@contextlib.contextmanager
def serving(root: Path, items: list, max_connections: int = server.MAX_CONNECTIONS) -> Iterator[Site]:
    """The real server on 127.0.0.1, a free port, in a thread."""
    log = ServerLog()
    logging.getLogger().addHandler(log)
    try:
        with running_in_thread(
            lambda port: server.make_app(root, TOKEN, base_url("127.0.0.1", port, TOKEN)),
            max_connections=max_connections,
        ) as running:
            yield Site(root.parent, root, running.port, items, log)
    finally:
        logging.getLogger().removeHandler(log)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The tiny routine published and served, for a whole test module."""
    root, items = publish_tiny(tmp_path_factory.mktemp("serve"))
    with serving(root, items) as running:
        yield running
