"""The `lianxin ledger|trace|mules` commands: outputs, exit codes, no half-written index."""

import json

import pytest

from lianxin.cli import main

CSV = """txn_id,from_account,to_account,amount,timestamp,from_name,to_name,channel
T0,SALARY,M1,1000,2026-03-01T08:00:00+08:00,公司,张三,网银
T1,VICTIM,M1,49000.00,2026-03-01T10:00:00+08:00,李四,张三,手机银行
T2,M1,M2,30000,2026-03-01T10:20:00+08:00,张三,王五,网银
T3,M1,M3,20000,2026-03-01T10:25:00+08:00,张三,赵六,网银
T4,M2,ATM001,10000,2026-03-01T11:00:00+08:00,王五,,ATM
BAD,M2,M3,ten,2026-03-01T11:00:00+08:00,王五,赵六,网银
"""


def _ledger(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_index_then_trace_json(tmp_path, capsys):
    path = _ledger(tmp_path)
    assert main(["ledger", "index", str(path), "-o", str(tmp_path / "ix")]) == 0
    err = capsys.readouterr().err
    assert "unparsable amount: 1 (lines 7)" in err
    assert (
        main(
            [
                "trace",
                "--ledger",
                str(tmp_path / "ix"),
                "--seed",
                "T1",
                "--min-amount",
                "0",
                "--as-of",
                "2026-03-01T12:00:00+08:00",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2026-03-01T12:00:00+08:00" and out["as_of_source"] == "given"
    held = {r["account"]: r["tainted_held_now_fen"]["fifo"] for r in out["accounts"]}
    assert held == {"M1": 0, "M2": 2_000_000, "M3": 2_000_000}  # M2 cashed 1,000 clean + 9,000 victim
    assert out["sinks"][0]["kind"] == "cash"
    assert out["accounts"][0]["holder_name"] in ("王五", "赵六")


def test_trace_text_output_and_policy_choice(tmp_path, capsys):
    path = _ledger(tmp_path)
    assert main(["trace", "--ledger", str(path), "--seed", "T1", "--policy", "lifo", "--min-amount", "0"]) == 0
    out = capsys.readouterr().out
    assert "注意：未给出 --as-of" in out
    assert "后进先出持有" in out and "先进先出持有" not in out


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    path = _ledger(tmp_path)
    assert main(["trace", "--ledger", str(path), "--seed", "NOPE"]) == 2
    assert "error: seed 'NOPE' is not a transfer" in capsys.readouterr().err
    assert main(["trace", "--ledger", str(path), "--seed", "T1", "--horizon", "soon"]) == 2
    assert "cannot read duration" in capsys.readouterr().err
    assert main(["trace", "--ledger", str(tmp_path / "missing.csv"), "--seed", "T1"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["trace", "--ledger", str(path)]) == 2
    assert "--seed" in capsys.readouterr().err


def test_index_refuses_to_clobber_a_non_index_directory(tmp_path, capsys):
    path = _ledger(tmp_path)
    other = tmp_path / "docs"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    assert main(["ledger", "index", str(path), "-o", str(other)]) == 2
    assert (other / "keep.txt").exists() and not (other / "meta.json").exists()


def test_mules_lists_accounts_with_reasons(tmp_path, capsys):
    path = _ledger(tmp_path)
    assert main(["mules", "--ledger", str(path), "--top", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["accounts"][0]["account"] == "M1"
    assert {r["code"] for r in out["accounts"][0]["reasons"]} >= {"pass_through"}


def test_earlier_stops_turn_a_third_stop_into_a_freeze(tmp_path, capsys):
    path = _ledger(tmp_path)
    assert (
        main(
            [
                "trace",
                "--ledger",
                str(path),
                "--seed",
                "T1",
                "--min-amount",
                "0",
                "--json",
                "--stopped",
                "M3",
                "--stopped",
                "M3",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    action = {r["account"]: r["recommended_action"] for r in out["accounts"]}
    assert action["M3"] == "冻结" and action["M2"] == "止付"


def test_trace_text_output_is_chinese_with_station_times(tmp_path, capsys):
    path = _ledger(tmp_path)
    args = ["trace", "--ledger", str(path), "--seed", "T1", "--min-amount", "0", "--as-of", "2026-03-01T12:00:00+08:00"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "截至 2026-03-01 12:00:00（UTC+08:00）" in out
    assert "止付（止付至 2026-03-03 12:00:00）" in out  # as_of + 48 h, in station time
    assert "资金流出 取现：ATM001，首笔 2026-03-01 11:00:00" in out
    assert "现可追回（元）：先进先出 40,000.00" in out
    for english in ("trace of", "recoverable", "sink ", "until", "note:"):
        assert english not in out
    assert main([*args, "--utc-offset", "+00:00"]) == 0
    out = capsys.readouterr().out
    assert "截至 2026-03-01 04:00:00（UTC+00:00）" in out and "止付至 2026-03-03 04:00:00" in out


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    assert main(["ledger", "generate", "-o", str(out), "--accounts", "2000", "--days", "8", "--flows", "9"]) == 0
    assert main(["ledger", "index", str(out / "ledger.parquet"), "-o", str(out / "index")]) == 0
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("where", ["index", "ledger.parquet"])
def test_seed_flow_n_traces_the_seeds_of_planted_flow_n(generated, capsys, where):
    out, truth = generated
    capsys.readouterr()
    flow = next(f for f in truth["flows"] if len(f["seeds"]) > 1)  # a flow with several victims
    assert main(["trace", "--ledger", str(out / where), "--seed", f"flow:{flow['flow_id']}", "--json"]) == 0
    traced = json.loads(capsys.readouterr().out)
    assert [s["txn_id"] for s in traced["seeds"]] == flow["seeds"]
    assert main(["trace", "--ledger", str(out / where), "--seed", "flow:99"]) == 2
    err = capsys.readouterr().err
    assert "no planted flow 99" in err and "(flows 0–8)" in err


def test_seed_flow_n_needs_a_truth_file(tmp_path, capsys):
    path = _ledger(tmp_path)
    assert main(["trace", "--ledger", str(path), "--seed", "flow:0"]) == 2
    err = capsys.readouterr().err
    assert "no truth.json next to" in err and "lianxin ledger generate" in err
