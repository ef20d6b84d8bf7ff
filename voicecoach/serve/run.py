"""`voicecoach serve` from start to Ctrl-C: check, listen, publish, print the addresses, serve."""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.routine.durations import format_duration
from voicecoach.serve import netaddr, publish, server, token

if TYPE_CHECKING:
    from aiohttp import web

SESSIONS_DIR = "sessions"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServeRequest:
    """What the command asked for."""

    routines: tuple[str, ...]
    data_dir: Path
    host: str | None = None  # None: this machine's address on the local network
    port: int = DEFAULT_PORT
    new_token: bool = False
    max_connections: int = server.MAX_CONNECTIONS


@dataclass(frozen=True)
class Addresses:
    """Where the phone goes."""

    page_url: str
    feed_url: str
    port: int


def base_url(host: str, port: int, access_token: str) -> str:
    """`http://HOST:PORT/TOKEN/` (the page; everything else is relative to it)."""
    return f"http://{netaddr.url_host(host)}:{port}/{access_token}/"


def qr_text(url: str) -> str:
    """The URL as a QR code drawn with block characters, for the terminal."""
    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def progress_line(step: publish.Progress) -> str:
    """`[2/5] desk-reset: exported (4:12) in 3.1 s` or `... up to date (4:12)`."""
    what = f"exported in {step.seconds:.1f} s" if step.exported else "up to date"
    return f"[{step.index}/{step.total}] {step.slug}: {what} ({format_duration(step.item.duration_s)})"


def prepare_sessions(
    request: ServeRequest, toolkit: publish.Toolkit, echo: Callable[[str], None]
) -> list[publish.Published]:
    """Export what changed into the sessions folder, a progress line per session."""
    publisher = publish.Publisher(request.data_dir / SESSIONS_DIR, toolkit)
    return publish.publish_all(publisher, request.routines, lambda step: echo(progress_line(step)))


def check_routines(routines: Sequence[str], toolkit: publish.Toolkit) -> list[str]:
    """The routines to serve (the defaults when none are named), each loaded once to fail early."""
    names = list(routines) or toolkit.default_routines()
    for name in names:
        toolkit.load(name)
    return names


def run(request: ServeRequest, toolkit: publish.Toolkit, echo: Callable[[str], None]) -> Addresses:
    """Everything `voicecoach serve` does, in order: a bad routine or a busy port fails before any
    export; the URLs and QR code are printed once the sessions are ready; returns after Ctrl-C."""
    names = check_routines(request.routines, toolkit)
    host = request.host or netaddr.lan_address()
    sock = server.bind(host, request.port)
    with contextlib.ExitStack() as held:
        held.callback(sock.close)
        held.enter_context(publish.serving(request.data_dir / SESSIONS_DIR))
        addresses, app = _ready(request, names, host, sock, toolkit, echo)
        server.serve_forever(app, sock, request.max_connections)
    echo("stopped")
    return addresses


def _ready(
    request: ServeRequest,
    names: list[str],
    host: str,
    sock: socket.socket,
    toolkit: publish.Toolkit,
    echo: Callable[[str], None],
) -> tuple[Addresses, web.Application]:
    """Publish the sessions and print where they are: (the addresses, the app that serves them)."""
    access = token.load_or_create(request.data_dir, renew=request.new_token)
    items = prepare_sessions(ServeRequest(tuple(names), request.data_dir), toolkit, echo)
    port = sock.getsockname()[1]
    url = base_url(host, port, access)
    addresses = Addresses(url, url + "feed.xml", port)
    app = server.make_app(request.data_dir / SESSIONS_DIR, access, url)
    echo(f"serving {len(items)} session{'s' if len(items) != 1 else ''} on {host}:{port} (Ctrl-C stops)")
    echo(f"page: {addresses.page_url}")
    echo(f"feed: {addresses.feed_url}")
    echo("scan with the phone's camera (same network):\n" + qr_text(addresses.page_url))
    return addresses, app
