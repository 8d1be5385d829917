"""The station's UTC offset: checked once, used for local days, night-time and shown times.

Times inside the engine are epoch seconds (UTC). The station's offset is fixed minutes east
of UTC (China has no DST, so Asia/Shanghai is +480 all year); callers pass it: the CLI has a
`--utc-offset` option, an app passes its station's offset from its settings.
"""

from __future__ import annotations

import functools
import time

from .ingest import LedgerError

SECONDS_PER_MINUTE = 60
MAX_UTC_OFFSET_MINUTES = 14 * 60  # offsets in use run from UTC-12:00 to UTC+14:00


def check_utc_offset(minutes: int) -> int:
    """Return `minutes` (east of UTC) as an int; raise LedgerError when out of range."""
    if isinstance(minutes, bool) or int(minutes) != minutes:
        raise LedgerError(f"UTC offset must be whole minutes, not {minutes!r}")
    if abs(int(minutes)) > MAX_UTC_OFFSET_MINUTES:
        raise LedgerError(f"UTC offset {minutes} minutes is outside -14:00..+14:00")
    return int(minutes)


def offset_label(minutes: int) -> str:
    """Format minutes east of UTC as ISO 8601 `+08:00` / `-05:30` / `+00:00`."""
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


@functools.lru_cache(maxsize=1 << 14)
def iso(ts: int, utc_offset_minutes: int) -> str:
    """Format epoch seconds as ISO 8601 in the station's offset, e.g. `2026-03-01T12:00:00+08:00`.

    Converts the given value; reads no clock.
    """
    local = time.gmtime(int(ts) + utc_offset_minutes * SECONDS_PER_MINUTE)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + offset_label(utc_offset_minutes)
