"""Card-farmer (卡农) behaviour scores for every account, each with its reasons and numbers.

Features are computed once per ledger (at index time) from the per-account event stream:
1. rapid pass-through: share of money sent out within RAPID_SECONDS of the last money in;
2. fan-in: distinct payers; 3. fan-out split just under common transfer limits;
4. near-zero resting balance; 5. new or long-dormant account suddenly busy;
6. night-time activity (station zone); 7. commission-like skim (1–5% kept);
8. irregular amounts out (a habitual payer repeats amounts; a pass-through forwards whatever came).
Each feature becomes a strength in [0, 1]; the score is a noisy-OR of weighted strengths,
so every point of score is explained by a reason with its number.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .constants import STATION_UTC_OFFSET_SECONDS

RAPID_SECONDS = 2 * 3600
NIGHT_END_HOUR = 6  # 00:00–06:00 local is night
TRANSFER_LIMITS_FEN = (5_000_00, 10_000_00, 20_000_00, 50_000_00)
UNDER_LIMIT_BAND = 0.9  # an amount in [0.9 L, L) is "just under" limit L
DORMANT_SECONDS = 30 * 86_400
NEW_ACCOUNT_SECONDS = 7 * 86_400
SKIM_RATIO_RANGE = (0.95, 0.995)
BUSY_TRANSFERS_PER_DAY = 1.0
UNUSUAL_AMOUNT_FACTOR = 5
MIN_EVENTS = 3
WEIGHTS = {"pass_through": 0.55, "fan_in": 0.3, "split_under_limit": 0.35, "near_zero_balance": 0.3,
           "new_or_dormant": 0.2, "night_activity": 0.2, "commission_skim": 0.35, "irregular_amounts": 0.3}


def account_stream(ledger) -> pl.DataFrame:
    """Return every transfer twice (payer side out, payee side in), sorted by (account, position)."""
    n = ledger.n_transfers
    pos = np.arange(n, dtype=np.int64)
    return pl.DataFrame({
        "acct": np.concatenate([ledger.src, ledger.dst]),
        "pos": np.concatenate([pos, pos]),
        "is_in": np.concatenate([np.zeros(n, bool), np.ones(n, bool)]),
        "amt": np.concatenate([ledger.amount_fen, ledger.amount_fen]),
        "ts": np.concatenate([ledger.ts, ledger.ts]),
        "other": np.concatenate([ledger.dst, ledger.src]),
    }).sort(["acct", "pos"])


def compute_mule_features(ledger, stream: pl.DataFrame | None = None) -> dict[str, np.ndarray]:
    """Return per-account feature arrays and `score` (float32, 0..1)."""
    stream = account_stream(ledger) if stream is None else stream
    n_acct = ledger.n_accounts
    ts_min = int(ledger.meta["ts_min"])
    local_hour = ((pl.col("ts") + STATION_UTC_OFFSET_SECONDS) % 86_400) // 3600
    last_in_ts = pl.when(pl.col("is_in")).then(pl.col("ts")).forward_fill().over("acct")
    under = pl.lit(False)
    for limit in TRANSFER_LIMITS_FEN:
        under = under | ((pl.col("amt") >= int(limit * UNDER_LIMIT_BAND)) & (pl.col("amt") < limit))
    gap = (pl.col("ts") - pl.col("ts").shift(1).over("acct")).fill_null(0)
    out = ~pl.col("is_in")
    agg = stream.with_columns(last_in_ts.alias("last_in_ts"), gap.alias("gap")).group_by("acct").agg(
        pl.col("amt").filter(pl.col("is_in")).sum().alias("sum_in"),
        pl.col("amt").filter(out).sum().alias("sum_out"),
        pl.col("is_in").sum().alias("n_in"),
        out.sum().alias("n_out"),
        pl.col("other").filter(pl.col("is_in")).n_unique().alias("payers"),
        pl.col("other").filter(out).n_unique().alias("payees"),
        pl.col("amt").filter(out & ((pl.col("ts") - pl.col("last_in_ts")) <= RAPID_SECONDS)).sum().alias("rapid"),
        (out & under).sum().alias("n_under"),
        (local_hour < NIGHT_END_HOUR).mean().alias("night"),
        pl.col("ts").min().alias("first_ts"),
        pl.col("gap").max().alias("max_gap"),
        _unusual_amounts().alias("unusual"),
        _unusual_amounts(incoming=True).alias("unusual_in"),
        pl.col("ts").max().alias("last_ts"),
        pl.len().alias("n"),
    )
    idx = agg["acct"].to_numpy()

    def col(name, dtype=np.float64):
        arr = np.zeros(n_acct, dtype)
        arr[idx] = agg[name].fill_null(0).to_numpy()
        return arr

    sum_in, sum_out = col("sum_in"), col("sum_out")
    n_in, n_out, n = col("n_in"), col("n_out"), col("n")
    opening = ledger.opening_fen.astype(np.float64)
    rest = np.maximum(0.0, opening + sum_in - sum_out)
    feats = {
        "rapid_share": np.divide(col("rapid"), sum_out, out=np.zeros(n_acct), where=sum_out > 0),
        "payers": col("payers"), "payees": col("payees"),
        "under_limit_share": np.divide(col("n_under"), n_out, out=np.zeros(n_acct), where=n_out > 0),
        "rest_ratio": np.divide(rest, opening + sum_in, out=np.ones(n_acct), where=(opening + sum_in) > 0),
        "night_share": col("night"),
        "new_days": (col("first_ts") - ts_min) / 86_400.0,
        "dormant_days": col("max_gap") / 86_400.0,
        "out_in_ratio": np.divide(sum_out, sum_in, out=np.zeros(n_acct), where=sum_in > 0),
        "n_events": n, "n_in": n_in, "n_out": n_out, "unusual_share": col("unusual"), "unusual_in_share": col("unusual_in"),
        "rate_per_day": n / ((col("last_ts") - col("first_ts") - col("max_gap") * (col("max_gap") >= DORMANT_SECONDS))
                             / 86_400.0 + 1.0),
    }
    strengths = mule_strengths(feats)
    score = 1.0 - np.prod([1.0 - WEIGHTS[k] * s for k, s in strengths.items()], axis=0)
    result = {k: v.astype(np.float32) for k, v in feats.items()}
    result["score"] = np.where(n >= MIN_EVENTS, score, 0.0).astype(np.float32)
    return result


def _unusual_amounts(incoming: bool = False) -> pl.Expr:
    """Share of transfers (out, or in) over 5x or under 1/5 of the account's median amount that way."""
    way = pl.col("is_in") if incoming else ~pl.col("is_in")
    med = pl.col("amt").filter(way).median()
    amt = pl.col("amt").filter(way)
    return ((amt > med * UNUSUAL_AMOUNT_FACTOR) | (amt * UNUSUAL_AMOUNT_FACTOR < med)).mean()


def mule_strengths(f: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map raw features to strengths in [0, 1] (works on arrays or 0-d arrays)."""
    active = (f["n_in"] >= 1) & (f["n_out"] >= 1)
    balanced = np.clip(1.0 - np.abs(1.0 - f["out_in_ratio"]) * 2.0, 0.0, 1.0)
    busy = f["n_events"] >= 6
    return {
        "pass_through": np.where(active, f["rapid_share"] * balanced, 0.0),
        "fan_in": np.where(active, np.clip((f["payers"] - 2.0) / 8.0, 0.0, 1.0) * balanced, 0.0),
        "split_under_limit": np.where(f["n_out"] >= 2, np.clip(f["under_limit_share"] * 2.0, 0.0, 1.0), 0.0),
        # only meaningful once money has passed through: a spender also ends near zero
        "near_zero_balance": np.where(active & (f["n_in"] >= 2), np.clip(1.0 - f["rest_ratio"] / 0.05, 0.0, 1.0)
                                      * np.clip(f["rapid_share"] * 2.0, 0.0, 1.0), 0.0),
        "new_or_dormant": np.where(busy & ((f["new_days"] * 86_400 >= NEW_ACCOUNT_SECONDS)
                                           | (f["dormant_days"] * 86_400 >= DORMANT_SECONDS)),
                                   np.clip(f["rate_per_day"] / BUSY_TRANSFERS_PER_DAY - 1.0, 0.0, 1.0), 0.0),
        "night_activity": np.clip((f["night_share"] - 0.25) / 0.5, 0.0, 1.0),
        "irregular_amounts": np.maximum(
            np.where(f["n_out"] >= 3, np.clip(f["unusual_share"] * 3.0, 0.0, 1.0), 0.0),
            np.where(f["n_in"] >= 3, np.clip(f["unusual_in_share"] * 3.0, 0.0, 1.0), 0.0)),
        "commission_skim": np.where(active & (f["out_in_ratio"] >= SKIM_RATIO_RANGE[0])
                                    & (f["out_in_ratio"] <= SKIM_RATIO_RANGE[1]), f["rapid_share"], 0.0),
    }


_REASON_TEXT = {
    "pass_through": ("rapid pass-through: {rapid_share:.0%} of money out left within 2 h of money in "
                     "(out/in {out_in_ratio:.2f})"),
    "fan_in": "fan-in: {payers:.0f} distinct payers",
    "split_under_limit": "split under transfer limits: {under_limit_share:.0%} of {n_out:.0f} transfers out "
                         "just below 5k/10k/20k/50k yuan",
    "near_zero_balance": "near-zero resting balance: {rest_ratio:.1%} of money in still held",
    "new_or_dormant": "new or long-dormant account suddenly busy: first seen day {new_days:.0f}, "
                      "longest quiet spell {dormant_days:.0f} days, {rate_per_day:.1f} transfers a day when active",
    "night_activity": "night-time activity: {night_share:.0%} of transfers 00:00–06:00 Beijing time",
    "irregular_amounts": "amounts unlike the account's usual ones: {unusual_share:.0%} of {n_out:.0f} transfers "
                         "out and {unusual_in_share:.0%} of {n_in:.0f} in are over 5x or under 1/5 of its median",
    "commission_skim": "commission-like skim: passed on {out_in_ratio:.1%} of money in, keeping 0.5–5%",
}


def mule_reasons_many(ledger, codes: list[int]) -> list[tuple[float, list[dict]]]:
    """Return (score, reasons) per account code; each reason has its code, weight, strength and text."""
    if not codes:
        return []
    idx = np.asarray(codes, dtype=np.int64)
    f = {k: np.asarray(v[idx], dtype=np.float64) for k, v in ledger.mule.items() if k != "score"}
    strengths = mule_strengths(f)
    scores = np.asarray(ledger.mule["score"][idx], dtype=np.float64).tolist()
    names = list(f)
    columns = [f[k].tolist() for k in names]
    fired = {code: s.tolist() for code, s in strengths.items()}
    out = []
    for i, score in enumerate(scores):
        values = None
        reasons = []
        for code, s in fired.items():
            if s[i] > 0.05:
                if values is None:
                    values = {k: col[i] for k, col in zip(names, columns)}
                reasons.append({"code": code, "strength": round(s[i], 3), "weight": WEIGHTS[code],
                                "text": _REASON_TEXT[code].format(**values)})
        reasons.sort(key=lambda r: -r["strength"] * r["weight"])
        out.append((score, reasons))
    return out


def mule_reasons(ledger, a: int) -> tuple[float, list[dict]]:
    """Return (score, reasons) for one account code."""
    return mule_reasons_many(ledger, [a])[0]


def rank_accounts(ledger, top: int) -> list[dict]:
    """Return the `top` accounts by mule score with reasons (ties by account id)."""
    score = np.asarray(ledger.mule["score"])
    top = min(top, len(score))
    cand = np.argpartition(-score, top - 1)[:top] if top < len(score) else np.arange(len(score))
    order = sorted(cand.tolist(), key=lambda a: (-float(score[a]), ledger.accounts[a]))
    rows = []
    for a in order:
        s, reasons = mule_reasons(ledger, a)
        rows.append({"account": ledger.accounts[a], "holder_name": ledger.holder_name[a], "bank": ledger.bank[a],
                     "mule_score": round(s, 4), "reasons": reasons,
                     "label": int(ledger.label[a]) if ledger.label[a] >= 0 else None})
    return rows


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Average precision of ranking by `scores` against 0/1 `labels` (ties broken pessimistically)."""
    labels = np.asarray(labels).astype(bool)
    if labels.sum() == 0:
        return 0.0
    order = np.lexsort((labels, -np.asarray(scores, dtype=np.float64)))
    hits = labels[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())
