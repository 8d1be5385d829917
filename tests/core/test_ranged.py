"""One byte range of a stored file (lianxin.core.ranged): what RFC 9110 says for each kind of Range header."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from lianxin.core.ranged import parse_range, ranged_file_response

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("bytes=0-0", (0, 0)),
        ("bytes=0-", (0, 999)),
        ("bytes=100-199", (100, 199)),
        ("bytes=900-5000", (900, 999)),  # a last byte past the end is cut to the end
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=1000-", (-1, -1)),  # starts past the end: 416
        ("bytes=-0", (-1, -1)),
        ("bytes=200-100", None),  # not a valid range: the whole file
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
        ("bytes=-", None),
        ("bytes=abc", None),
    ],
)
def test_parse_range(header, wanted):
    assert parse_range(header, SIZE) == wanted


def test_head_gives_the_headers_of_the_range_without_a_body(tmp_path):
    path = tmp_path / "v.mp4"
    path.write_bytes(bytes(range(256)) * 4)
    request = RequestFactory().head("/v", headers={"Range": "bytes=1-10"})
    answer = ranged_file_response(request, path=path, content_type="video/mp4")
    assert (answer.status_code, answer["Content-Length"], answer["Content-Range"]) == (206, "10", "bytes 1-10/1024")
    assert answer.content == b""
    # If-Range naming this very file keeps the range.
    again = RequestFactory().get("/v", headers={"Range": "bytes=1-2", "If-Range": answer["ETag"]})
    kept = ranged_file_response(again, path=path, content_type="video/mp4")
    assert kept.status_code == 206 and b"".join(kept) == bytes([1, 2])
