"""`voicecoach serve` as a person runs it: the real command in a subprocess, Ctrl-C, bad input."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import REPO, run_voicecoach
from serve_support import ESPEAK, MALFORMED, TOKEN, raw_request, write_tiny


def _start(*args: str, cwd) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "serve", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_urls(proc: subprocess.Popen, timeout: float = 120) -> list[str]:
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("feed: "):
            return lines
    raise AssertionError("no URLs printed: " + "".join(lines) + proc.stderr.read())


def _serve_once(tmp_path, *extra: str) -> tuple[list[str], str, int]:
    """Start, read what it prints, fetch the page, Ctrl-C; (lines, page URL, exit code)."""
    routine = write_tiny(tmp_path)
    proc = _start(str(routine), "--host", "127.0.0.1", "--port", "0", *ESPEAK, *extra, cwd=tmp_path)
    try:
        lines = _wait_for_urls(proc)
        page = next(line.split()[1] for line in lines if line.startswith("page: "))
        with urllib.request.urlopen(page, timeout=30) as resp:
            assert resp.status == 200 and b"Tiny Serve Test" in resp.read()
        proc.send_signal(signal.SIGINT)
        rest, errors = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "Traceback" not in errors, errors
    return lines + rest.splitlines(), page, proc.returncode


def test_serve_prints_urls_and_a_qr_code_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    lines, page, code = _serve_once(tmp_path)
    assert code == 0
    text = "".join(lines)
    assert re.search(r"^\[1/1\] tiny: exported in [\d.]+ s \(0:\d\d\)$", text, re.M)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{32,}/", page)
    assert f"feed: {page}feed.xml" in text
    assert sum("█" in line or "▀" in line for line in lines) >= 15  # the QR code's rows
    assert lines[-1].strip() == "stopped"
    again, second_page, _ = _serve_once(tmp_path)
    assert "tiny: up to date" in "".join(again)
    assert second_page.split("/")[3] == page.split("/")[3]  # the same token after a restart
    renewed, third_page, _ = _serve_once(tmp_path, "--new-token")
    assert third_page.split("/")[3] != page.split("/")[3]
    assert "tiny: up to date" in "".join(renewed)  # a new token needs no new export


def test_an_unknown_routine_is_exit_2_in_one_line(tmp_path):
    done = run_voicecoach("serve", "no-such-routine", "--host", "127.0.0.1", "--port", "0", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: no routine called 'no-such-routine'")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_exit_1_with_what_to_do(tmp_path):
    routine = write_tiny(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = run_voicecoach("serve", str(routine), "--host", "127.0.0.1", "--port", str(port), *ESPEAK)
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"error: port {port} is in use; try --port {port + 1} (or --port 0 for any free port)"
    )
    sessions = os.path.join(os.environ["VOICECOACH_DATA_DIR"], "sessions")
    assert not os.path.exists(sessions)  # nothing exported before the port was known to be free


def test_a_host_that_is_not_this_machine_is_exit_2(tmp_path):
    done = run_voicecoach("serve", "reclining-hip-release", "--host", "192.0.2.55", "--port", "0")
    assert done.returncode == 2 and "is not an address of this machine" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_names_the_options():
    done = run_voicecoach("serve", "--help")
    assert done.returncode == 0
    for option in ("--host", "--port", "--new-token", "--profile", "--engine"):
        assert option in done.stdout


def test_a_second_serve_on_the_same_sessions_folder_is_exit_1_and_leaves_the_first_serving(tmp_path):
    routine = write_tiny(tmp_path)
    first = _start(str(routine), "--host", "127.0.0.1", "--port", "0", *ESPEAK, cwd=tmp_path)
    try:
        page = next(line.split()[1] for line in _wait_for_urls(first) if line.startswith("page: "))
        second = run_voicecoach("serve", str(routine), "--host", "127.0.0.1", "--port", "0", *ESPEAK)
        assert second.returncode == 1, second.stderr
        sessions = os.path.join(os.environ["VOICECOACH_DATA_DIR"], "sessions")
        assert second.stderr.strip() == (
            f"error: another `voicecoach serve` (pid {first.pid}) is serving from {sessions}; "
            "stop it first, or give this one its own data folder with VOICECOACH_DATA_DIR"
        )
        with urllib.request.urlopen(page, timeout=30) as resp:
            assert resp.status == 200 and b"Tiny Serve Test" in resp.read()
    finally:
        first.kill()  # as a crash would: the lock goes with the process
        first.communicate(timeout=30)
    lines, _, code = _serve_once(tmp_path)
    assert code == 0 and "tiny: up to date" in "".join(lines)


def test_malformed_requests_get_400_and_serve_prints_nothing_of_them(tmp_path):
    """aiohttp logged each with a traceback quoting the request line, token and all, on stderr."""
    routine = write_tiny(tmp_path)
    proc = _start(str(routine), "--host", "127.0.0.1", "--port", "0", *ESPEAK, cwd=tmp_path)
    try:
        page = next(line.split()[1] for line in _wait_for_urls(proc) if line.startswith("page: "))
        port, access = int(page.split("/")[2].rpartition(":")[2]), page.split("/")[3]
        for what, request in MALFORMED.items():
            request = request.replace(TOKEN.encode(), access.encode())
            status, answer = raw_request(port, request)
            assert status == 400, (what, answer[:200])
        with urllib.request.urlopen(page, timeout=30) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in errors and "Error handling request" not in errors, errors
    for text in (access, "aaaa", "bbbb", "NoColon", "GARBAGE", "H99"):
        assert text not in errors, errors
    assert len(errors.splitlines()) <= len(MALFORMED), errors
