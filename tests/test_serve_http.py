"""The server over real HTTP on 127.0.0.1: byte ranges, HEAD, conditional requests, types, the page."""

from __future__ import annotations

import os
import re

from serve_support import TOKEN, site  # noqa: F401 (a fixture)

SLUG = "tiny"


def _mp3(site):  # noqa: F811
    return site.file(SLUG, "session.mp3").read_bytes()


def test_whole_file_with_length_type_and_validators(site):  # noqa: F811
    status, headers, body = site.request("GET", f"{SLUG}/session.mp3")
    assert status == 200 and body == _mp3(site)
    assert headers["content-type"] == "audio/mpeg"
    assert headers["accept-ranges"] == "bytes" and int(headers["content-length"]) == len(body)
    assert headers["etag"] and headers["last-modified"]


def test_first_bytes_middle_and_suffix_ranges(site):  # noqa: F811
    data = _mp3(site)
    size = len(data)
    for spec, start, end in (
        ("bytes=0-1", 0, 1),
        ("bytes=0-9999", 0, 9999),
        (f"bytes={size // 2}-{size // 2 + 4095}", size // 2, size // 2 + 4095),
        ("bytes=-500", size - 500, size - 1),
        (f"bytes={size - 10}-", size - 10, size - 1),
    ):
        status, headers, body = site.request("GET", f"{SLUG}/session.mp3", {"Range": spec})
        assert status == 206, spec
        assert headers["content-range"] == f"bytes {start}-{end}/{size}", spec
        assert body == data[start : end + 1], spec
        assert headers["content-type"] == "audio/mpeg"


def test_unsatisfiable_range_is_416_with_the_size(site):  # noqa: F811
    size = len(_mp3(site))
    status, headers, body = site.request("GET", f"{SLUG}/session.mp3", {"Range": f"bytes={size}-{size + 10}"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    assert len(body) < 200


def test_head_has_the_headers_and_no_body(site):  # noqa: F811
    status, headers, body = site.request("HEAD", f"{SLUG}/session.mp3")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(_mp3(site)) and headers["content-type"] == "audio/mpeg"


def test_etag_and_last_modified_give_304(site):  # noqa: F811
    _, headers, _ = site.request("GET", f"{SLUG}/session.mp3")
    status, again, body = site.request("GET", f"{SLUG}/session.mp3", {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    status, _, body = site.request(
        "GET", f"{SLUG}/session.mp3", {"If-Modified-Since": headers["last-modified"]}
    )
    assert status == 304 and body == b""
    status, _, body = site.request("GET", f"{SLUG}/session.mp3", {"If-None-Match": '"something-else"'})
    assert status == 200 and body == _mp3(site)


def test_if_range_with_a_stale_etag_gets_the_whole_file(site):  # noqa: F811
    """What a podcast app sends to resume a file re-exported since; the server logs no error for it."""
    status, headers, body = site.request(
        "GET", f"{SLUG}/session.mp3", {"Range": "bytes=0-9", "If-Range": '"old"'}
    )
    assert status == 200 and body == _mp3(site) and "content-range" not in headers


def test_a_resumed_download_of_a_changed_file_starts_again(site):  # noqa: F811
    path = site.file(SLUG, "session.mp3")
    _, first, _ = site.request("GET", f"{SLUG}/session.mp3", {"Range": "bytes=0-9"})
    before = path.stat()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))  # as a re-export would
    try:
        resume = {"Range": "bytes=10-19", "If-Range": first["etag"]}
        status, now, body = site.request("GET", f"{SLUG}/session.mp3", resume)
        assert status == 200 and body == _mp3(site) and now["etag"] != first["etag"]
        status, _, body = site.request("GET", f"{SLUG}/session.mp3", {**resume, "If-Range": now["etag"]})
        assert status == 206 and body == _mp3(site)[10:20]
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_if_range_compares_strongly_so_a_weak_etag_gets_the_whole_file(site):  # noqa: F811
    _, headers, _ = site.request("HEAD", f"{SLUG}/session.mp3")
    status, _, body = site.request(
        "GET", f"{SLUG}/session.mp3", {"Range": "bytes=0-9", "If-Range": "W/" + headers["etag"]}
    )
    assert status == 200 and body == _mp3(site)


def test_a_stale_if_range_without_a_range_is_a_plain_get(site):  # noqa: F811
    status, _, body = site.request("GET", f"{SLUG}/session.mp3", {"If-Range": '"old"'})
    assert status == 200 and body == _mp3(site)


def test_the_other_conditions_come_before_a_stale_if_range(site):  # noqa: F811
    """RFC 9110 13.2.2: If-Match / If-Unmodified-Since (412), then If-None-Match / If-Modified-Since
    (304), and only then the range; none of them makes the server log an error."""
    _, headers, _ = site.request("HEAD", f"{SLUG}/session.mp3")
    resume = {"Range": "bytes=0-9", "If-Range": '"old"'}
    for method in ("GET", "HEAD"):
        for extra, expected in (
            ({"If-None-Match": headers["etag"]}, 304),
            ({"If-Modified-Since": headers["last-modified"]}, 304),
            ({"If-Match": '"other"'}, 412),
            ({"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 412),
            ({"If-None-Match": '"other"'}, 200),
            ({"If-Match": headers["etag"]}, 200),
        ):
            status, _, body = site.request(method, f"{SLUG}/session.mp3", {**resume, **extra})
            assert status == expected, (method, extra)
            assert body == (_mp3(site) if expected == 200 and method == "GET" else b""), (method, extra)


def test_the_conditions_alone(site):  # noqa: F811
    _, headers, _ = site.request("HEAD", f"{SLUG}/session.mp3")
    for extra, expected in (
        ({"If-Match": '"other"'}, 412),
        ({"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 412),
        ({"If-Match": headers["etag"], "Range": "bytes=0-9"}, 206),
        ({"If-None-Match": headers["etag"], "Range": "bytes=0-9"}, 304),
        ({"If-Modified-Since": headers["last-modified"], "Range": "bytes=0-9"}, 304),
    ):
        status, _, _ = site.request("GET", f"{SLUG}/session.mp3", extra)
        assert status == expected, extra


def test_head_with_a_range_answers_as_get_would_without_the_body(site):  # noqa: F811
    size = len(_mp3(site))
    status, headers, body = site.request("HEAD", f"{SLUG}/session.mp3", {"Range": "bytes=0-9"})
    assert status == 206 and body == b""
    assert headers["content-range"] == f"bytes 0-9/{size}" and headers["content-length"] == "10"
    status, headers, body = site.request(
        "HEAD", f"{SLUG}/session.mp3", {"Range": "bytes=0-9", "If-Range": '"old"'}
    )
    assert status == 200 and body == b"" and "content-range" not in headers
    assert int(headers["content-length"]) == size


def test_every_session_file_has_its_type(site):  # noqa: F811
    expected = {
        "session.mp3": "audio/mpeg",
        "session.m4b": "audio/mp4",
        "cover.png": "image/png",
        "chapters.json": "application/json",
    }
    for name, mime in expected.items():
        status, headers, body = site.request("GET", f"{SLUG}/{name}")
        assert status == 200 and headers["content-type"].split(";")[0] == mime, name
        assert body == site.file(SLUG, name).read_bytes()
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"


def test_page_lists_the_session_with_relative_links_and_a_strict_policy(site):  # noqa: F811
    status, headers, body = site.request("GET", "")
    html = body.decode("utf-8")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert "Tiny Serve Test" in html and "A tiny routine for the serve tests." in html
    assert f'src="{SLUG}/session.mp3"' in html and f'href="{SLUG}/session.m4b"' in html
    assert re.findall(r"(?:src|href)=\"(https?:|//)", html) == []  # nothing from elsewhere
    assert "default-src 'none'" in headers["content-security-policy"]
    assert html.count('<li><button data-t="') == len(site.items[0].chapters) == 3
    assert "<svg" in html and html.count('class="hold"') == 2  # the knee hug, each side


def test_the_bare_token_redirects_to_the_page(site):  # noqa: F811
    status, headers, _ = site.request("GET", f"/{TOKEN}", full=True)
    assert status == 302 and headers["location"] == f"/{TOKEN}/"


def test_the_feed_cover_is_a_png(site):  # noqa: F811
    status, headers, body = site.request("GET", "cover.png")
    assert status == 200 and headers["content-type"] == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n"


def test_if_range_with_the_current_etag_gets_the_range(site):  # noqa: F811
    _, headers, _ = site.request("HEAD", f"{SLUG}/session.mp3")
    status, _, body = site.request(
        "GET", f"{SLUG}/session.mp3", {"Range": "bytes=0-9", "If-Range": headers["etag"]}
    )
    assert status == 206 and body == _mp3(site)[:10]
