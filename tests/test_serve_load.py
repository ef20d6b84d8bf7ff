"""Load on loopback: 20 clients fetch byte ranges at once while another process re-exports the session
they are listening to. Every answer must be exactly the bytes of the file its ETag names (the old
export or the new one, never a mix or a half-written file), and the server's memory stays flat
(files are sent with sendfile, not read into memory). Bounded: at most 120 requests a client before
the re-export is done and 3 after it, 120 s."""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import random
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

from serve_support import TOKEN, publish_tiny, serving

from voicecoach.serve import publish

CLIENTS = 20
MAX_REQUESTS = 120
DEADLINE_S = 120.0
CHUNK = 64 * 1024

_REEXPORT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from serve_support import toolkit
from voicecoach.serve import publish
publish.Publisher(Path(sys.argv[2]), toolkit(rate=1.3)).publish(sys.argv[3], "tiny")
"""


def _etag(path: Path) -> str:
    st = path.stat()
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'


def _client(port: int, seed: int, done: threading.Event, answers: list, errors: list) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    path = f"/{TOKEN}/tiny/session.mp3"
    after_done = 0
    try:
        for n in itertools.count():
            if n == MAX_REQUESTS:  # the re-export is slower than the requests: wait for its files
                done.wait(DEADLINE_S)
            start = rng.randrange(0, 400_000)
            conn.request("GET", path, headers={"Range": f"bytes={start}-{start + rng.randrange(1, CHUNK)}"})
            resp = conn.getresponse()
            body = resp.read()  # kept only as its digest: memory traced is the server's, not the answers'
            answers.append(
                (
                    resp.status,
                    resp.getheader("ETag"),
                    resp.getheader("Content-Range"),
                    hashlib.sha256(body).digest(),
                    len(body),
                )
            )
            if done.is_set():
                after_done += 1
                if after_done >= 3:
                    break
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        conn.close()


def test_twenty_clients_get_exact_ranges_while_a_reexport_runs(tmp_path):
    routine = str(tmp_path / "tiny.yaml")
    root, items = publish_tiny(tmp_path)
    old_mp3 = root / items[0].folder / publish.MP3
    versions = {_etag(old_mp3): old_mp3.read_bytes()}
    env = dict(
        os.environ, **{f"VOICECOACH_{n}_DIR": str(tmp_path / n.lower()) for n in ("CACHE", "DATA", "CONFIG")}
    )
    with serving(root, items) as site:
        tracemalloc.start()
        base_memory = tracemalloc.get_traced_memory()[0]
        reexport = subprocess.Popen(
            [sys.executable, "-c", _REEXPORT, str(Path(__file__).parent), str(root), routine],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        done, answers, errors = threading.Event(), [], []
        clients = [
            threading.Thread(target=_client, args=(site.port, n, done, answers, errors))
            for n in range(CLIENTS)
        ]
        started = time.monotonic()
        for client in clients:
            client.start()
        _out, err = reexport.communicate(timeout=DEADLINE_S)
        done.set()
        for client in clients:
            client.join(DEADLINE_S - (time.monotonic() - started))
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] - base_memory
        tracemalloc.stop()
    assert reexport.returncode == 0, err
    assert errors == [] and not any(c.is_alive() for c in clients) and elapsed < DEADLINE_S
    [new] = publish.read_index(root)
    assert new.folder != items[0].folder
    new_mp3 = root / new.folder / publish.MP3
    versions[_etag(new_mp3)] = new_mp3.read_bytes()
    seen = set()
    for status, etag, content_range, digest, _ in answers:
        assert status == 206 and etag in versions, (status, etag)
        data = versions[etag]
        first, last, total = _parse_range(content_range)
        assert total == len(data) and digest == hashlib.sha256(data[first : last + 1]).digest()
        seen.add(etag)
    assert len(seen) == 2  # answers from the old export and from the new one
    assert CLIENTS * 4 <= len(answers) <= CLIENTS * (MAX_REQUESTS + 3)
    served = sum(a[4] for a in answers)
    print(
        f"load: {len(answers)} answers, {served / 2**20:.1f} MB, "
        f"traced peak {peak / 2**20:.2f} MB, {elapsed:.1f} s"
    )
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB traced while serving {served / 2**20:.1f} MB"


def _parse_range(header: str) -> tuple[int, int, int]:
    """`bytes 10-19/500` -> (10, 19, 500)."""
    span, total = header.removeprefix("bytes ").split("/")
    first, last = span.split("-")
    return int(first), int(last), int(total)
