"""Hand-worked cases: one per policy, sinks, horizon, hubs, refund plan."""

import pytest

from lianxin.engines.fundtrace import ENGINE_VERSION, LedgerError

from .helpers import BASE_TS, hand_example, ledger_of

EXPECTED = {  # yuan out to M2 / M3 under each policy (issue 5's worked example)
    "fifo": (29_000, 20_000),
    "lifo": (30_000, 19_000),
    "haircut": (29_400, 19_600),
    "poison": (30_000, 20_000),
}


def _edge(result, txn):
    return next(e for e in result.edges if e["txn_id"] == txn)["attributed_fen"]


@pytest.mark.parametrize("policy", sorted(EXPECTED))
@pytest.mark.parametrize("clean_as_opening", [False, True])
def test_worked_example_per_policy(policy, clean_as_opening):
    result = hand_example(clean_as_opening).trace(["T1"], policy=policy, min_amount_fen=0)
    to_m2, to_m3 = EXPECTED[policy]
    assert _edge(result, "T2") == {policy: to_m2 * 100}
    assert _edge(result, "T3") == {policy: to_m3 * 100}
    held = {row["account"]: row["tainted_held_now_fen"][policy] for row in result.accounts}
    assert held["M1"] == 0
    assert held["M2"] + held["M3"] == result.recoverable_total_fen[policy] == (to_m2 + to_m3) * 100


def test_all_policies_side_by_side_and_contract_names():
    result = hand_example().trace(["T1"], min_amount_fen=0).to_dict()
    assert result["policies"] == ["fifo", "lifo", "haircut", "poison"]
    assert result["engine_version"] == ENGINE_VERSION
    row = next(r for r in result["accounts"] if r["account"] == "M2")
    for key in (
        "account",
        "holder_name",
        "bank",
        "level",
        "first_taint_at",
        "tainted_in_fen",
        "tainted_out_fen",
        "tainted_held_now_fen",
        "mule_score",
        "reasons",
        "recommended_action",
        "stop_deadline",
    ):
        assert key in row
    assert row["level"] == 2
    assert row["recommended_action"] == "止付"
    assert result["as_of_source"].startswith("latest transfer")
    assert row["stop_deadline"] == "2026-03-03T10:25:00+08:00"  # as_of (last transfer) + 48 h
    assert {"accounts", "edges", "sinks", "recoverable_total_fen", "refund_plan", "elapsed_ms"} <= set(result)


def test_money_cannot_leave_before_it_arrives():
    # M1 sends at 09:59 equivalent (minute 5) before the victim's credit at minute 10: untainted.
    led = ledger_of(
        [
            ("T0", "X", "M1", 5_000_000, 0),
            ("E", "M1", "M9", 3_000_000, 5),
            ("T1", "VICTIM", "M1", 4_900_000, 10),
            ("T2", "M1", "M2", 1_000_000, 20),
        ]
    )
    result = led.trace(["T1"], min_amount_fen=0, as_of=BASE_TS + 3600)
    assert all(e["txn_id"] != "E" for e in result.edges)
    assert "M9" not in {r["account"] for r in result.accounts}
    # FIFO: M1 held 2,000,000 clean fen before the credit, so the 1,000,000 out is clean first.
    assert _edge(result, "T2")["fifo"] == 0
    assert _edge(result, "T2")["lifo"] == 1_000_000


def test_cash_out_is_a_sink_and_conserves():
    led = ledger_of(
        [
            ("T1", "VICTIM", "M1", 4_000_000, 0),
            ("T2", "M1", "ATM001", 2_000_000, 30),
            ("T3", "M1", "PLAT", 1_000_000, 40),
        ],
        channels={"T3": "第三方支付"},
    )
    result = led.trace(["T1"], min_amount_fen=0)
    kinds = {s["account"]: s["kind"] for s in result.sinks}
    assert kinds == {"ATM001": "cash", "PLAT": "third_party"}
    assert result.recoverable_total_fen["fifo"] == 1_000_000


def test_horizon_stops_expansion_but_not_accounting():
    led = ledger_of([("T1", "VICTIM", "M1", 4_000_000, 0), ("T2", "M1", "M2", 4_000_000, 60 * 80)])
    result = led.trace(["T1"], min_amount_fen=0, horizon_seconds=72 * 3600)
    assert [r["account"] for r in result.accounts] == ["M1"]
    assert result.sinks[0]["kind"] == "beyond_horizon"
    assert result.sinks[0]["amount_fen"]["fifo"] == 4_000_000


def test_high_degree_account_is_a_sink_not_expanded():
    rows = [
        ("T1", "VICTIM", "M1", 4_000_000, 0),
        ("T2", "M1", "HUB", 4_000_000, 10),
        ("T3", "HUB", "OTHER", 4_000_000, 20),
    ]
    rows += [(f"B{i}", f"P{i}", "HUB", 1_000, 1) for i in range(12)]
    result = ledger_of(rows).trace(["T1"], min_amount_fen=0, hub_degree=10)
    assert {r["account"] for r in result.accounts} == {"M1"}
    assert result.sinks[0]["kind"] == "platform"


def test_max_hops_and_min_amount():
    rows = [
        ("T1", "V", "A", 4_000_000, 0),
        ("T2", "A", "B", 3_000_000, 5),
        ("T3", "B", "C", 2_000_000, 10),
        ("T4", "A", "D", 5_000, 6),
    ]
    result = ledger_of(rows).trace(["T1"], max_hops=2, min_amount_fen=10_000)
    assert {r["account"]: r["level"] for r in result.accounts} == {"A": 1, "B": 2}
    kinds = {s["account"]: s["kind"] for s in result.sinks}
    assert kinds == {"C": "max_hops", "D": "below_min_amount"}


def test_refund_plan_traces_when_timestamps_decide():
    rows = [("S1", "V1", "M", 3_000_000, 0), ("S2", "V2", "M", 1_000_000, 10), ("O", "M", "ATM9", 2_000_000, 20)]
    plan = ledger_of(rows).trace(["S1", "S2"], min_amount_fen=0).refund_plan
    (acct,) = plan["accounts"]
    assert acct["method"] == "trace"
    shares = {s["victim_account"]: s["amount_fen"] for s in acct["shares"]}
    assert shares == {"V1": 1_000_000, "V2": 1_000_000}  # FIFO: V1's money left first


def test_refund_plan_pro_rata_when_money_commingled_upstream():
    rows = [
        ("S1", "V1", "M", 3_000_000, 0),
        ("S2", "V2", "M", 1_000_000, 10),
        ("X", "M", "N", 4_000_000, 20),
        ("O", "N", "ATM9", 2_000_000, 30),
    ]
    plan = ledger_of(rows).trace(["S1", "S2"], min_amount_fen=0).refund_plan
    (acct,) = plan["accounts"]
    assert acct["account"] == "N" and acct["method"] == "pro_rata"
    shares = {s["victim_account"]: s["amount_fen"] for s in acct["shares"]}
    assert shares == {"V1": 1_500_000, "V2": 500_000}  # 2,000,000 held, split 3:1 by loss
    assert sum(v["refund_fen"] for v in plan["victims"]) == 2_000_000


def test_unknown_seed_and_bad_policy_are_clear_errors():
    led = hand_example()
    with pytest.raises(LedgerError, match="not a transfer"):
        led.trace(["NOPE"])
    with pytest.raises(LedgerError, match="unknown policy"):
        led.trace(["T1"], policy="random")
    with pytest.raises(LedgerError, match="after as_of"):
        led.trace(["T1"], as_of=BASE_TS)


def test_an_account_stopped_twice_must_be_frozen_instead():
    led = hand_example()
    first = led.trace(["T1"], min_amount_fen=0)
    again = led.trace(["T1"], min_amount_fen=0, prior_stops={"M2": 2})
    action = {r["account"]: r["recommended_action"] for r in first.accounts}
    assert action == {"M1": "调单查询", "M2": "止付", "M3": "止付"}
    row = next(r for r in again.accounts if r["account"] == "M2")
    assert row["recommended_action"] == "冻结" and row["stop_deadline"] is None
    assert "已止付2次" in row["action_reason"]
