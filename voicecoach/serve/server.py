"""The HTTP server (aiohttp): read-only, behind the token, and only the published session files.

No part of a URL is ever joined to a file path: a session is looked up by its slug in the index,
and a file by its name in the fixed list `SESSION_FILES`; the file found must be a regular file
(no symbolic link) whose real path lies in the sessions folder. aiohttp's FileResponse streams
it with sendfile (memory stays flat however many listen) and answers byte ranges (206, 416),
HEAD, ETag / Last-Modified conditions (304, 412), and If-Range by date or (`SessionFileResponse`)
by ETag. A request without the right token, for anything else, or with another method, gets 404.
Request lines, headers and bodies are bounded, and so is the number of open connections; a request
that breaks those bounds (or is no HTTP) gets 400 and no log line (`QuietBadRequests`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import logging
import os
import re
import signal
import socket
import stat
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_exceptions import HttpProcessingError

from voicecoach.serve import cover, feed, page
from voicecoach.serve.errors import BadAddressError, PortInUseError, ServeError
from voicecoach.serve.publish import INDEX, SESSION_FILES, Published, read_index

MIME = {".mp3": "audio/mpeg", ".m4b": "audio/mp4", ".png": "image/png", ".json": "application/json"}
_FOLDER = re.compile(r"[a-z0-9][a-z0-9-]{0,100}")
#: Limits on what a client may send and hold (a phone sends small GETs; nothing needs more).
LIMITS: dict[str, Any] = {
    "max_line_size": 4096,
    "max_field_size": 4096,
    "max_headers": 64,
    "keepalive_timeout": 30.0,
    "lingering_time": 1.0,
}  # how long an unread request body is drained after the answer
MAX_BODY = 1024
MAX_CONNECTIONS = 64
BACKLOG = 64
TOKEN = web.AppKey("token", str)
SITE = web.AppKey("site", feed.FeedSite)
FEED_COVER = web.AppKey("feed_cover", bytes)


class QuietBadRequests(logging.Filter):
    """A malformed request (a line or header over the limit, a header without a colon, no HTTP at
    all) is the client's mistake, answered 400 by aiohttp; it logs each at ERROR with a traceback
    whose message quotes the start of the request line, token and all. Such a record becomes one
    DEBUG line naming the client and the kind of error; a failure of a handler (a 500) is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= exc.code < 500:
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg, record.args = "bad request from %s: %d %s", (remote, exc.code, type(exc).__name__)
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
            record.exc_info, record.exc_text = None, None
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


#: aiohttp's request log for this server: a child of `aiohttp.server` (whoever configures aiohttp's
#: logging sees it), quiet about malformed requests.
HTTP_LOG = logging.getLogger("aiohttp.server.voicecoach")
HTTP_LOG.addFilter(QuietBadRequests())


class Catalog:
    """The published sessions by slug, read again from the index whenever the index file changes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))
        self._seen: tuple[int, int, int] | None = None
        self._items: dict[str, Published] = {}
        self._lock = threading.Lock()

    def items(self) -> dict[str, Published]:
        """slug -> session, in page order."""
        try:
            st = os.stat(self.root / INDEX)
            seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            seen = None
        with self._lock:
            if seen != self._seen:
                self._items = {i.slug: i for i in read_index(self.root) if _FOLDER.fullmatch(i.folder)}
                self._seen = seen
            return self._items

    def file(self, slug: str, name: str) -> Path | None:
        """The published file `name` of session `slug`, or None (anything unsafe is None too)."""
        item = self.items().get(slug)
        if item is None or name not in SESSION_FILES or name not in item.files:
            return None
        folder = self.root / item.folder
        path = folder / name
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode) or not stat.S_ISREG(os.lstat(path).st_mode):
                return None  # a symbolic link (or anything but a plain file) is never followed
        except OSError:
            return None
        if os.path.realpath(path) != str(path):
            return None
        return path


CATALOG = web.AppKey("catalog", Catalog)


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """404 unless the first path segment is the token (compared in constant time)."""
    given = request.match_info.get("token", "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), request.app[TOKEN].encode("ascii")):
        raise web.HTTPNotFound()
    response = await handler(request)
    return response


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = "voicecoach"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in every URL
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")


async def page_view(request: web.Request) -> web.Response:
    items = list(request.app[CATALOG].items().values())
    return web.Response(
        text=page.page_html(items),
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": page.csp()},
    )


async def bare_token(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"/{request.app[TOKEN]}/")


async def feed_view(request: web.Request) -> web.Response:
    items = list(request.app[CATALOG].items().values())
    return web.Response(
        body=feed.feed_xml(items, request.app[SITE]), content_type="application/rss+xml", charset="utf-8"
    )


async def feed_cover(request: web.Request) -> web.Response:
    return web.Response(body=request.app[FEED_COVER], content_type="image/png")


def _stale_if_range(request: web.BaseRequest, path: Path) -> bool:
    """Whether the request resumes a download with an If-Range ETag that is not the file's now.

    If-Range compares strongly (RFC 9110 13.1.5): a weak ETag never matches, so it is stale too.
    """
    given = request.headers.get(hdrs.IF_RANGE, "").strip()
    if not given.startswith(('"', 'W/"')):
        return False  # absent, or a date: aiohttp compares that itself
    try:
        st = os.stat(path)
    except OSError:
        return False  # gone: FileResponse answers 404
    return given != f'"{st.st_mtime_ns:x}-{st.st_size:x}"'  # the ETag FileResponse sends


class SessionFileResponse(web.FileResponse):
    """A published session file: aiohttp's FileResponse, with If-Range read as an ETag too.

    aiohttp reads If-Range only as a date; with an ETag it would send part of a re-exported file to
    a client holding the start of the old one. A range request whose If-Range ETag is stale gets the
    whole new file instead: `prepare` hands FileResponse the request without its Range header. It
    is done here, in the one `prepare` aiohttp calls after the handler returns, and not by the
    handler preparing the response itself: aiohttp then prepares it again with the original request,
    which re-reads the Range and fails ("Cannot change the response status code after the headers
    have been sent") whatever the first answer was (200, HEAD, 304, 412).
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path, headers={hdrs.CONTENT_TYPE: MIME.get(path.suffix, "application/octet-stream")})
        self.session_path = path

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if hdrs.RANGE in request.headers and _stale_if_range(request, self.session_path):
            headers = request.headers.copy()
            del headers[hdrs.RANGE]
            request = request.clone(headers=headers)
        return await super().prepare(request)


async def session_file(request: web.Request) -> web.StreamResponse:
    path = request.app[CATALOG].file(request.match_info["slug"], request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return SessionFileResponse(path)


def make_app(root: Path, token: str, base_url: str) -> web.Application:
    """The application: the page, the feed and its cover, and the session files, all under /TOKEN/."""
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    app[TOKEN] = token
    app[CATALOG] = Catalog(root)
    app[SITE] = feed.FeedSite(base_url)
    app[FEED_COVER] = cover.cover_png(feed.FEED_TITLE, "stretch · breathe · rest")
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/{token}", bare_token)
    app.router.add_get("/{token}/", page_view)
    app.router.add_get("/{token}/feed.xml", feed_view)
    app.router.add_get("/{token}/cover.png", feed_cover)
    app.router.add_get("/{token}/{slug}/{name}", session_file)
    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one); typed errors for the usual failures."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise BadAddressError(
            f"--host {host}: no such address (use this machine's address, or 127.0.0.1)"
        ) from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl-C
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(port) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise BadAddressError(
                f"--host {host} is not an address of this machine "
                "(leave --host out for the local network, or use 127.0.0.1)"
            ) from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"port {port} needs special rights here; use a port above 1023") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


class _Refuse(asyncio.Protocol):
    """What a connection over the limit gets: 503 and the door closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a stream server's connections are
        transport.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        transport.close()


class LimitedSite(web.SockSite):
    """A site on a ready socket that keeps at most `max_connections` connections open."""

    def __init__(
        self, runner: web.AppRunner, sock: socket.socket, max_connections: int = MAX_CONNECTIONS
    ) -> None:
        super().__init__(runner, sock, backlog=BACKLOG)
        self._max = max_connections

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None

        def factory() -> asyncio.Protocol:
            return _Refuse() if len(server.connections) >= self._max else server()

        self._server = await asyncio.get_running_loop().create_server(
            factory, sock=self._sock, backlog=BACKLOG
        )


async def start_runner(app: web.Application, sock: socket.socket, max_connections: int) -> web.AppRunner:
    """Start serving `app` on the bound `sock` in the running loop; the runner's `cleanup()` stops it."""
    runner = web.AppRunner(
        app, access_log=None, logger=HTTP_LOG, handle_signals=False, shutdown_timeout=2.0, **LIMITS
    )
    await runner.setup()
    await LimitedSite(runner, sock, max_connections).start()
    return runner


def serve_forever(app: web.Application, sock: socket.socket, max_connections: int = MAX_CONNECTIONS) -> None:
    """Serve until Ctrl-C or SIGTERM, then close every connection and return."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
            if sig is not None:
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, stop.set)
        runner = await start_runner(app, sock, max_connections)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):  # where signal handlers cannot be set (Windows)
        asyncio.run(main())
