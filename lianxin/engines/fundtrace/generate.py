"""Synthetic bank ledger with planted fraud flows and a truth file (fixed seed, reproducible).

Background (vectorised): monthly payroll, shopping at merchants (Zipf popularity, so a few
become hubs), bills to utilities, top-ups to third-party payment platforms, ATM cash and
person-to-person transfers (mostly between "neighbours", a few large ones).

Planted flows (one Python loop, a few hundred rows each at most), shapes used by launderers:
telecom chain, fan_out, fan_in, cycle, scatter_gather, gather_scatter, stack, bipartite,
random_walk. Chinese telecom-fraud traits throughout: one large credit from the victim to a
一级卡, dwell of minutes to hours (pausing overnight), 1–5% kept per hop, splits just under
transfer limits, cross-bank hops, cash-out at ATMs and third-party sinks inside the horizon,
hub merchants on the path, card farmers shared by several flows (commingling), and mules
that are ordinary accounts with their own payroll and spending.

The truth file records per flow: seeds, accounts (with level), transfers, and the victims'
money each account still holds at the end of the flow (`held_fen`) and what left the ledger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np
import polars as pl

from .zone import SECONDS_PER_MINUTE, check_utc_offset, offset_label

# The ledger starts at local midnight of 2026-03-01 in the station's offset: this epoch
# (2026-03-01T00:00:00Z) minus the offset. Every time is built from it and local hours, so
# another offset shifts every transfer by the difference and changes nothing else.
START_DATE_UTC_EPOCH = 1_772_323_200
DAY = 86_400
BANKS = (
    "工商银行",
    "建设银行",
    "农业银行",
    "中国银行",
    "交通银行",
    "招商银行",
    "邮储银行",
    "农商银行",
    "兴业银行",
    "民生银行",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇晨欣怡佳琪子轩梓涵一诺"
SHAPES = (
    "telecom",
    "fan_out",
    "fan_in",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "stack",
    "bipartite",
    "random_walk",
)
TRANSFER_LIMITS_YUAN = (50_000, 20_000)
ATM_LIMIT_YUAN = 20_000


@dataclass
class GeneratorConfig:
    """How big a ledger to make; `target_transfers` defaults to 10 per account.

    `utc_offset_minutes` (east of UTC) places the station's local days and hours: payroll at
    09:00, shopping by day, flows pausing overnight, CSV times written in that offset.
    """

    utc_offset_minutes: int
    n_accounts: int = 20_000
    days: int = 30
    seed: int = 20260301
    n_flows: int = 40
    target_transfers: int | None = None

    @property
    def offset_seconds(self) -> int:
        return check_utc_offset(self.utc_offset_minutes) * SECONDS_PER_MINUTE

    @property
    def start_epoch(self) -> int:
        """Epoch seconds of local midnight on the ledger's first day."""
        return START_DATE_UTC_EPOCH - self.offset_seconds


class _Roles:
    def __init__(self, n: int, rng: np.random.Generator):
        n_emp = max(3, n // 300)
        n_merch = max(10, n // 200)
        n_util, n_plat = 8, 3
        n_atm = max(5, n // 500)
        n_fresh = max(20, n // 200)
        idx = rng.permutation(n)
        cut = np.cumsum([n_emp, n_merch, n_util, n_plat, n_atm, n_fresh])
        self.employers, self.merchants, self.utilities, self.platforms, self.atms, self.fresh, self.persons = np.split(
            idx, cut
        )
        self.kind = np.array(["person"] * n, dtype=object)
        for name, arr in (
            ("employer", self.employers),
            ("merchant", self.merchants),
            ("utility", self.utilities),
            ("platform", self.platforms),
            ("atm", self.atms),
            ("fresh", self.fresh),
        ):
            self.kind[arr] = name


def _account_table(n: int, roles: _Roles, rng: np.random.Generator) -> pl.DataFrame:
    number = rng.permutation(n).astype(np.int64) + 10**9
    bank_idx = rng.integers(0, len(BANKS), n)
    prefix = np.array(["62" + str(1000 + 37 * b) for b in range(len(BANKS))])[bank_idx]
    kind = roles.kind
    atm = kind == "atm"
    ids = np.where(atm, np.char.add("ATM", number.astype(str)), np.char.add(prefix, number.astype(str)))
    sn = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(list(GIVEN))[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(list(GIVEN))[rng.integers(0, len(GIVEN), n)], "")
    names = np.char.add(np.char.add(sn, g1), g2)
    org = {"employer": "有限公司", "merchant": "商贸店", "utility": "供水供电", "platform": "支付备付金"}
    for k, suffix in org.items():
        m = kind == k
        names[m] = np.char.add(np.char.add(sn[m], g1[m]), suffix)
    names[atm] = "ATM取现"
    return pl.DataFrame({"account": ids.astype(str), "name": names, "bank": np.array(BANKS)[bank_idx]})


def _local_times(rng, n: int, cfg: GeneratorConfig, night_share: float = 0.04) -> np.ndarray:
    day = rng.integers(0, cfg.days, n)
    hour = np.where(rng.random(n) < night_share, rng.integers(0, 6, n), np.clip(rng.normal(14.5, 3.8, n), 6, 23.99))
    return cfg.start_epoch + day * DAY + (hour * 3600).astype(np.int64) + rng.integers(0, 60, n)


def _background(cfg: GeneratorConfig, roles: _Roles, rng: np.random.Generator) -> dict[str, np.ndarray]:
    total = cfg.target_transfers or cfg.n_accounts * 10
    persons = roles.persons
    frames = []
    # payroll: every employed person once a month, 09:00–11:00 on the 10th
    employed = persons[rng.random(len(persons)) < 0.75]
    employer = roles.employers[rng.integers(0, len(roles.employers), len(employed))]
    salary = (rng.lognormal(np.log(6000), 0.45, len(employed)) * 100).astype(np.int64)
    for month_start in range(0, cfg.days, 30):
        day = month_start + 9
        if day >= cfg.days:
            break
        t = cfg.start_epoch + day * DAY + 9 * 3600 + rng.integers(0, 7200, len(employed))
        frames.append((employer, employed, salary, t, np.full(len(employed), 1, np.int8)))
    left = max(0, total - sum(len(f[0]) for f in frames))
    shares = {"shop": 0.40, "p2p": 0.30, "bill": 0.08, "platform": 0.12, "atm": 0.10}
    counts = {k: int(left * v) for k, v in shares.items()}
    counts["shop"] += left - sum(counts.values())
    n = counts["shop"]
    zipf = 1.0 / np.arange(1, len(roles.merchants) + 1) ** 1.1
    merch = roles.merchants[rng.choice(len(roles.merchants), n, p=zipf / zipf.sum())]
    frames.append(
        (
            persons[rng.integers(0, len(persons), n)],
            merch,
            np.clip(rng.lognormal(np.log(15_000), 1.0, n), 100, 2_000_000).astype(np.int64),
            _local_times(rng, n, cfg),
            np.zeros(n, np.int8),
        )
    )
    n = counts["p2p"]
    payer = rng.integers(0, len(persons), n)
    near = (payer + rng.integers(-40, 41, n)) % len(persons)
    payee = np.where(rng.random(n) < 0.7, near, rng.integers(0, len(persons), n))
    amt = rng.lognormal(np.log(50_000), 1.2, n)
    big = rng.random(n) < 0.02
    amt[big] = rng.uniform(1_000_000, 8_000_000, big.sum())
    frames.append(
        (
            persons[payer],
            persons[payee],
            np.clip(amt, 100, 10_000_000).astype(np.int64),
            _local_times(rng, n, cfg, 0.06),
            np.zeros(n, np.int8),
        )
    )
    n = counts["bill"]
    frames.append(
        (
            persons[rng.integers(0, len(persons), n)],
            roles.utilities[rng.integers(0, 8, n)],
            rng.integers(5_000, 80_000, n),
            _local_times(rng, n, cfg),
            np.zeros(n, np.int8),
        )
    )
    n = counts["platform"]
    frames.append(
        (
            persons[rng.integers(0, len(persons), n)],
            roles.platforms[rng.integers(0, len(roles.platforms), n)],
            np.clip(rng.lognormal(np.log(20_000), 1.0, n), 100, 500_000).astype(np.int64),
            _local_times(rng, n, cfg),
            np.full(n, 2, np.int8),
        )
    )
    n = counts["atm"]
    frames.append(
        (
            persons[rng.integers(0, len(persons), n)],
            roles.atms[rng.integers(0, len(roles.atms), n)],
            rng.integers(1, 31, n) * 10_000,
            _local_times(rng, n, cfg),
            np.full(n, 3, np.int8),
        )
    )
    src, dst, amt, ts, kind = (np.concatenate([f[i] for f in frames]) for i in range(5))
    keep = src != dst
    return {
        "src": src[keep].astype(np.int64),
        "dst": dst[keep].astype(np.int64),
        "amount_fen": amt[keep].astype(np.int64),
        "ts": ts[keep].astype(np.int64),
        "kind": kind[keep],
    }


class _Flow(TypedDict):
    """One planted flow while it is planted (account codes, fen, epoch seconds)."""

    id: int
    shape: str
    victims: set[int]
    accounts: dict[int, int]  # account -> level (1 = first card)
    seeds: list[int]  # rows of the victims' transfers
    money: dict[int, int]  # account -> net fen of the flow's money
    n_rows: int
    sinks: bool
    p_rest: float  # chance the money rests at its last card


class _Flows:
    """Plant fraud flows; keeps rows and the truth of where the victims' money rests."""

    def __init__(self, cfg: GeneratorConfig, roles: _Roles, rng: np.random.Generator):
        self.cfg, self.roles, self.rng = cfg, roles, rng
        self.rows: list[tuple[int, int, int, int, int, int]] = []  # src, dst, fen, ts, kind, flow
        self.truth: list[_Flow] = []
        n_farmers = max(30, len(roles.persons) // 400)
        existing = rng.choice(roles.persons, n_farmers, replace=False)
        self.farmers = np.concatenate([existing, roles.fresh])  # card farmers: ordinary + fresh accounts
        self.shared = rng.choice(self.farmers, max(4, len(self.farmers) // 20), replace=False)

    # -- helpers --------------------------------------------------------------------------
    def mule(self) -> int:
        if self.rng.random() < 0.15:
            return int(self.rng.choice(self.shared))  # a card farmer used by several flows
        return int(self.rng.choice(self.farmers))

    def dwell(self, t: int, lo: int = 120, hi: int = 3 * 3600) -> int:
        t = t + int(self.rng.integers(lo, hi))
        offset = self.cfg.offset_seconds
        hour = ((t + offset) % DAY) / 3600
        if (hour >= 23 or hour < 6) and self.rng.random() < 0.5:  # pause overnight, resume 07:00–10:00
            day_start = t - (t + offset) % DAY + (DAY if hour >= 23 else 0)
            t = day_start + int(self.rng.integers(7 * 3600, 10 * 3600))
        return t

    def send(self, flow: _Flow, a: int, b: int, fen: int, t: int, kind: int = 0) -> None:
        self.rows.append((a, b, int(fen), int(t), kind, flow["id"]))
        flow["n_rows"] += 1
        acc = flow["accounts"]
        if a in acc or a in flow["victims"]:
            lvl = 0 if a in flow["victims"] else acc[a]
            if b not in acc and kind == 0 and b not in flow["victims"]:
                acc[b] = lvl + 1
        flow["money"][a] = flow["money"].get(a, 0) - fen
        flow["money"][b] = flow["money"].get(b, 0) + fen

    def split(self, fen: int) -> list[int]:
        limit = int(self.rng.choice(TRANSFER_LIMITS_YUAN)) * 100
        pieces = []
        while fen > limit:
            piece = limit - int(self.rng.integers(100, 100_000))
            pieces.append(piece)
            fen -= piece
        pieces.append(fen)
        return pieces

    def skim(self, fen: int) -> int:
        return int(fen * self.rng.uniform(0.01, 0.05))

    def terminal(self, flow: _Flow, a: int, fen: int, t: int) -> None:
        """Money at its last card: rest there, cash out at ATMs, pay out via a platform or merchant."""
        r = self.rng.random()
        if r < flow["p_rest"]:
            return
        t = self.dwell(t, 300, 5 * 3600)
        if r < flow["p_rest"] + 0.45:
            atm = int(self.rng.choice(self.roles.atms))
            while fen > 0:
                chunk = min(fen, ATM_LIMIT_YUAN * 100 - int(self.rng.integers(0, 50)) * 10_000)
                self.send(flow, a, atm, chunk, t, 3)
                fen -= chunk
                t += int(self.rng.integers(60, 600))
            flow["sinks"] = True
        elif r < flow["p_rest"] + 0.75:
            self.send(flow, a, int(self.rng.choice(self.roles.platforms)), fen, t, 2)
            flow["sinks"] = True
        else:
            self.send(flow, a, int(self.rng.choice(self.roles.merchants[:5])), fen, t, 0)  # hub merchant
            flow["sinks"] = True

    def layer(self, flow: _Flow, a: int, fen: int, t: int, depth: int) -> None:
        """Keep a skim, split the rest under limits to next cards, recurse; end at a terminal."""
        keep = self.skim(fen)
        fen -= keep
        if depth <= 0:
            self.terminal(flow, a, fen, t)
            return
        t = self.dwell(t)
        for piece in self.split(fen):
            b = self.mule()
            if b == a:
                continue
            self.send(flow, a, b, piece, t)
            self.layer(flow, b, piece, t, depth - 1)
            t += int(self.rng.integers(30, 900))

    def victim_payment(self, flow: _Flow, victim: int, first: int, t: int) -> int:
        fen = (
            int(self.rng.choice([2, 3, 4.9, 5, 8, 10, 15, 20, 30, 50]) * 1_000_000)
            + int(self.rng.integers(0, 100)) * 100
        )
        flow["victims"].add(victim)
        self.send(flow, victim, first, fen, t, 0)
        flow["seeds"].append(len(self.rows) - 1)
        return fen

    # -- shapes ---------------------------------------------------------------------------
    def plant(self, flow_id: int, shape: str) -> None:
        rng = self.rng
        t0 = (
            self.cfg.start_epoch
            + int(rng.integers(1, max(2, self.cfg.days - 4))) * DAY
            + int(rng.integers(7, 23)) * 3600
        )
        flow: _Flow = {
            "id": flow_id,
            "shape": shape,
            "victims": set(),
            "accounts": {},
            "seeds": [],
            "money": {},
            "n_rows": 0,
            "sinks": False,
            "p_rest": float(rng.choice([1.0, 0.5, 0.25])),
        }
        persons = self.roles.persons
        victims = [int(v) for v in rng.choice(persons, 6, replace=False)]
        first = self.mule()
        if shape in ("telecom", "random_walk", "cycle", "stack", "scatter_gather", "fan_out"):
            fen = self.victim_payment(flow, victims[0], first, t0)
            t = t0
        else:  # fan_in, gather_scatter, bipartite: several victims, commingled in shared cards
            fen, t = 0, t0
            for v in victims[: int(rng.integers(2, 5))]:
                fen += self.victim_payment(flow, v, first, t)
                t += int(rng.integers(600, 4 * 3600))
        if shape == "telecom":
            self.layer(flow, first, fen, t, int(rng.integers(2, 4)))
        elif shape == "random_walk":
            a = first
            for _ in range(int(rng.integers(3, 7))):
                fen -= self.skim(fen)
                t = self.dwell(t, 60, 1800)
                b = self.mule()
                if b == a:
                    continue
                self.send(flow, a, b, fen, t)
                a = b
            self.terminal(flow, a, fen, t)
        elif shape == "cycle":
            ring = [first] + [self.mule() for _ in range(int(rng.integers(2, 4)))]
            for a, b in zip(ring, ring[1:] + [ring[0]]):
                fen -= self.skim(fen)
                t = self.dwell(t, 60, 1800)
                if a != b:
                    self.send(flow, a, b, fen, t)
            self.layer(flow, first, fen, t, 1)
        elif shape in ("fan_out", "fan_in"):
            self.layer(flow, first, fen, t, 2 if shape == "fan_in" else 1)
        elif shape in ("scatter_gather", "gather_scatter", "stack", "bipartite"):
            self.multi(flow, shape, first, fen, t)
        flow["money"] = {a: m for a, m in flow["money"].items() if m}
        self.truth.append(flow)

    def multi(self, flow: _Flow, shape: str, first: int, fen: int, t: int) -> None:
        rng = self.rng
        fen -= self.skim(fen)
        t = self.dwell(t)
        width = int(rng.integers(3, 6))
        layer1 = [m for m in dict.fromkeys(self.mule() for _ in range(width)) if m != first] or [self.mule()]
        share = [int(fen // len(layer1))] * len(layer1)
        share[0] += fen - sum(share)
        for b, piece in zip(layer1, share):
            self.send(flow, first, b, piece, t)
            t += int(rng.integers(30, 600))
        if shape == "scatter_gather":  # recombine at one collector, then layer on
            collector = self.mule()
            total = 0
            for b, piece in zip(layer1, share):
                if b == collector:
                    continue
                p = piece - self.skim(piece)
                t = self.dwell(t, 60, 1800)
                self.send(flow, b, collector, p, t)
                total += p
            self.layer(flow, collector, total, t, 1)
        elif shape in ("stack", "bipartite", "gather_scatter"):
            layer2 = [
                m
                for m in dict.fromkeys(self.mule() for _ in range(int(rng.integers(2, 5))))
                if m not in layer1 and m != first
            ]
            got = dict.fromkeys(layer2, 0)
            for b, piece in zip(layer1, share):
                p = piece - self.skim(piece)
                t = self.dwell(t, 60, 1800)
                parts = [p // len(layer2)] * len(layer2) if layer2 else []
                if parts:
                    parts[0] += p - sum(parts)
                for c, part in zip(layer2, parts):
                    self.send(flow, b, c, part, t)
                    got[c] += part
                    t += int(rng.integers(10, 300))
            for c, amount in got.items():
                if shape == "stack":
                    self.layer(flow, c, amount, t, 1)
                else:
                    self.terminal(flow, c, amount - self.skim(amount), t)


def generate_ledger(cfg: GeneratorConfig, out_dir: Path, fmt: str = "parquet") -> dict[str, Path]:
    """Write `ledger.<fmt>` and `truth.json` into `out_dir`; return their paths."""
    rng = np.random.default_rng(cfg.seed)
    roles = _Roles(cfg.n_accounts, rng)
    table = _account_table(cfg.n_accounts, roles, rng)
    bg = _background(cfg, roles, rng)
    flows = _Flows(cfg, roles, rng)
    for i in range(cfg.n_flows):
        flows.plant(i, SHAPES[i % len(SHAPES)])
    fr = np.array(flows.rows, dtype=np.int64).reshape(-1, 6)
    src = np.concatenate([bg["src"], fr[:, 0]])
    dst = np.concatenate([bg["dst"], fr[:, 1]])
    amt = np.concatenate([bg["amount_fen"], fr[:, 2]])
    ts = np.concatenate([bg["ts"], fr[:, 3]])
    kind = np.concatenate([bg["kind"], fr[:, 4].astype(np.int8)])
    order = np.lexsort((rng.random(len(ts)), ts))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    acc, name, bank = table["account"], table["name"], table["bank"]
    df = pl.DataFrame(
        {
            "txn_id": pl.Series(rank).cast(pl.String).str.zfill(10),
            "from_account": acc.gather(src),
            "to_account": acc.gather(dst),
            "amount_fen": amt,
            "timestamp": ts,
            "from_name": name.gather(src),
            "to_name": name.gather(dst),
            "from_bank": bank.gather(src),
            "to_bank": bank.gather(dst),
            "channel": _channel_series(kind, rng),
        }
    )
    df = df.with_columns((pl.lit("T") + pl.col("txn_id")).alias("txn_id"))
    df = df[order]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"ledger": out_dir / f"ledger.{fmt}", "truth": out_dir / "truth.json"}
    if fmt == "csv":
        write_ledger_csv(df, paths["ledger"], utc_offset_minutes=cfg.utc_offset_minutes)
    else:
        df.write_parquet(paths["ledger"])
    n_bg = len(bg["src"])
    txn_of_row = df["txn_id"].to_numpy()  # df is in position order; map original rows through rank
    ids = np.empty(len(order), dtype=object)
    ids[order] = txn_of_row
    flows_out: list[dict] = []
    truth = {"config": cfg.__dict__, "start_epoch": cfg.start_epoch, "flows": flows_out}
    fr_start = n_bg
    row = 0
    for flow in flows.truth:
        rows = list(range(fr_start + row, fr_start + row + flow["n_rows"]))
        row += flow["n_rows"]
        money = flow["money"]
        flows_out.append(
            {
                "flow_id": flow["id"],
                "shape": flow["shape"],
                "seeds": [ids[fr_start + s] for s in flow["seeds"]],
                "victims": sorted(acc[v] for v in flow["victims"]),
                "accounts": {acc[a]: lvl for a, lvl in flow["accounts"].items()},
                "transfers": [ids[r] for r in rows],
                "has_sink": flow["sinks"],
                "held_fen": {
                    acc[a]: int(m)
                    for a, m in money.items()
                    if m > 0 and a in flow["accounts"] and roles.kind[a] in ("person", "fresh")
                },
                "left_ledger_fen": int(
                    sum(m for a, m in money.items() if m > 0 and roles.kind[a] not in ("person", "fresh"))
                ),
            }
        )
    truth["mule_accounts"] = sorted(
        {a for f in flows_out for a in f["accounts"] if not a.startswith("ATM")}
        - {v for f in flows_out for v in f["victims"]}
        - set(acc.gather(np.concatenate([roles.merchants, roles.platforms])).to_list())
    )
    paths["truth"].write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


def write_ledger_csv(df: pl.DataFrame, path: Path, *, utc_offset_minutes: int) -> None:
    """Write a generated ledger as CSV the way banks export it: yuan with 2 decimals, local times
    with their offset (e.g. 2026-03-01T10:00:00+08:00)."""
    yuan = (
        (pl.col("amount_fen") // 100).cast(pl.String) + "." + (pl.col("amount_fen") % 100).cast(pl.String).str.zfill(2)
    )
    offset = check_utc_offset(utc_offset_minutes)
    iso = pl.from_epoch(pl.col("timestamp") + offset * SECONDS_PER_MINUTE, "s").dt.to_string(
        "%Y-%m-%dT%H:%M:%S"
    ) + pl.lit(offset_label(offset))
    df.with_columns(yuan.alias("amount_fen"), iso.alias("timestamp")).rename({"amount_fen": "amount"}).write_csv(path)


def _channel_series(kind: np.ndarray, rng: np.random.Generator) -> pl.Series:
    names = pl.Series(["手机银行", "网银", "柜面", "网银", "第三方支付", "ATM"], dtype=pl.String)
    code = rng.integers(0, 3, len(kind))
    code = np.where(kind == 1, 3, np.where(kind == 2, 4, np.where(kind == 3, 5, code)))
    return names.gather(code)
