"""Invariants on random ledgers (hypothesis): conservation, bounds, time order, row order."""

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.engines.fundtrace import Ledger

from .helpers import BASE_TS, STATION_OFFSET

ACCOUNTS = [f"A{i}" for i in range(7)]


@st.composite
def ledgers(draw):
    n = draw(st.integers(3, 40))
    rows = []
    for i in range(n):
        a = draw(st.sampled_from(ACCOUNTS))
        b = draw(st.sampled_from([x for x in ACCOUNTS if x != a] + ["ATM1"]))
        rows.append((f"T{i:03d}", a, b, draw(st.integers(1, 5_000_000)), draw(st.integers(0, 5 * 24 * 60))))
    seeds = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
    return rows, [rows[i][0] for i in seeds]


def _frame(rows):
    return pl.DataFrame(
        {
            "txn_id": [r[0] for r in rows],
            "from_account": [r[1] for r in rows],
            "to_account": [r[2] for r in rows],
            "amount_fen": [r[3] for r in rows],
            "ts": [BASE_TS + 60 * r[4] for r in rows],
        }
    )


def _trace(rows, seeds, **kw):
    return Ledger.from_frame(_frame(rows), utc_offset_minutes=STATION_OFFSET).trace(
        seeds, min_amount_fen=0, hub_degree=10_000, **kw
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_conservation_and_bounds(case):
    rows, seeds = case
    result = _trace(rows, seeds)
    victim_out = sum(s["amount_fen"] for s in result.seeds)
    for pol in ("fifo", "lifo", "haircut"):
        held = sum(r["tainted_held_now_fen"][pol] for r in result.accounts)
        sunk = sum(s["amount_fen"][pol] for s in result.sinks)
        assert held == result.recoverable_total_fen[pol]
        assert held + sunk <= victim_out
        for r in result.accounts:
            # held + passed on (incl. sunk) = received, per account
            assert r["tainted_held_now_fen"][pol] + r["tainted_out_fen"][pol] == r["tainted_in_fen"][pol]
            assert r["tainted_held_now_fen"][pol] <= r["balance_now_fen"]
        for e in result.edges:
            assert 0 <= e["attributed_fen"][pol] <= e["amount_fen"]
    for e in result.edges:
        assert e["attributed_fen"]["poison"] >= max(e["attributed_fen"][p] for p in ("fifo", "lifo", "haircut"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_no_attributed_transfer_precedes_its_money(case):
    rows, seeds = case
    result = _trace(rows, seeds)
    seed_ids = set(seeds)
    first_in = {}
    for e in sorted(result.edges, key=lambda e: e["at"]):
        if e["txn_id"] not in seed_ids:
            assert e["from"] in first_in and first_in[e["from"]] <= e["at"]
        first_in.setdefault(e["to"], e["at"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order(case, random):
    rows, seeds = case
    shuffled = list(rows)
    random.shuffle(shuffled)
    a = _trace(rows, seeds).to_dict()
    b = _trace(shuffled, seeds).to_dict()
    for d in (a, b):
        d.pop("elapsed_ms")
    assert a == b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers(), st.integers(0, 3_000_000), st.integers(1, 4), st.integers(60, 5 * 86_400), st.integers(2, 12))
def test_invariants_hold_under_every_option(case, min_amount, hops, horizon, hub):
    rows, seeds = case
    result = Ledger.from_frame(_frame(rows), utc_offset_minutes=STATION_OFFSET).trace(
        seeds, min_amount_fen=min_amount, max_hops=hops, horizon_seconds=horizon, hub_degree=hub
    )
    victim_out = sum(s["amount_fen"] for s in result.seeds)
    for pol in ("fifo", "lifo", "haircut"):
        held = sum(r["tainted_held_now_fen"][pol] for r in result.accounts)
        assert held + sum(s["amount_fen"][pol] for s in result.sinks) <= victim_out
        for r in result.accounts:
            assert r["tainted_held_now_fen"][pol] + r["tainted_out_fen"][pol] == r["tainted_in_fen"][pol]
            assert 0 <= r["tainted_held_now_fen"][pol] <= r["balance_now_fen"]
            assert r["level"] <= hops
    assert all(v["refund_fen"] <= v["loss_fen"] for v in result.refund_plan["victims"])
