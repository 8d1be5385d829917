"""Reading ledgers: bad rows with line numbers, time zones, yuan, duplicates, balances, AMLSim."""

import numpy as np
import polars as pl
import pytest

from lianxin.engines.fundtrace import Ledger, LedgerError
from lianxin.engines.fundtrace.ingest import read_transfers
from lianxin.engines.fundtrace.mules import average_precision
from tests.shared_data import SHARED_DATA

from .helpers import STATION_OFFSET

AMLSIM = SHARED_DATA / "aml" / "amlsim_fanin200"
HEADER = "txn_id,from_account,to_account,amount,timestamp\n"


def _csv(tmp_path, body, name="l.csv", header=HEADER):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_bad_rows_are_reported_with_line_numbers_and_counts(tmp_path):
    path = _csv(
        tmp_path,
        "\n".join(
            [
                "T1,A,B,100.50,2026-03-01T10:00:00+08:00",  # line 2 ok
                "T2,A,B,abc,2026-03-01T10:00:00+08:00",  # 3 unparsable amount
                "T3,A,B,-5,2026-03-01T10:00:00+08:00",  # 4 negative amount
                "T4,,B,5,2026-03-01T10:00:00+08:00",  # 5 missing account
                "T5,A,B,5,yesterday",  # 6 unparsable time
                "T6,A,B,5,2026-03-01T10:00:00",  # 7 time without zone: never guessed
                "T7,A,B,5.123,2026-03-01T10:00:00+08:00",  # 8 three decimals: unparsable
                "T1,A,B,100.50,2026-03-01T10:00:00+08:00",  # 9 identical repeat of T1
                "T8,A,C,1,1772330400",  # 10 epoch seconds ok
                "T9,A,C,1,2026-03-01T10:00:00+08:00",  # 11 conflicting dup
                "T9,A,C,2,2026-03-01T10:00:00+08:00",  # 12 conflicting dup
            ]
        )
        + "\n",
    )
    df, problems = read_transfers(path)
    assert sorted(df["txn_id"].to_list()) == ["T1", "T8"]
    assert df.filter(pl.col("txn_id") == "T1")["amount_fen"].item() == 10_050
    assert problems.lines == {
        "unparsable amount": [3, 8],
        "negative amount": [4],
        "missing account": [5],
        "unparsable time": [6],
        "time without zone": [7],
        "duplicate txn_id (conflicting rows, all left out)": [11, 12],
        "duplicate txn_id (identical repeat, one kept)": [9],
    }
    assert problems.total == 9
    ledger = Ledger.open(path, utc_offset_minutes=STATION_OFFSET)
    assert ledger.meta["problems"]["counts"]["unparsable amount"] == 2


def test_time_zones_name_the_same_instant(tmp_path):
    path = _csv(
        tmp_path,
        "\n".join(
            [
                "T1,A,B,1,2026-03-01T10:00:00+08:00",
                "T2,A,B,1,2026-03-01T02:00:00Z",
                "T3,A,B,1,2026-03-01 02:00:00+00:00",
                "T4,A,B,1,1772330400",
                "T5,A,B,1,2026-02-28T21:00:00-05:00",
            ]
        )
        + "\n",
    )
    df, problems = read_transfers(path)
    assert problems.total == 0
    assert set(df["ts"].to_list()) == {1_772_330_400}


def test_parquet_with_fen_and_typed_times(tmp_path):
    path = tmp_path / "l.parquet"
    pl.DataFrame(
        {
            "txn_id": ["a", "b"],
            "from_account": ["X", "Y"],
            "to_account": ["Y", "Z"],
            "amount_fen": [100, -1],
            "timestamp": [1_772_330_400, 1_772_330_460],
        }
    ).write_parquet(path)
    df, problems = read_transfers(path)
    assert df["txn_id"].to_list() == ["a"]
    assert problems.unit == "row" and problems.lines == {"negative amount": [2]}


def test_missing_column_and_file_are_clear_errors(tmp_path):
    with pytest.raises(LedgerError, match="missing column"):
        read_transfers(_csv(tmp_path, "T1,A,B,1\n", header="txn_id,from_account,to_account,amount\n"))
    with pytest.raises(LedgerError, match="no such file"):
        Ledger.open(tmp_path / "nope.csv", utc_offset_minutes=STATION_OFFSET)


def test_opening_balances_file_feeds_the_clean_lot(tmp_path):
    ledger_path = _csv(
        tmp_path, "T1,VICTIM,M1,49000,2026-03-01T10:00:00+08:00\nT2,M1,M2,30000,2026-03-01T10:20:00+08:00\n"
    )
    balances = tmp_path / "b.csv"
    balances.write_text("account,balance,as_of\nM1,1000.00,2026-03-01T00:00:00+08:00\n", encoding="utf-8")
    result = Ledger.open(ledger_path, balances=balances, utc_offset_minutes=STATION_OFFSET).trace(
        ["T1"], min_amount_fen=0
    )
    edge = next(e for e in result.edges if e["txn_id"] == "T2")
    assert edge["attributed_fen"]["fifo"] == 2_900_000


def test_index_round_trip_gives_the_same_trace(tmp_path):
    path = _csv(
        tmp_path,
        "T0,S,M1,1000,2026-03-01T08:00:00+08:00\nT1,V,M1,49000,2026-03-01T10:00:00+08:00\n"
        "T2,M1,M2,30000,2026-03-01T10:20:00+08:00\n",
    )
    built = Ledger.open(path, utc_offset_minutes=STATION_OFFSET)
    built.save(tmp_path / "ix")
    loaded = Ledger.open(tmp_path / "ix", utc_offset_minutes=STATION_OFFSET)
    a, b = (led.trace(["T1"], min_amount_fen=0).to_dict() for led in (built, loaded))
    a.pop("elapsed_ms"), b.pop("elapsed_ms")
    assert a == b
    assert isinstance(loaded.src.base, np.memmap) or not loaded.src.flags.owndata


def test_amlsim_reader_and_mule_average_precision():
    if not (AMLSIM / "transactions.csv").exists():
        pytest.skip("shared AMLSim data not present")
    ledger = Ledger.open(AMLSIM, utc_offset_minutes=STATION_OFFSET)
    assert ledger.n_transfers == 118_250 and ledger.n_accounts <= 20_000
    assert ledger.meta["problems"]["total"] == 0
    assert 900 <= int((ledger.label == 1).sum()) <= 954
    ap = average_precision(ledger.mule["score"], ledger.label)
    base = float((ledger.label == 1).mean())
    assert ap > 3 * base  # well above a random ranking


def test_a_gbk_export_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER.rstrip("\n") + ",from_name\nT1,A,B,1,1772330400,张三\n").encode("gbk"))
    with pytest.raises(LedgerError, match="iconv -f GBK"):
        read_transfers(path)
