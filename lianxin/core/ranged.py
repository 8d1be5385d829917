"""A stored file answered whole or in one byte range (RFC 9110 §14), so a phone's video player can seek.

Django's FileResponse always sends the whole file; a <video> element asks for `Range: bytes=N-`
as the viewer seeks and expects 206 Partial Content. One range per request is served: a
request for several ranges gets the whole file (200), which the RFC allows and players never
ask for. A range that starts past the end gets 416 with the size; one that is not understood
is ignored (200), as the RFC says. If-Range with a validator other than this file's ETag or
Last-Modified also gets the whole file (it changed since the player's first piece).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

CHUNK_BYTES = 64 * 1024
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_UNSATISFIABLE = (-1, -1)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return (first, last) byte of a one-range `Range` header for a file of size bytes.

    None: no range to serve (absent, several ranges, or not understood: send the whole file);
    (-1, -1): unsatisfiable (answer 416).
    """
    match = _RANGE_RE.match(header.replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            return _UNSATISFIABLE
        return max(0, size - count), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        return _UNSATISFIABLE
    return start, size - 1 if last == "" else min(int(last), size - 1)


async def _chunks(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    """The bytes asked for, read CHUNK_BYTES at a time off the event loop.

    An async iterator, because under ASGI Django reads a sync one into a list before sending the
    first byte: a phone opening a 200 MB video would have held all of it in the web process.
    """
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        await asyncio.to_thread(handle.seek, start)
        left = length
        while left > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


def _hand_back_the_connection() -> None:
    """A video can stream for minutes: give this request's database connection back to the pool first.

    Django returns it only when the answer is done. Nothing after the view needs it for a file
    (a later query opens one again). Inside a transaction (tests, ATOMIC blocks) it is kept.
    """
    if not connection.in_atomic_block:
        connection.close()


def ranged_file_response(
    request: HttpRequest, *, path: Path, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """Answer GET or HEAD for the file at path: 200 whole, 206 one range, or 416; raises OSError if it is gone."""
    stat = path.stat()
    size = stat.st_size
    etag = f'"{size:x}-{stat.st_mtime_ns:x}"'
    last_modified = http_date(stat.st_mtime)
    wanted = None
    header = request.headers.get("Range", "")
    if header:
        if_range = request.headers.get("If-Range", "")
        if not if_range or if_range in (etag, last_modified):
            wanted = parse_range(header, size)
    response: HttpResponse | StreamingHttpResponse
    if wanted == _UNSATISFIABLE:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        first, last = wanted if wanted is not None else (0, size - 1)
        length = last - first + 1 if size else 0
        if request.method == "HEAD":
            response = HttpResponse(status=206 if wanted else 200)
        else:
            response = StreamingHttpResponse(_chunks(path, first, length), status=206 if wanted else 200)
            _hand_back_the_connection()
        response["Content-Length"] = str(length)
        if wanted is not None:
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Type"] = content_type if wanted != _UNSATISFIABLE else "text/plain"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    return response
