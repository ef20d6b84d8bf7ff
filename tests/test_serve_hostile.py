"""Hostile requests: every path that is not a published file under the token is refused, and the
server opens nothing outside the sessions folder while refusing them (watched with an audit hook)."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time

import pytest
from aiohttp import web
from serve_support import (
    MALFORMED,
    TOKEN,
    ServerLog,
    Site,
    base_url,
    publish_tiny,
    raw_request,
    running_in_thread,
    serving,
)

from voicecoach.serve import server

SECRET = b"voicecoach-secret-outside-the-sessions-folder"
_opened: list[str] = []
_watching = threading.Event()


def _audit(event: str, args: tuple) -> None:
    if (
        _watching.is_set()
        and event in ("open", "os.listdir", "os.scandir")
        and args
        and isinstance(args[0], (str, bytes, os.PathLike))
    ):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # hooks cannot be removed: this one records only while _watching is set


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    root, items = publish_tiny(base)
    (base / "secret.txt").write_bytes(SECRET)
    (root / "secret.txt").write_bytes(SECRET)  # inside the folder, but no session's file
    folder = root / items[0].folder
    os.symlink(base / "secret.txt", folder / "link.mp3")
    with serving(root, items) as site:
        yield site, base


T = TOKEN
HOSTILE_TARGETS = [
    "/",
    "/feed.xml",
    "/tiny/session.mp3",  # no token
    "/wrongtoken/",
    f"/{T[:-1]}/",
    f"/{T}x/",
    f"/{T.upper()}/",  # a wrong token
    f"/{T}/../secret.txt",
    f"/{T}/tiny/../../secret.txt",
    "/../secret.txt",  # dot segments
    f"/{T}/%2e%2e/secret.txt",
    f"/{T}/tiny/%2e%2e/%2e%2e/secret.txt",
    f"/{T}/%2E%2E%2Fsecret.txt",
    f"/{T}/tiny/..%2f..%2fsecret.txt",
    f"/{T}/tiny/%2e%2e%5c%2e%2e%5csecret.txt",
    f"/{T}/tiny\\..\\..\\secret.txt",
    f"/{T}/..\\secret.txt",  # backslashes
    f"/{T}/tiny/session.mp3%00.png",
    f"/{T}/tiny%00/session.mp3",
    f"/{T}/%00",  # null bytes
    "/etc/passwd",
    f"/{T}//etc/passwd",
    f"/{T}/tiny//etc/passwd",
    "//etc/passwd",  # absolute paths
    f"/{T}/secret.txt",
    f"/{T}/index.json",
    f"/{T}/tiny/index.json",  # not a session's file
    f"/{T}/tiny/link.mp3",
    f"/{T}/tiny/meta.json",
    f"/{T}/tiny/",
    f"/{T}/tiny",
    f"/{T}/sessions/tiny/session.mp3",
    f"/{T}/tiny/session.mp3/..",
    f"/{T}/tiny/./session.mp3/x",
    f"/{T}/{'a' * 3000}",
    "/" + "%2e%2e/" * 500,  # long, under the line limit
]


def test_the_corpus_is_refused_and_nothing_outside_is_opened(hostile_site):
    site, _base = hostile_site
    site.request("GET", "")  # warm up: every lazy import done before watching
    site.request("GET", "feed.xml")
    site.request("GET", "tiny/session.mp3", {"Range": "bytes=0-1"})
    assert len(HOSTILE_TARGETS) >= 20
    _opened.clear()
    _watching.set()
    try:
        answers = {
            target: raw_request(
                site.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1")
            )
            for target in HOSTILE_TARGETS
        }
        time.sleep(0.2)
        refused_opened = list(_opened)
        assert site.request("GET", "tiny/cover.png")[0] == 200  # the watch sees what a good request opens
        time.sleep(0.2)
    finally:
        _watching.clear()
    assert str(site.file("tiny", "cover.png")) in _opened[len(refused_opened) :]
    for target, (status, answer) in answers.items():
        assert status == 404, (target, answer[:200])
        assert SECRET not in answer and b"root:" not in answer, target
    outside = [
        p for p in refused_opened if not os.path.realpath(p).startswith(str(site.root.resolve()) + os.sep)
    ]
    assert outside == []


def test_a_symlink_out_of_the_sessions_folder_is_not_followed(hostile_site):
    site, base = hostile_site
    folder = site.file("tiny", "cover.png").parent
    target = folder / "chapters.json"
    original = target.read_bytes()
    target.unlink()
    os.symlink(base / "secret.txt", target)  # a published name, now pointing outside
    try:
        status, _, body = site.request("GET", "tiny/chapters.json")
        assert status == 404 and SECRET not in body
    finally:
        target.unlink()
        target.write_bytes(original)
    assert site.request("GET", "tiny/chapters.json")[0] == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # a request line over the limit
        b"GET /x HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 5000 + b"\r\n\r\n",  # a header over the limit
        b"GET /" + T.encode() + b"/\x00 HTTP/1.1\r\nHost: x\r\n\r\n",  # a raw null byte
        b"GET " + T.encode() + b"/ HTTP/1.1\r\nHost: x\r\n\r\n",  # not a path at all
        b"GET /x HTTP/1.1\r\n"
        + b"".join(b"H%d: v\r\n" % i for i in range(100))
        + b"\r\n",  # too many headers
    ],
)
def test_malformed_or_oversized_requests_are_refused(hostile_site, request_bytes):
    site, _ = hostile_site
    status, answer = raw_request(site.port, request_bytes)
    assert status in (400, 404, 414, 431) and SECRET not in answer


@pytest.mark.parametrize("what", MALFORMED)
def test_a_malformed_request_is_a_400_and_logs_nothing(hostile_site, what):
    site, _ = hostile_site
    seen = len(site.log.records)
    status, answer = raw_request(site.port, MALFORMED[what])
    assert status == 400, answer[:200]
    assert site.log.records[seen:] == [], site.log.text(site.log.records[seen:])
    assert site.request("GET", "")[0] == 200  # and the server goes on


def test_a_failing_handler_is_still_logged_and_fails_the_test(tmp_path):
    """The guard of these tests (`ServerLog`) still sees a real server error, a 500."""
    root, items = publish_tiny(tmp_path)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug in a handler")

    def make_app(port: int) -> web.Application:
        app = server.make_app(root, TOKEN, base_url("127.0.0.1", port, TOKEN))
        app.router.add_get("/{token}/broken", broken)
        return app

    log = ServerLog()
    logging.getLogger().addHandler(log)
    try:
        with running_in_thread(make_app) as running:
            site = Site(root.parent, root, running.port, items, log)
            with pytest.raises(AssertionError, match="a bug in a handler"):
                site.request("GET", "broken")
    finally:
        logging.getLogger().removeHandler(log)
    [record] = log.records
    assert record.levelname == "ERROR" and record.name.startswith("aiohttp.")
    assert "Traceback" in log.text([record])


def test_other_methods_and_bodies_are_refused(hostile_site):
    site, _ = hostile_site
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        assert site.request(method, "tiny/session.mp3")[0] == 404, method
    status, _ = raw_request(
        site.port,
        f"POST /{T}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10000000\r\n\r\n".encode()
        + b"z" * 65536,
    )
    assert status in (404, 413)


def test_connections_over_the_limit_are_turned_away(tmp_path):
    root, items = publish_tiny(tmp_path)
    with serving(root, items, max_connections=3) as site:
        held = [socket.create_connection(("127.0.0.1", site.port), timeout=10) for _ in range(3)]
        try:
            time.sleep(0.3)
            status, _ = raw_request(site.port, f"GET /{T}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert status == 503
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.3)
        assert site.request("GET", "")[0] == 200  # room again once they are gone
