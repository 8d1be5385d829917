"""Follow victims' transfers forward through a ledger under four attribution policies.

Steps of `trace`:
1. Resolve the seed transfers; as_of is given or the ledger's latest transfer (said so in the
   result). The window closes at min(as_of, latest seed + horizon).
2. One pass over transfers in position order (time; same-second ties by txn_id hash), driven
   by a heap of the positions of traced accounts' outgoing transfers; money reaching a traced
   account from untraced ones is clean and is booked from prefix sums as one lot at the
   account's next event. Each transfer moves FIFO lots, LIFO lots, haircut shares (all
   labelled by seed) and the poison flag together, so no money can leave before it arrived. An account joins the trace when a transfer brings it at least min_amount of victim
   money (by some conserving policy) within the window from an account below max_hops;
   otherwise tainted money leaving the traced set is a sink with its reason (cash,
   third_party, platform = high-degree hub, max_hops, beyond_horizon, below_min_amount).
   Poison is therefore the upper bound over the followed accounts.
3. Results: accounts ranked by recoverable money and mule score, edges, sinks, totals and the
   art. 8 refund plan.

Money is integer fen throughout; haircut splits use largest remainders so no fen is created.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .constants import (
    CASH_ACCOUNT_PREFIXES,
    CASH_CHANNELS,
    DEFAULT_HORIZON_SECONDS,
    DEFAULT_HUB_DEGREE,
    DEFAULT_MAX_HOPS,
    DEFAULT_MIN_AMOUNT_FEN,
    ENGINE_VERSION,
    POLICIES,
    STOP_PAYMENT_HOLD_HOURS,
    STOP_PAYMENT_MAX_TIMES,
    THIRD_PARTY_CHANNELS,
)
from .ingest import LedgerError
from .lots import CLEAN, append_lots, tainted, take_haircut, take_lots
from .refund import refund_plan
from .zone import iso

_NO_POSITIONS = np.empty(0, np.int64)
MULE_FREEZE_SCORE = 0.5
RANK_MULE_WEIGHT = 0.5


@dataclass
class Trace:
    """The result of one trace (plain values; `to_dict` is the JSON contract)."""

    seeds: list[dict]
    accounts: list[dict]
    edges: list[dict]
    sinks: list[dict]
    recoverable_total_fen: dict[str, int]
    refund_plan: dict
    params: dict
    as_of: str
    as_of_source: str
    policies: list[str]
    elapsed_ms: float = 0.0
    warnings: list[str] = field(default_factory=list)
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict:
        return {
            "engine_version": self.engine_version,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "as_of": self.as_of,
            "as_of_source": self.as_of_source,
            "policies": self.policies,
            "params": self.params,
            "seeds": self.seeds,
            "accounts": self.accounts,
            "edges": self.edges,
            "sinks": self.sinks,
            "recoverable_total_fen": self.recoverable_total_fen,
            "refund_plan": self.refund_plan,
            "warnings": self.warnings,
        }


class _Names:
    """Decode account ids once per trace."""

    def __init__(self, ledger):
        self.accounts = ledger.accounts
        self.cache: dict[int, str] = {}

    def add(self, codes: list[int]) -> None:
        """Decode many codes at once (one batch instead of one slice per code)."""
        fresh = [c for c in dict.fromkeys(codes) if c not in self.cache]
        self.cache.update(zip(fresh, self.accounts.many(fresh)))

    def __call__(self, code: int) -> str:
        got = self.cache.get(code)
        if got is None:
            got = self.cache[code] = self.accounts[code]
        return got


class _Account:
    """Running state of one traced account under every policy at once."""

    __slots__ = (
        "code",
        "taint_pos",
        "level",
        "bal",
        "fifo",
        "lifo",
        "hc",
        "poisoned",
        "t_in",
        "t_out",
        "credits",
        "stale",
        "i_row",
        "lo_i",
        "k_synced",
        "heap_in",
    )

    def __init__(self, code: int, taint_pos: int, level: int, opening: int):
        self.code = code
        self.taint_pos = taint_pos
        self.level = level
        self.bal = max(0, opening)
        self.fifo: deque = deque([[CLEAN, self.bal]] if self.bal else [])
        self.lifo: list = [[CLEAN, self.bal]] if self.bal else []
        self.hc: dict[int, int] = {CLEAN: self.bal}
        self.poisoned = False
        self.t_in = {"fifo": 0, "lifo": 0, "haircut": 0, "poison": 0}
        self.t_out = {"fifo": 0, "lifo": 0, "haircut": 0, "poison": 0}
        self.credits: list[tuple[int, tuple[int, ...]]] = []  # (ts, labels) of tainted FIFO credits
        self.stale = False  # lots not kept while all money is clean; rebuilt from bal when needed
        self.i_row: np.ndarray = _NO_POSITIONS  # positions of its transfers in (set on activation);
        # k_synced of them are on the books
        self.lo_i = self.k_synced = 0
        self.heap_in = 0  # money in since the last sync that came through the event heap

    def holds_no_victim_money(self) -> bool:
        """True when no conserving policy says the account holds victim money (held = in - out)."""
        t_in, t_out = self.t_in, self.t_out
        return t_in["fifo"] == t_out["fifo"] and t_in["lifo"] == t_out["lifo"] and t_in["haircut"] == t_out["haircut"]

    def refresh(self) -> None:
        if self.stale:
            self.fifo = deque([[CLEAN, self.bal]] if self.bal else [])
            self.lifo = [[CLEAN, self.bal]] if self.bal else []
            self.hc = {CLEAN: self.bal}
            self.stale = False


def trace(
    ledger,
    seeds: list[str],
    *,
    policy: str = "all",
    horizon_seconds: int = DEFAULT_HORIZON_SECONDS,
    max_hops: int = DEFAULT_MAX_HOPS,
    min_amount_fen: int = DEFAULT_MIN_AMOUNT_FEN,
    as_of: int | None = None,
    hub_degree: int = DEFAULT_HUB_DEGREE,
    top: int | None = None,
    prior_stops: dict[str, int] | None = None,
) -> Trace:
    """Trace `seeds` (txn ids of victims' transfers) forward; raise LedgerError on bad seeds.

    `prior_stops` maps account id -> stop-payments already placed on it (the caller's records).

    Times are epoch seconds (UTC) in, ISO 8601 in the ledger's station offset out
    (`Ledger.utc_offset_minutes`, e.g. 2026-03-01T12:00:00+08:00); amounts are fen. `policy`
    limits which policies are shown ("all" shows the four side by side); all are computed in
    the same pass.
    """
    started = time.perf_counter()
    if policy != "all" and policy not in POLICIES:
        raise LedgerError(f"unknown policy {policy!r}; use all, {', '.join(POLICIES)}")
    if not seeds:
        raise LedgerError("at least one seed transfer is needed")
    shown = list(POLICIES) if policy == "all" else [policy]
    tz = ledger.utc_offset_minutes
    # 1. seeds and window
    seed_pos = []
    for txn in dict.fromkeys(seeds):
        pos = ledger.position_of(txn)
        if pos < 0:
            raise LedgerError(f"seed {txn!r} is not a transfer in this ledger")
        seed_pos.append(pos)
    warnings = []
    as_of_source = "given"
    if as_of is None:
        as_of = int(ledger.meta["ts_max"])
        as_of_source = "latest transfer in the ledger (no --as-of given)"
        warnings.append(f"as_of not given: using the latest transfer time {iso(as_of, tz)}")
    ts, src, dst, amount, channel = ledger.ts, ledger.src, ledger.dst, ledger.amount_fen, ledger.channel
    for pos in seed_pos:
        if ts[pos] > as_of:
            raise LedgerError(f"seed {ledger.txn_id[pos]!r} happened after as_of {iso(as_of, tz)}")
    window_end = min(as_of, max(int(ts[p]) for p in seed_pos) + horizon_seconds)
    channels = ledger.meta["channels"]
    out_ptr, out_pos, in_ptr, in_pos = ledger.out_ptr, ledger.out_pos, ledger.in_ptr, ledger.in_pos
    sink_cache: dict[int, str | None] = {}

    def account_sink(a: int) -> str | None:
        if a not in sink_cache:
            kind = None
            if ledger.accounts.raw(a).decode("utf-8").upper().startswith(CASH_ACCOUNT_PREFIXES):
                kind = "cash"
            elif (out_ptr[a + 1] - out_ptr[a]) + (in_ptr[a + 1] - in_ptr[a]) > hub_degree:
                kind = "platform"
            sink_cache[a] = kind
        return sink_cache[a]

    # 2. one pass in position order: an account joins the trace when a followed transfer
    # brings it victim money; from then on every transfer in or out of it is replayed.
    state: dict[int, _Account] = {}
    heap: list[int] = []
    opening_fen = ledger.opening_fen

    out_csum, in_csum = ledger.out_csum, ledger.in_csum
    end_pos = int(ts.searchsorted(as_of, side="right"))  # positions are time-sorted

    def activate(a: int, p: int, hops: int) -> _Account:
        lo_o, lo_i = int(out_ptr[a]), int(in_ptr[a])
        o_row = out_pos[lo_o : out_ptr[a + 1]]
        i_row = in_pos[lo_i : in_ptr[a + 1]]
        ko, eo = o_row.searchsorted((p, end_pos)).tolist()
        ki = int(i_row.searchsorted(p))
        opening = (
            int(opening_fen[a])
            + int(in_csum[lo_i + ki])
            - int(in_csum[lo_i])
            - int(out_csum[lo_o + ko])
            + int(out_csum[lo_o])
        )
        st = state[a] = _Account(a, p, hops, opening)
        st.i_row, st.lo_i, st.k_synced = i_row, lo_i, ki
        for q in o_row[ko:eo].tolist():  # money in from untraced accounts is clean: synced lazily
            heapq.heappush(heap, q)
        return st

    def sync(st: _Account, q: int) -> None:
        """Credit, as one clean lot, money that reached `st` from untraced accounts before position q."""
        k = st.k_synced  # i_row[:k] are all before q (events come in position order)
        if k == len(st.i_row) or st.i_row[k] >= q:
            return  # nothing arrived since the last sync: skip the binary search
        k = int(st.i_row.searchsorted(q))
        total = int(in_csum[st.lo_i + k]) - int(in_csum[st.lo_i + st.k_synced])
        clean = total - st.heap_in
        st.k_synced, st.heap_in = k, 0
        if clean:
            _credit_clean(st, clean)

    seed_label = {}
    for k, p in enumerate(seed_pos):
        seed_label[p] = k
        heapq.heappush(heap, p)
    moves: list[tuple[int, dict[str, int]]] = []  # (position, fen carried per policy) of followed transfers
    sinks: dict[tuple[int, str], dict] = {}
    last = -1
    carried: dict[str, int] | None  # fen of victim money a transfer carries, per policy
    while heap:
        q = heapq.heappop(heap)
        if q == last:  # pushed by both of its accounts
            continue
        last = q
        s, d, amt = int(src[q]), int(dst[q]), int(amount[q])
        s_state = state.get(s)
        d_state = state.get(d)
        is_seed = q in seed_label
        if s_state is not None:
            sync(s_state, q)
        if d_state is not None:
            sync(d_state, q)
            d_state.heap_in += amt
        if s_state is not None and not is_seed and s_state.holds_no_victim_money():
            # fast path: only the balance and the poison bound move
            s_state.bal -= min(amt, s_state.bal)
            s_state.stale = True
            poison = amt if s_state.poisoned else 0
            if d_state is not None:
                _credit_clean(d_state, amt)
            if not poison:
                continue
            s_state.t_out["poison"] += poison
            carried = {"fifo": 0, "lifo": 0, "haircut": 0, "poison": poison}
            if d_state is not None:
                d_state.poisoned = True
                d_state.t_in["poison"] += poison
                moves.append((q, carried))
            else:
                t_q = int(ts[q])
                kind = _sink_kind(
                    q,
                    s_state,
                    d,
                    int(channel[q]),
                    channels,
                    account_sink,
                    max_hops,
                    window_end,
                    min_amount_fen,
                    t_q,
                    carried,
                    False,
                )
                _add_sink(sinks, ledger, d, kind or "below_min_amount", t_q, carried)
            continue
        carried = None
        if s_state is not None:
            fifo_lots, lifo_lots, hc_parts, poison = _debit(s_state, amt)
            carried = _carried(fifo_lots, lifo_lots, hc_parts, poison)
            t_out = s_state.t_out
            t_out["fifo"] += carried["fifo"]
            t_out["lifo"] += carried["lifo"]
            t_out["haircut"] += carried["haircut"]
            t_out["poison"] += carried["poison"]
        else:
            fifo_lots = lifo_lots = [[CLEAN, amt]]
            hc_parts, poison = {CLEAN: amt}, 0
        if is_seed:  # the victim's own (clean) money becomes tainted under the seed's label
            k = seed_label[q]
            fifo_lots = [[k if lab == CLEAN else lab, v] for lab, v in fifo_lots]
            lifo_lots = [[k if lab == CLEAN else lab, v] for lab, v in lifo_lots]
            hc_parts = dict(hc_parts)
            hc_parts[k] = hc_parts.get(k, 0) + hc_parts.pop(CLEAN, 0)
            poison = amt
            carried = None
        if carried is None:  # what left the account is what arrives, unless relabelled above
            carried = _carried(fifo_lots, lifo_lots, hc_parts, poison)
        if not carried["poison"]:
            if d_state is not None:
                _credit(d_state, amt, fifo_lots, lifo_lots, hc_parts, 0, 0)
            continue
        t_q = int(ts[q])
        ch = int(channel[q])
        if d_state is None:
            kind = _sink_kind(
                q, s_state, d, ch, channels, account_sink, max_hops, window_end, min_amount_fen, t_q, carried, is_seed
            )
            if kind is not None:  # tainted money leaves the traced set here
                _add_sink(sinks, ledger, d, kind, t_q, carried)
                if carried["fifo"] or carried["lifo"] or carried["haircut"]:
                    moves.append((q, carried))  # poison-only money is in sinks, not listed as an edge
                continue
            # tainted money comes only from a seed or a traced account
            d_state = activate(d, q, 1 if is_seed or s_state is None else s_state.level + 1)
            d_state.heap_in += amt
        _credit(d_state, amt, fifo_lots, lifo_lots, hc_parts, poison, t_q)
        t_in = d_state.t_in
        t_in["fifo"] += carried["fifo"]
        t_in["lifo"] += carried["lifo"]
        t_in["haircut"] += carried["haircut"]
        t_in["poison"] += carried["poison"]
        moves.append((q, carried))
    for st in state.values():
        sync(st, end_pos)
    name = _Names(ledger)
    edge_pos = np.array([q for q, _ in moves], dtype=np.int64)
    edge_src, edge_dst = src[edge_pos].tolist(), dst[edge_pos].tolist()
    name.add(list(state) + edge_src + edge_dst)
    edges = [
        {
            "txn_id": txn,
            "from": name(s),
            "to": name(d),
            "amount_fen": amt,
            "at": iso(t, tz),
            "channel": channels[ch] if ch >= 0 else None,
            "attributed_fen": {pol: carried[pol] for pol in shown},
        }
        for (_, carried), txn, s, d, amt, t, ch in zip(
            moves,
            ledger.txn_id.many(edge_pos),
            edge_src,
            edge_dst,
            amount[edge_pos].tolist(),
            ts[edge_pos].tolist(),
            channel[edge_pos].tolist(),
        )
    ]
    # 3. results
    seeds_out = [
        {
            "txn_id": ledger.txn_id[p],
            "victim_account": ledger.accounts[int(src[p])],
            "first_account": ledger.accounts[int(dst[p])],
            "amount_fen": int(amount[p]),
            "at": iso(int(ts[p]), tz),
        }
        for p in seed_pos
    ]
    accounts_all = _account_rows(ledger, state, shown, as_of, seeds_out, prior_stops or {}, name)
    accounts = accounts_all[:top] if top is not None else accounts_all
    recoverable = {pol: sum(row["tainted_held_now_fen"][pol] for row in accounts_all) for pol in shown}
    plan = refund_plan(state, seeds_out, ledger, name)
    params = {
        "horizon_seconds": horizon_seconds,
        "max_hops": max_hops,
        "min_amount_fen": min_amount_fen,
        "hub_degree": hub_degree,
        "window_end": iso(window_end, tz),
        "utc_offset_minutes": tz,
    }
    sink_rows = sorted(sinks.values(), key=lambda r: (-max(r["amount_fen"][p] for p in POLICIES), r["account"]))
    for row in sink_rows:
        row["amount_fen"] = {pol: row["amount_fen"][pol] for pol in shown}
    return Trace(
        seeds=seeds_out,
        accounts=accounts,
        edges=edges,
        sinks=sink_rows,
        recoverable_total_fen=recoverable,
        refund_plan=plan,
        params=params,
        as_of=iso(as_of, tz),
        as_of_source=as_of_source,
        policies=shown,
        warnings=warnings,
        elapsed_ms=(time.perf_counter() - started) * 1000.0,
    )


def _debit(st: _Account, amt: int):
    """Take `amt` out of an account under every policy; return what each policy says left."""
    st.refresh()
    take = min(amt, st.bal)
    fifo_lots = take_lots(st.fifo, take, True)
    lifo_lots = take_lots(st.lifo, take, False)
    hc_parts = take_haircut(st.hc, st.bal, take)
    st.bal -= take
    if amt > take:  # more left than the books hold: the excess is money of unknown (clean) origin
        fifo_lots.append([CLEAN, amt - take])
        lifo_lots.append([CLEAN, amt - take])
        hc_parts[CLEAN] = hc_parts.get(CLEAN, 0) + amt - take
    poison = amt if st.poisoned else 0
    return fifo_lots, lifo_lots, hc_parts, poison


def _carried(fifo_lots, lifo_lots, hc_parts, poison: int) -> dict[str, int]:
    hc = 0
    for lab, v in hc_parts.items():
        if lab != CLEAN:
            hc += v
    return {"fifo": tainted(fifo_lots), "lifo": tainted(lifo_lots), "haircut": hc, "poison": poison}


def _add_sink(sinks: dict, ledger, d: int, kind: str, t_q: int, carried: dict) -> None:
    tz = ledger.utc_offset_minutes
    sink = sinks.get((d, kind))
    if sink is None:
        sink = sinks[(d, kind)] = {
            "account": ledger.accounts[d],
            "kind": kind,
            "first_at": iso(t_q, tz),
            "transfers": 0,
            "amount_fen": dict.fromkeys(POLICIES, 0),
        }
    sink["transfers"] += 1
    for pol in POLICIES:
        sink["amount_fen"][pol] += carried[pol]


def _credit_clean(st: _Account, amt: int) -> None:
    st.bal += amt
    if st.stale:
        return
    for lots in (st.fifo, st.lifo):
        if lots and lots[-1][0] == CLEAN:
            lots[-1][1] += amt
        else:
            lots.append([CLEAN, amt])
    st.hc[CLEAN] = st.hc.get(CLEAN, 0) + amt


def _credit(st: _Account, amt: int, fifo_lots, lifo_lots, hc_parts, poison: int, at: int) -> None:
    st.refresh()
    st.bal += amt
    append_lots(st.fifo, fifo_lots)
    append_lots(st.lifo, lifo_lots)
    for lab, v in hc_parts.items():
        st.hc[lab] = st.hc.get(lab, 0) + v
    if poison:
        st.poisoned = True
    labels = tuple(sorted({lab for lab, v in fifo_lots if lab != CLEAN and v}))
    if labels:
        st.credits.append((at, labels))


def _held(st: _Account, pol: str) -> int:
    if pol == "fifo":
        return tainted(st.fifo)
    if pol == "lifo":
        return tainted(st.lifo)
    if pol == "haircut":
        return sum(v for lab, v in st.hc.items() if lab != CLEAN)
    return st.bal if st.poisoned else 0


def _sink_kind(
    q, s_state, d, ch, channels, account_sink, max_hops, window_end, min_amount_fen, t_q, carried, is_seed
) -> str | None:
    """Say why tainted money leaving for account `d` is not followed, or None to follow it."""
    name = channels[ch] if ch >= 0 else ""
    if name in CASH_CHANNELS or account_sink(d) == "cash":
        return "cash"
    if name in THIRD_PARTY_CHANNELS:
        return "third_party"
    if account_sink(d) == "platform":
        return "platform"
    if is_seed:
        return None
    if s_state.level >= max_hops:
        return "max_hops"
    if t_q > window_end:
        return "beyond_horizon"
    if max(carried["fifo"], carried["lifo"], carried["haircut"]) < min_amount_fen:  # the conserving policies
        return "below_min_amount"
    return None


def recommend(
    *,
    recoverable_fen: int,
    poison_held_fen: int,
    passed_on_fen: int,
    mule_score: float,
    stops_so_far: int,
    as_of: int,
    utc_offset_minutes: int,
) -> tuple[str, str | None, str]:
    """Return (action, stop_deadline, why) for one traced account.

    `as_of` is epoch seconds; the deadline is ISO 8601 in the station's `utc_offset_minutes`.

    止付 holds 48 h and at most twice per account (银发〔2016〕86号): a third request must be a
    freeze (冻结) through the case. A mule still holding money may be frozen outright.
    """
    deadline = iso(as_of + STOP_PAYMENT_HOLD_HOURS * 3600, utc_offset_minutes)
    if recoverable_fen > 0 and stops_so_far < STOP_PAYMENT_MAX_TIMES:
        return "止付", deadline, f"现持有被害人资金；现在止付可保持至{deadline}"
    if recoverable_fen > 0:
        return (
            "冻结",
            None,
            f"持有被害人资金，但已止付{stops_so_far}次（上限{STOP_PAYMENT_MAX_TIMES}次），须经案件办理冻结",
        )
    if poison_held_fen > 0 and mule_score >= MULE_FREEZE_SCORE:
        return "冻结", None, "疑似卡农，其余额可能仍含被害人资金（上限估计）"
    if passed_on_fen > 0:
        return "调单查询", None, "已将被害人资金转出：调取流水以确认下一跳"
    return "none", None, "未持有也未转出被害人资金"


def _account_rows(
    ledger,
    state: dict[int, _Account],
    shown: list[str],
    as_of: int,
    seeds: list[dict],
    prior_stops: dict[str, int],
    name: _Names,
) -> list[dict]:
    from .mules import mule_reasons_many  # noqa: PLC0415 - keeps mules free of trace imports

    tz = ledger.utc_offset_minutes
    codes = list(state)
    scored = mule_reasons_many(ledger, codes)
    total_seed = max(1, sum(s["amount_fen"] for s in seeds))
    rows = []
    for a, (score, reasons), holder, bank in zip(
        codes, scored, ledger.holder_name.many(codes), ledger.bank.many(codes)
    ):
        st = state[a]
        account = name(a)
        held = {pol: _held(st, pol) for pol in POLICIES}
        recoverable = max(held["fifo"], held["lifo"], held["haircut"])  # the conserving policies
        action, deadline, why = recommend(
            recoverable_fen=recoverable,
            poison_held_fen=held["poison"],
            passed_on_fen=st.t_out["poison"],
            mule_score=score,
            stops_so_far=prior_stops.get(account, 0),
            as_of=as_of,
            utc_offset_minutes=tz,
        )
        through = max(st.t_in["fifo"], st.t_in["lifo"], st.t_in["haircut"])
        rank = recoverable / total_seed + RANK_MULE_WEIGHT * score * min(1.0, 0.2 + through / total_seed)
        rows.append(
            {
                "account": account,
                "holder_name": holder,
                "bank": bank,
                "level": st.level,
                "first_taint_at": iso(int(ledger.ts[st.taint_pos]), tz),
                "tainted_in_fen": {p: st.t_in[p] for p in shown},
                "tainted_out_fen": {p: st.t_out[p] for p in shown},
                "tainted_held_now_fen": {p: held[p] for p in shown},
                "balance_now_fen": st.bal,
                "mule_score": round(score, 4),
                "reasons": reasons,
                "recommended_action": action,
                "stop_deadline": deadline,
                "action_reason": why,
                "rank_score": round(rank, 6),
            }
        )
    rows.sort(key=lambda r: (-r["rank_score"], r["account"]))
    return rows
