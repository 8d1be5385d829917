"""Small ledgers built in memory for the fundtrace tests."""

from __future__ import annotations

import polars as pl

from lianxin.engines.fundtrace import Ledger

BASE_TS = 1_772_330_400  # 2026-03-01T10:00:00+08:00
STATION_OFFSET = 480  # minutes east of UTC: Asia/Shanghai, the demo station's zone


def ledger_of(
    rows: list[tuple],
    opening: dict[str, int] | None = None,
    channels: dict[str, str] | None = None,
    utc_offset_minutes: int = STATION_OFFSET,
) -> Ledger:
    """Build a ledger from (txn_id, from, to, amount_fen, minutes after BASE_TS) rows."""
    channels = channels or {}
    df = pl.DataFrame(
        {
            "txn_id": [r[0] for r in rows],
            "from_account": [r[1] for r in rows],
            "to_account": [r[2] for r in rows],
            "amount_fen": pl.Series([r[3] for r in rows], dtype=pl.Int64),
            "ts": pl.Series([BASE_TS + 60 * r[4] for r in rows], dtype=pl.Int64),
            "channel": pl.Series([channels.get(r[0]) for r in rows], dtype=pl.String),
        }
    )
    balances = None
    if opening:
        balances = pl.DataFrame(
            {
                "account": list(opening),
                "balance_fen": list(opening.values()),
                "as_of": [BASE_TS - 86_400] * len(opening),
            }
        )
    return Ledger.from_frame(df, utc_offset_minutes=utc_offset_minutes, opening=balances)


def hand_example(clean_as_opening: bool = False) -> Ledger:
    """1,000 clean + 49,000 victim credit, then 30,000 and 20,000 out (yuan)."""
    rows = [("T1", "VICTIM", "M1", 4_900_000, 10), ("T2", "M1", "M2", 3_000_000, 20), ("T3", "M1", "M3", 2_000_000, 25)]
    if clean_as_opening:
        return ledger_of(rows, opening={"M1": 100_000})
    return ledger_of([("T0", "SALARY", "M1", 100_000, 0), *rows])
