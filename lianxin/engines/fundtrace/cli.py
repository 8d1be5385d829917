"""`lianxin ledger index|generate`, `lianxin trace`, `lianxin mules`.

Exit codes: 0 ok, 2 bad input (message on stderr, no traceback, nothing half-written).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .constants import DEFAULT_HUB_DEGREE, DEFAULT_MAX_HOPS, POLICIES
from .ingest import FEN_PER_YUAN, LedgerError
from .ledger import Ledger
from .zone import check_utc_offset, offset_label

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}
_UTC_OFFSET = re.compile(r"^\s*(?:UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$", re.IGNORECASE)
# The station's offset when none is given: Asia/Shanghai is UTC+8 all year (no DST). The
# engine has no default; this edge does, and an app passes its station's offset instead.
DEFAULT_UTC_OFFSET = "+08:00"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a one-line message, as argparse does, but no usage dump
        raise LedgerError(f"{self.prog}: {message}")


def parse_duration(text: str) -> int:
    """Parse '72h', '30m', '3d', '3600s' or '3600' into seconds."""
    m = _DURATION.match(text)
    if not m:
        raise LedgerError(f"cannot read duration {text!r} (use e.g. 72h, 30m, 3d)")
    return int(float(m.group(1)) * _UNIT_SECONDS[m.group(2)])


def parse_utc_offset(text: str) -> int:
    """Parse '+08:00', '-05:30', '+0800', '+8', 'UTC+8' or 'Z' into minutes east of UTC."""
    if text.strip().upper() in ("Z", "UTC"):
        return 0
    m = _UTC_OFFSET.match(text)
    if not m:
        raise LedgerError(f"cannot read UTC offset {text!r} (use e.g. +08:00, -05:30, Z)")
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if int(m.group(3) or 0) >= 60:
        raise LedgerError(f"cannot read UTC offset {text!r}: minutes must be below 60")
    return check_utc_offset(-minutes if m.group(1) == "-" else minutes)


def parse_time(text: str, utc_offset_minutes: int) -> int:
    """Parse ISO 8601 or integer epoch seconds into epoch seconds (fractions dropped).

    A time without a zone (2026-03-01T12:00, or a bare date) is read in the station's
    `utc_offset_minutes`.
    """
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise LedgerError(
            f"cannot read time {text!r}: use ISO 8601 (e.g. 2026-03-01T10:00:00+08:00; without a zone, "
            "station time) or epoch seconds"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone(timedelta(minutes=utc_offset_minutes)))
    return int(value.timestamp() // 1)


def parse_yuan(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)(?:\.(\d{1,2}))?\s*", text)
    if not m:
        raise LedgerError(f"cannot read amount {text!r} (yuan, up to 2 decimals)")
    return int(m.group(1)) * FEN_PER_YUAN + int((m.group(2) or "0").ljust(2, "0"))


def _print_problems(ledger: Ledger) -> None:
    problems = ledger.meta["problems"]
    if problems["total"]:
        print(f"warning: {problems['total']} bad rows left out of the ledger:", file=sys.stderr)
        for kind, count in problems["counts"].items():
            lines = ", ".join(map(str, problems["first_lines"].get(kind, [])))
            print(f"  {kind}: {count} ({problems['unit']}s {lines}{', …' if count > 20 else ''})", file=sys.stderr)


def _fen(v: int) -> str:
    return f"{v / FEN_PER_YUAN:,.2f}"


def _cmd_index(args) -> int:
    out = Path(args.output)
    if out.exists() and not (out / "meta.json").exists() and any(out.iterdir()):
        raise LedgerError(f"{out}: exists and is not a ledger index; refusing to overwrite")
    started = time.perf_counter()
    ledger = Ledger.open(
        args.ledger, utc_offset_minutes=parse_utc_offset(args.utc_offset), fmt=args.format, balances=args.balances
    )
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    ledger.save(tmp)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    _print_problems(ledger)
    print(
        f"indexed {ledger.n_transfers:,} transfers, {ledger.n_accounts:,} accounts into {out} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _cmd_generate(args) -> int:
    from .generate import GeneratorConfig, generate_ledger  # noqa: PLC0415 - only this command needs it

    cfg = GeneratorConfig(
        utc_offset_minutes=parse_utc_offset(args.utc_offset),
        n_accounts=args.accounts,
        days=args.days,
        seed=args.seed,
        n_flows=args.flows,
        target_transfers=args.transfers,
    )
    paths = generate_ledger(cfg, Path(args.output), fmt=args.format)
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


def _open(args) -> Ledger:
    ledger = Ledger.open(
        args.ledger,
        utc_offset_minutes=parse_utc_offset(args.utc_offset),
        fmt=args.format,
        balances=getattr(args, "balances", None),
    )
    _print_problems(ledger)
    return ledger


_FLOW_SEED = re.compile(r"^flow:(\d+)$")
_POLICY_NAMES = {"fifo": "先进先出", "lifo": "后进先出", "haircut": "按比例", "poison": "全额污染"}
_SINK_NAMES = {
    "cash": "取现",
    "third_party": "第三方支付",
    "platform": "平台/商户",
    "max_hops": "超过跳数",
    "beyond_horizon": "超出时限",
    "below_min_amount": "低于起点金额",
}
_ACTION_NAMES = {"none": "无需处置"}


def truth_file_for(ledger: str | Path) -> Path | None:
    """Return the generator's truth.json next to a ledger file or index directory, if any."""
    path = Path(ledger)
    for candidate in ([path / "truth.json"] if path.is_dir() else []) + [path.parent / "truth.json"]:
        if candidate.is_file():
            return candidate
    return None


def resolve_seeds(seeds: list[str], ledger: str | Path) -> list[str]:
    """Expand each "flow:N" into the seed transfers of planted flow N (truth.json of `lianxin ledger generate`).

    Other seeds are txn ids and pass through unchanged. Raises LedgerError when there is no
    truth.json next to the ledger or index, or no flow N in it.
    """
    out: list[str] = []
    truth: dict | None = None
    for seed in seeds:
        m = _FLOW_SEED.match(seed.strip())
        if not m:
            out.append(seed)
            continue
        if truth is None:
            path = truth_file_for(ledger)
            if path is None:
                raise LedgerError(
                    f"--seed {seed}: no truth.json next to {ledger} (flow:N names a planted flow of a ledger "
                    "made by `lianxin ledger generate`; otherwise give a txn_id)"
                )
            truth = json.loads(path.read_text(encoding="utf-8"))
            truth_path = path
        flows = {int(f["flow_id"]): f for f in truth.get("flows", [])}
        flow = flows.get(int(m.group(1)))
        if flow is None:
            known = f"flows 0–{max(flows)}" if flows else "no flows"
            raise LedgerError(f"--seed {seed}: no planted flow {m.group(1)} in {truth_path} ({known})")
        out.extend(flow["seeds"])
    return out


def _local(iso_time: str | None) -> str:
    """Show an ISO time (already in the station's offset) as 2026-03-01 12:00:05."""
    return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M:%S") if iso_time else ""


def _cmd_trace(args) -> int:
    ledger = _open(args)
    seeds = resolve_seeds(args.seed, args.ledger)
    result = ledger.trace(
        seeds,
        policy=args.policy,
        horizon_seconds=parse_duration(args.horizon),
        max_hops=args.max_hops,
        min_amount_fen=parse_yuan(args.min_amount),
        as_of=parse_time(args.as_of, ledger.utc_offset_minutes) if args.as_of else None,
        hub_degree=args.hub_degree,
        top=args.top,
        prior_stops=dict(Counter(args.stopped)),
    )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return 0
    zone = f"UTC{offset_label(ledger.utc_offset_minutes)}"
    if result.as_of_source != "given":
        print(f"注意：未给出 --as-of，以账本最后一笔交易时间 {_local(result.as_of)} 为准")
    print(
        f"资金追踪：种子交易 {'、'.join(s['txn_id'] for s in result.seeds)}，截至 {_local(result.as_of)}（{zone}）；"
        f"{len(result.accounts)} 个账户，{len(result.edges)} 笔转账，用时 {result.elapsed_ms:.1f} 毫秒"
    )
    pols = result.policies
    print("现可追回（元）：" + "，".join(f"{_POLICY_NAMES[p]} {_fen(result.recoverable_total_fen[p])}" for p in pols))
    print(
        f"{'层级':>4} {'账户':<22} {'户名':<10} "
        + " ".join(f"{_POLICY_NAMES[p] + '持有':>10}" for p in pols)
        + f" {'卡农分':>5}  建议措施"
    )
    for row in result.accounts[: args.top or 30]:
        held = " ".join(f"{_fen(row['tainted_held_now_fen'][p]):>14}" for p in pols)
        action = _ACTION_NAMES.get(row["recommended_action"], row["recommended_action"])
        print(
            f"{row['level']:>6} {row['account']:<22} {row['holder_name'][:10]:<10} {held} "
            f"{row['mule_score']:>8.2f}  {action}"
            + (f"（止付至 {_local(row['stop_deadline'])}）" if row["stop_deadline"] else "")
        )
        for reason in row["reasons"][:2]:
            print(f"{'':>29}- {reason['text']}")
    for sink in result.sinks[:10]:
        print(
            f"资金流出 {_SINK_NAMES.get(sink['kind'], sink['kind'])}：{sink['account']}，"
            f"首笔 {_local(sink['first_at'])}，"
            + "，".join(f"{_POLICY_NAMES[p]} {_fen(sink['amount_fen'][p])} 元" for p in pols)
        )
    return 0


def _cmd_mules(args) -> int:
    from .mules import average_precision, rank_accounts  # noqa: PLC0415

    ledger = _open(args)
    rows = rank_accounts(ledger, args.top)
    labelled = ledger.label >= 0
    ap = float(average_precision(ledger.mule["score"][labelled], ledger.label[labelled])) if labelled.any() else None
    if args.json:
        print(
            json.dumps(
                {"engine_version": ledger.meta["engine_version"], "accounts": rows, "average_precision": ap},
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    for row in rows:
        tag = "" if row["label"] is None else f" label={row['label']}"
        print(f"{row['mule_score']:.3f} {row['account']:<22} {row['holder_name'][:10]}{tag}")
        for reason in row["reasons"]:
            print(f"      - {reason['text']}")
    if ap is not None:
        print(f"mule-score average precision against the ledger's labels: {ap:.3f}")
    return 0


def _ledger_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ledger", required=True, help="CSV/Parquet ledger, AMLSim directory or index directory")
    p.add_argument("--format", choices=["csv", "parquet", "amlsim", "index"], default=None)
    p.add_argument("--balances", default=None, help="opening balances file (account, balance, as_of)")
    _offset_arg(p)


def _offset_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--utc-offset",
        default=DEFAULT_UTC_OFFSET,
        help=f"the station's UTC offset for night-time and for times read and shown (default {DEFAULT_UTC_OFFSET}; "
        "a negative one as --utc-offset=-05:00)",
    )


def build_parser(word: str) -> argparse.ArgumentParser:
    if word == "ledger":
        p = _Parser(prog="lianxin ledger")
        sub = p.add_subparsers(dest="sub", required=True)
        ix = sub.add_parser("index", help="build a reusable on-disk index")
        ix.add_argument("ledger")
        ix.add_argument("-o", "--output", required=True)
        ix.add_argument("--format", choices=["csv", "parquet", "amlsim"], default=None)
        ix.add_argument("--balances", default=None)
        _offset_arg(ix)
        gen = sub.add_parser("generate", help="write a synthetic ledger with planted fraud flows and a truth file")
        gen.add_argument("-o", "--output", required=True, help="directory for ledger + truth")
        gen.add_argument("--accounts", type=int, default=20_000)
        gen.add_argument("--days", type=int, default=30)
        gen.add_argument("--transfers", type=int, default=None, help="target number of background transfers")
        gen.add_argument("--flows", type=int, default=40, help="planted fraud flows")
        gen.add_argument("--seed", type=int, default=20260301)
        gen.add_argument("--format", choices=["parquet", "csv"], default="parquet")
        _offset_arg(gen)
        return p
    if word == "trace":
        p = _Parser(prog="lianxin trace")
        _ledger_args(p)
        p.add_argument(
            "--seed",
            action="append",
            required=True,
            help="txn_id of a victim's transfer, or flow:N for the seeds of planted flow N of a generated "
            "ledger (truth.json next to the ledger or index); repeatable",
        )
        p.add_argument("--policy", choices=["all", *POLICIES], default="all")
        p.add_argument("--horizon", default="72h")
        p.add_argument("--max-hops", type=int, default=DEFAULT_MAX_HOPS)
        p.add_argument("--min-amount", default="100", help="yuan; smaller transfers are not followed")
        p.add_argument(
            "--as-of",
            default=None,
            help="ISO 8601 (without a zone: station time) or epoch seconds (default: latest transfer)",
        )
        p.add_argument("--hub-degree", type=int, default=DEFAULT_HUB_DEGREE)
        p.add_argument("--top", type=int, default=None)
        p.add_argument(
            "--stopped",
            action="append",
            default=[],
            metavar="ACCOUNT",
            help="an earlier stop-payment on ACCOUNT (repeat per stop; a third is refused by law)",
        )
        p.add_argument("--json", action="store_true")
        return p
    p = _Parser(prog="lianxin mules")
    _ledger_args(p)
    p.add_argument("--top", type=int, default=100)
    p.add_argument("--json", action="store_true")
    return p


def main(argv: list[str]) -> int:
    word, rest = argv[0], argv[1:]
    try:
        args = build_parser(word).parse_args(rest)
        if word == "ledger":
            return _cmd_index(args) if args.sub == "index" else _cmd_generate(args)
        return _cmd_trace(args) if word == "trace" else _cmd_mules(args)
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
