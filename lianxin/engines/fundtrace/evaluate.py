"""Score traces and mule scores against a generator truth file (used by bench and slow tests).

recall@10 of a trace = planted mule accounts of that flow among the trace's top 10 accounts,
divided by min(10, planted mule accounts of the flow). precision@10 = planted mule accounts of
any flow among the top 10, divided by the number shown (at most 10).
"""

from __future__ import annotations

import numpy as np

from .constants import DEFAULT_HORIZON_SECONDS
from .mules import average_precision

TOP_K = 10


def flow_traces(ledger, truth: dict, *, horizon_seconds: int = DEFAULT_HORIZON_SECONDS, **options):
    """Yield (flow, trace) for every planted flow, as_of = last seed + horizon."""
    for flow in truth["flows"]:
        if not flow["seeds"]:
            continue
        positions = [ledger.position_of(s) for s in flow["seeds"]]
        as_of = max(int(ledger.ts[p]) for p in positions) + horizon_seconds
        yield flow, ledger.trace(flow["seeds"], as_of=as_of, horizon_seconds=horizon_seconds, **options)


def evaluate(ledger, truth: dict, **options) -> dict:
    """Return recall@10 / precision@10 by sink group, held-money agreement and mule AP."""
    all_mules = set(truth["mule_accounts"])
    groups: dict[str, list[float]] = {"without_sinks": [], "with_sinks": []}
    precision, elapsed = [], []
    held = {"truth": 0, "fifo": 0, "haircut": 0, "abs_err_fifo": 0, "abs_err_haircut": 0}
    for flow, result in flow_traces(ledger, truth, **options):
        mules = set(flow["accounts"]) & all_mules
        top = [row["account"] for row in result.accounts[:TOP_K]]
        if mules:
            groups["with_sinks" if flow["has_sink"] else "without_sinks"].append(
                len(mules & set(top)) / min(TOP_K, len(mules))
            )
        if top:
            precision.append(len(all_mules & set(top)) / len(top))
        elapsed.append(result.elapsed_ms)
        by_account = {row["account"]: row["tainted_held_now_fen"] for row in result.accounts}
        for account, fen in flow["held_fen"].items():
            got = by_account.get(account, {"fifo": 0, "haircut": 0})
            held["truth"] += fen
            for pol in ("fifo", "haircut"):
                held[pol] += got.get(pol, 0)
                held[f"abs_err_{pol}"] += abs(got.get(pol, 0) - fen)
    labels = np.zeros(ledger.n_accounts, np.int8)
    for account in all_mules:
        code = ledger.account_code(account)
        if code >= 0:
            labels[code] = 1
    in_degree = np.diff(ledger.in_ptr)
    return {
        "flows": sum(len(v) for v in groups.values()),
        "recall_at_10": {k: (float(np.mean(v)) if v else None, len(v)) for k, v in groups.items()},
        "precision_at_10": float(np.mean(precision)) if precision else None,
        "held_fen": held,
        "mule_ap": average_precision(np.asarray(ledger.mule["score"]), labels),
        "in_degree_ap": average_precision(in_degree, labels),
        "flows_traced": len(elapsed),
        "trace_ms_mean": float(np.mean(elapsed)) if elapsed else None,
        "trace_ms_p50": float(np.percentile(elapsed, 50)) if elapsed else None,
        "trace_ms_p95": float(np.percentile(elapsed, 95)) if elapsed else None,
    }
