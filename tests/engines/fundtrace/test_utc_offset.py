"""The station's UTC offset moves local days and night-time and the zone times are shown in; nothing else."""

import json
import re
from datetime import datetime

import polars as pl
import pytest

from lianxin.cli import main
from lianxin.engines.fundtrace import Ledger, LedgerError
from lianxin.engines.fundtrace.generate import GeneratorConfig, generate_ledger

from .helpers import BASE_TS, STATION_OFFSET, ledger_of

UTC = 0
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
# minutes after BASE_TS (02:00 UTC): 02:00-02:25 UTC is night at UTC+0 and 10:00 at UTC+8;
# 18:40 UTC is 02:40 at UTC+8 (night) and day at UTC+0
ROWS = [
    ("T0", "SALARY", "M1", 100_000, 0),
    ("T1", "VICTIM", "M1", 4_900_000, 10),
    ("T2", "M1", "M2", 3_000_000, 20),
    ("T3", "M1", "M3", 2_000_000, 25),
    ("T4", "M2", "SHOP", 500_000, 600),
    ("T5", "M3", "SHOP", 400_000, 1000),
]
AS_OF = BASE_TS + 2 * 86_400


def _instants(value):
    """Replace every ISO time (also inside reason texts) by its epoch seconds, recursively."""
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str):
        return _ISO.sub(lambda m: str(int(datetime.fromisoformat(m.group()).timestamp())), value)
    return value


def _mule_free(trace: dict) -> dict:
    """The trace without what the mule scores decide (they read night-time) or the clock measures."""
    out = dict(trace, elapsed_ms=None, params=dict(trace["params"], utc_offset_minutes=None))
    out["accounts"] = {
        row["account"]: {k: v for k, v in row.items() if k not in ("mule_score", "reasons", "rank_score")}
        for row in trace["accounts"]
    }
    return out


def test_offset_changes_night_time_and_shown_times_and_nothing_else():
    east, utc = ledger_of(ROWS, utc_offset_minutes=STATION_OFFSET), ledger_of(ROWS, utc_offset_minutes=UTC)
    m1, shop = east.account_code("M1"), east.account_code("SHOP")
    # night-time is local: M1's transfers fall at night in UTC only, SHOP's last one in UTC+8 only
    assert utc.mule["night_share"][m1] == 1.0 and east.mule["night_share"][m1] == 0.0
    assert utc.mule["night_share"][shop] == 0.0 and east.mule["night_share"][shop] == 0.5
    for name in east.mule:
        if name not in ("night_share", "score"):
            assert (east.mule[name] == utc.mule[name]).all(), name
    a, b = (led.trace(["T1"], min_amount_fen=0, as_of=AS_OF).to_dict() for led in (east, utc))
    # times are shown in the station's offset ...
    assert a["as_of"] == "2026-03-03T10:00:00+08:00" and b["as_of"] == "2026-03-03T02:00:00+00:00"
    deadline = {r["account"]: r["stop_deadline"] for r in a["accounts"]}["M3"]
    assert deadline == "2026-03-05T10:00:00+08:00"  # a stop holds 48 h from as_of, shown in local time
    assert {r["account"]: r["stop_deadline"] for r in b["accounts"]}["M3"] == "2026-03-05T02:00:00+00:00"
    assert a["params"]["utc_offset_minutes"] == 480 and b["params"]["utc_offset_minutes"] == 0
    # ... but they are the same instants, and the money, actions and sinks are the same
    assert a != b
    assert _instants(_mule_free(a)) == _instants(_mule_free(b))


def test_offset_shifts_a_generated_ledger_by_the_difference_and_nothing_else(tmp_path):
    def make(minutes):
        cfg = GeneratorConfig(utc_offset_minutes=minutes, n_accounts=2_000, days=8, n_flows=9, seed=3)
        paths = generate_ledger(cfg, tmp_path / str(minutes))
        return pl.read_parquet(paths["ledger"]), json.loads(paths["truth"].read_text(encoding="utf-8"))

    (east, east_truth), (utc, utc_truth) = make(STATION_OFFSET), make(UTC)
    # local midnight of the first day is 8 h later in UTC than at UTC+8; every local hour too
    assert utc_truth["start_epoch"] - east_truth["start_epoch"] == 8 * 3600
    assert utc["timestamp"].to_list() == [t + 8 * 3600 for t in east["timestamp"].to_list()]
    assert utc.drop("timestamp").equals(east.drop("timestamp"))
    for truth in (east_truth, utc_truth):
        del truth["start_epoch"], truth["config"]["utc_offset_minutes"]
    assert east_truth == utc_truth


def test_an_offset_out_of_range_is_refused():
    with pytest.raises(LedgerError, match="outside"):
        ledger_of(ROWS, utc_offset_minutes=15 * 60)


CSV = "txn_id,from_account,to_account,amount,timestamp\n" + "".join(
    f"{txn},{a},{b},{fen // 100},{BASE_TS + 60 * minutes}\n" for txn, a, b, fen, minutes in ROWS
)


def _trace_json(capsys, *args) -> dict:
    code = main(["trace", *args, "--seed", "T1", "--min-amount", "0", "--json"])
    assert code == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_cli_offset_option_reads_and_shows_times_in_the_station_offset(tmp_path, capsys):
    path = tmp_path / "l.csv"
    path.write_text(CSV, encoding="utf-8")
    ledger = ["--ledger", str(path)]
    default = _trace_json(capsys, *ledger, "--as-of", "2026-03-03T10:00")  # no zone: station time, +08:00
    assert default["as_of"] == "2026-03-03T10:00:00+08:00" and default["params"]["utc_offset_minutes"] == 480
    west = _trace_json(capsys, *ledger, "--as-of", "2026-03-03T10:00", "--utc-offset=-05:30")
    assert west["as_of"] == "2026-03-03T10:00:00-05:30"
    zoned = _trace_json(capsys, *ledger, "--as-of", "2026-03-03T02:00:00Z", "--utc-offset", "+00:00")
    assert zoned["as_of"] == "2026-03-03T02:00:00+00:00"
    assert main(["trace", *ledger, "--seed", "T1", "--utc-offset", "+25:00"]) == 2
    assert "outside -14:00..+14:00" in capsys.readouterr().err
    assert main(["trace", *ledger, "--seed", "T1", "--utc-offset", "soon"]) == 2
    assert "cannot read UTC offset" in capsys.readouterr().err


def test_cli_refuses_an_index_built_for_another_offset(tmp_path, capsys):
    path = tmp_path / "l.csv"
    path.write_text(CSV, encoding="utf-8")
    assert main(["ledger", "index", str(path), "-o", str(tmp_path / "ix"), "--utc-offset", "+00:00"]) == 0
    capsys.readouterr()
    assert main(["trace", "--ledger", str(tmp_path / "ix"), "--seed", "T1"]) == 2
    assert "index built for UTC+00:00, not UTC+08:00" in capsys.readouterr().err
    assert Ledger.open(tmp_path / "ix", utc_offset_minutes=0).utc_offset_minutes == 0
