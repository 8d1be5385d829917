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

from .zone import SECONDS_PER_MINUTE, offset_label

RAPID_SECONDS = 2 * 3600
NIGHT_END_HOUR = 6  # 00:00–06:00 local is night
TRANSFER_LIMITS_FEN = (5_000_00, 10_000_00, 20_000_00, 50_000_00)
UNDER_LIMIT_BAND = 0.9  # an amount in [0.9 L, L) is "just under" limit L
DORMANT_SECONDS = 30 * 86_400
NEW_ACCOUNT_SECONDS = 7 * 86_400
SKIM_RATIO_RANGE = (0.95, 0.995)
BUSY_TRANSFERS_PER_DAY = 1.0
UNUSUAL_AMOUNT_FACTOR = 5
MIN_EVENTS = 2
WEIGHTS = {
    "pass_through": 0.55,
    "fan_in": 0.3,
    "split_under_limit": 0.35,
    "near_zero_balance": 0.3,
    "new_or_dormant": 0.2,
    "night_activity": 0.2,
    "commission_skim": 0.35,
    "irregular_amounts": 0.3,
}


def account_statistics(
    ledger, given=None, by_out=None, by_in=None, logs=None, *, utc_offset_minutes: int
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, float]]:
    """Return (opening_fen, mule features incl. `score`, reason weights) for every account.

    `by_out` / `by_in`: (amount, ts, partner) already gathered in out_pos / in_pos order
    (the index build has them); gathered here when not given. `logs`: their amounts'
    `amount_logs` (out, in), computed here when not given.

    `given` = (codes, balance_fen, as_of) of known balances; other accounts get the least
    opening balance that never lets them go below zero. Steps:
    1. merge each account's out- and in-transfers into one stream in position order;
    2. running balance per account -> opening balances;
    3. per-account sums, counts, timing and amount statistics -> features -> score.
    Night-time is 00:00 to NIGHT_END_HOUR in the station's `utc_offset_minutes` (east of UTC).
    """
    n_acct = ledger.n_accounts
    src, dst = np.asarray(ledger.src), np.asarray(ledger.dst)
    amount, ts = np.asarray(ledger.amount_fen), np.asarray(ledger.ts)
    out_ptr, in_ptr = np.asarray(ledger.out_ptr), np.asarray(ledger.in_ptr)
    as_of_acct = np.full(n_acct, np.iinfo(np.int64).min, np.int64)
    if given is not None:
        as_of_acct[given[0]] = given[2]
    under_lo = np.array([int(limit * UNDER_LIMIT_BAND) for limit in TRANSFER_LIMITS_FEN], np.int64)
    under_hi = np.array(TRANSFER_LIMITS_FEN, np.int64)
    # 1.-2. one compiled walk over each account's merged stream (see kernels.account_streams)
    from .kernels import account_streams  # noqa: PLC0415 - numba loads only when an index is built

    out_pos, in_pos = np.asarray(ledger.out_pos), np.asarray(ledger.in_pos)
    amt_out, ts_out, payee = by_out if by_out is not None else (amount[out_pos], ts[out_pos], dst[out_pos])
    amt_in, ts_in, payer = by_in if by_in is not None else (amount[in_pos], ts[in_pos], src[in_pos])
    log_out, log_in = logs if logs is not None else (amount_logs(amt_out), amount_logs(amt_in))
    (
        opening,
        before,
        rapid,
        n_rapid,
        n_under,
        n_night,
        max_gap,
        n_unusual_out,
        n_unusual_in,
        sum_in,
        sum_out,
        first_ts,
        last_ts,
        payers,
        payees,
    ) = account_streams(
        out_ptr,
        out_pos,
        in_ptr,
        in_pos,
        amt_out,
        amt_in,
        ts_out,
        ts_in,
        log_out,
        log_in,
        payee,
        payer,
        as_of_acct,
        under_lo,
        under_hi,
        RAPID_SECONDS,
        utc_offset_minutes * SECONDS_PER_MINUTE,
        NIGHT_END_HOUR,
        float(np.log(UNUSUAL_AMOUNT_FACTOR)),
    )
    counts = np.diff(out_ptr) + np.diff(in_ptr)
    if given is not None:
        codes, balance, _ = given
        opening[codes] = balance - before.astype(np.int64)[codes]
    # 3. features
    n_in, n_out = np.diff(in_ptr).astype(np.float64), np.diff(out_ptr).astype(np.float64)
    n_events = counts.astype(np.float64)
    opening_f = opening.astype(np.float64)
    rest = np.maximum(0.0, opening_f + sum_in - sum_out)

    def share(num, den, empty=0.0):
        return np.divide(num, den, out=np.full(n_acct, empty), where=den > 0)

    feats = {
        "rapid_share": share(rapid, sum_out),
        "n_rapid": n_rapid,
        "payers": payers,
        "payees": payees,
        "under_limit_share": share(n_under, n_out),
        "rest_ratio": share(rest, opening_f + sum_in, 1.0),
        "night_share": n_night / n_events,
        "new_days": (first_ts - int(ledger.meta["ts_min"])) / 86_400.0,
        "dormant_days": max_gap / 86_400.0,
        "out_in_ratio": share(sum_out, sum_in),
        "n_events": n_events,
        "n_in": n_in,
        "n_out": n_out,
        "unusual_share": share(n_unusual_out, n_out),
        "unusual_in_share": share(n_unusual_in, n_in),
        "rate_per_day": n_events / ((last_ts - first_ts - max_gap * (max_gap >= DORMANT_SECONDS)) / 86_400.0 + 1.0),
    }
    strengths = mule_strengths(feats)
    active = n_events >= MIN_EVENTS
    weights = ledger_weights(strengths, active)
    score = 1.0 - np.prod([1.0 - weights[k] * s for k, s in strengths.items()], axis=0)
    result = {k: v.astype(np.float32) for k, v in feats.items()}
    result["score"] = np.where(active, score, 0.0).astype(np.float32)
    return opening.astype(np.int64), result, weights


def amount_logs(amount: np.ndarray) -> np.ndarray:
    """Natural log of each amount in fen (at least 1): the scale on which amounts count as unusual."""
    return np.log(np.maximum(amount, 1))


def ledger_weights(strengths: dict[str, np.ndarray], active: np.ndarray) -> dict[str, float]:
    """Weight each reason down by how common it is in this ledger: w * (1 - mean strength)^2.

    A sign that most accounts show (varied amounts among shoppers, say) says little about any
    one of them; a rare one keeps its full weight.
    """
    out = {}
    for code, s in strengths.items():
        prevalence = float(s[active].mean()) if active.any() else 0.0
        out[code] = round(WEIGHTS[code] * (1.0 - prevalence) ** 2, 4)
    return out


def mule_strengths(f: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map raw features to strengths in [0, 1] (works on arrays or 0-d arrays)."""
    active = (f["n_in"] >= 1) & (f["n_out"] >= 1)
    balanced = np.clip(1.0 - np.abs(1.0 - f["out_in_ratio"]) * 2.0, 0.0, 1.0)
    busy = f["n_events"] >= MIN_EVENTS
    # a pass-through counts when repeated, or when nearly all money in left at once (a card used once)
    repeated = np.maximum(
        np.clip((f["n_rapid"] - 1.0) / 2.0, 0.0, 1.0),
        ((f["rapid_share"] >= 0.9) & (f["out_in_ratio"] >= 0.9)).astype(np.float64),
    )
    return {
        # one quick forward (pay day, then rent) is ordinary; a card farmer does it again and again
        "pass_through": np.where(active, f["rapid_share"] * balanced * repeated, 0.0),
        "fan_in": np.where(active, np.clip((f["payers"] - 2.0) / 8.0, 0.0, 1.0) * balanced, 0.0),
        "split_under_limit": np.where(f["n_out"] >= 2, np.clip(f["under_limit_share"] * 2.0, 0.0, 1.0), 0.0),
        # only meaningful once money has passed through again and again: a spender also ends near zero
        "near_zero_balance": np.where(
            active & (f["n_in"] >= 2),
            np.clip(1.0 - f["rest_ratio"] / 0.05, 0.0, 1.0) * np.clip(f["rapid_share"] * 2.0, 0.0, 1.0) * repeated,
            0.0,
        ),
        "new_or_dormant": np.where(
            busy & ((f["new_days"] * 86_400 >= NEW_ACCOUNT_SECONDS) | (f["dormant_days"] * 86_400 >= DORMANT_SECONDS)),
            np.clip(f["rate_per_day"] / BUSY_TRANSFERS_PER_DAY - 1.0, 0.0, 1.0),
            0.0,
        ),
        "night_activity": np.clip((f["night_share"] - 0.25) / 0.5, 0.0, 1.0),
        "irregular_amounts": np.maximum(
            np.where(f["n_out"] >= 3, np.clip(f["unusual_share"] * 3.0, 0.0, 1.0), 0.0),
            np.where(f["n_in"] >= 3, np.clip(f["unusual_in_share"] * 3.0, 0.0, 1.0), 0.0),
        ),
        "commission_skim": np.where(
            active & (f["out_in_ratio"] >= SKIM_RATIO_RANGE[0]) & (f["out_in_ratio"] <= SKIM_RATIO_RANGE[1]),
            f["rapid_share"],
            0.0,
        ),
    }


_REASON_TEXT = {  # in Chinese, the platform's language; numbers as computed
    "pass_through": (
        "快进快出：{rapid_share:.0%}的转出资金（{n_rapid:.0f}笔）在资金转入后2小时内转出（转出/转入 {out_in_ratio:.2f}）"
    ),
    "fan_in": "多人转入：{payers:.0f}个不同的付款账户",
    "split_under_limit": "拆分转账规避限额：{n_out:.0f}笔转出中{under_limit_share:.0%}略低于5千/1万/2万/5万元",
    "near_zero_balance": "余额几乎为零：转入资金仅{rest_ratio:.1%}留存",
    "new_or_dormant": "新开户或长期不动户突然活跃：第{new_days:.0f}天首次出现，最长静默{dormant_days:.0f}天，"
    "活跃时每天{rate_per_day:.1f}笔",
    "night_activity": "夜间交易：{night_share:.0%}的交易在本地时间（UTC{zone}）00:00–06:00",
    "irregular_amounts": "金额与该账户惯常金额不符：{n_out:.0f}笔转出中{unusual_share:.0%}、{n_in:.0f}笔转入中"
    "{unusual_in_share:.0%}高于其典型金额（几何平均）的5倍或低于1/5",
    "commission_skim": "疑似抽取佣金：转出转入资金的{out_in_ratio:.1%}，留下0.5%–5%",
}


def mule_reasons_many(ledger, codes: list[int]) -> list[tuple[float, list[dict]]]:
    """Return (score, reasons) per account code; each reason has its code, weight, strength and text."""
    if not codes:
        return []
    weights = ledger.meta.get("mule_weights", WEIGHTS)
    zone = offset_label(ledger.utc_offset_minutes)
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
                    values["zone"] = zone
                reasons.append(
                    {
                        "code": code,
                        "strength": round(s[i], 3),
                        "weight": weights[code],
                        "text": _REASON_TEXT[code].format(**values),
                    }
                )
        reasons.sort(key=lambda r: -r["strength"] * r["weight"])
        out.append((score, reasons))
    return out


def rank_accounts(ledger, top: int) -> list[dict]:
    """Return the `top` accounts by mule score with reasons (ties by account id)."""
    score = np.asarray(ledger.mule["score"])
    top = min(top, len(score))
    cand = np.argpartition(-score, top - 1)[:top] if top < len(score) else np.arange(len(score))
    order = sorted(cand.tolist(), key=lambda a: (-float(score[a]), ledger.accounts[a]))
    rows = []
    for a, (s, reasons) in zip(order, mule_reasons_many(ledger, order)):
        rows.append(
            {
                "account": ledger.accounts[a],
                "holder_name": ledger.holder_name[a],
                "bank": ledger.bank[a],
                "mule_score": round(s, 4),
                "reasons": reasons,
                "label": int(ledger.label[a]) if ledger.label[a] >= 0 else None,
            }
        )
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
