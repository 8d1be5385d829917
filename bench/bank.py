"""Benchmark the police–bank channel: a bank's ledger uploaded through the service, read by the engine in its
task and traced (rows/s, upload to trace shown), then the trace page served to the officer.

Run from the worktree root (a throw-away SQLite database and DATA_DIR under a temp folder; tasks run
immediately in this process, as a worker would run them):

    .venv/bin/python bench/bank.py [--transfers 1000000] [--accounts 100000] [--flows 40] [--page-runs 20]
    .venv/bin/python bench/bank.py --format parquet --transfers 10000000 --accounts 1000000 --web-rss

The ledger comes from the engine's generator (planted fraud flows with their truth file); the victims'
transfers of the loss are the seeds of every planted flow, so the trace has a few hundred accounts.
`--format parquet` uploads the ledger as Parquet (a 10M-transfer CSV is past the 1 GiB upload limit).
`--web-rss` then starts a separate web process (uvicorn, one process, on the same database and
DATA_DIR) and reads its peak resident memory (VmHWM in /proc) after serving the trace page, the
ledger page and the trace's API answer to the signed-in officer `--page-runs` times each.
Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself first on the path: its coverage.py would shadow the `coverage` package numba imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
DATA_DIR = tempfile.mkdtemp(prefix="lianxin-bench-bank-")
os.environ["LIANXIN_DATA_DIR"] = DATA_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ["LIANXIN_TASKS_BACKEND"] = "immediate"
os.environ.setdefault("LIANXIN_DEMO", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

UTC_OFFSET_MINUTES = 480


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def proc_mb(pid: int, field: str) -> float:
    """A process's memory line from /proc (VmRSS now, VmHWM its peak), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def make_ledger(transfers: int, accounts: int, flows: int, fmt: str, name: str = "generated") -> tuple[Path, list[str]]:
    import json

    from lianxin.engines.fundtrace.generate import GeneratorConfig, generate_ledger

    cfg = GeneratorConfig(
        utc_offset_minutes=UTC_OFFSET_MINUTES, n_accounts=accounts, n_flows=flows, target_transfers=transfers
    )
    paths = generate_ledger(cfg, Path(DATA_DIR) / name, fmt=fmt)
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    seeds = [s for flow in truth["flows"] for s in flow["seeds"]]
    return paths["ledger"], seeds


def world(code: str = "bench"):
    from lianxin.antifraud.models import FraudLoss
    from lianxin.antifraud.services.common import CATEGORY_LOSS, desk_category
    from lianxin.cases.services import case_open
    from lianxin.core.models import Partner, Role, Station, User

    station = Station.objects.create(code=code, name=code, center_lat=40.1, center_lon=124.4)
    officer = User.objects.create(username=f"{code}_officer", station=station, role=Role.AUXILIARY)
    bank = Partner.objects.create(station=station, kind="bank", code="icbc", name="中国工商银行丹东分行")
    liaison = User.objects.create(username=f"{code}_bank", station=station, role=Role.BANK_LIAISON, partner=bank)
    case = case_open(
        station=station,
        actor=officer,
        channel="walk_in",
        category=desk_category(station=station, code=CATEGORY_LOSS),
        description="bench",
    )
    loss = FraudLoss.objects.create(station=station, case=case, reported_at=case.opened_at)
    return station, officer, bank, liaison, loss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--flows", type=int, default=40)
    parser.add_argument("--page-runs", type=int, default=20)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--web-rss", action="store_true", help="measure a separate web process serving the trace")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    import polars as pl
    from django.core.files import File
    from django.test import Client

    from lianxin.antifraud.models import FundTrace, LossTransfer
    from lianxin.antifraud.services import bank_request_send, ledger_upload

    started = time.perf_counter()
    ledger_path, seeds = make_ledger(args.transfers, args.accounts, args.flows, args.format)
    print(f"generated {ledger_path.stat().st_size / 1e6:.0f} MB {args.format} in {time.perf_counter() - started:.1f} s")
    station, officer, bank, liaison, loss = world()
    if args.format == "csv":
        rows = pl.read_csv(ledger_path, infer_schema=False).filter(pl.col("txn_id").is_in(seeds))
        n_rows = sum(1 for _ in ledger_path.open("rb")) - 1
    else:
        rows = pl.read_parquet(ledger_path).filter(pl.col("txn_id").is_in(seeds))
        n_rows = int(pl.scan_parquet(ledger_path).select(pl.len()).collect().item())

    def at_and_fen(row: dict) -> tuple[dt.datetime, int]:
        if args.format == "csv":
            return dt.datetime.fromisoformat(row["timestamp"]), round(float(row["amount"]) * 100)
        return dt.datetime.fromtimestamp(row["timestamp"], dt.UTC), int(row["amount_fen"])

    for row in rows.iter_rows(named=True):
        at, fen = at_and_fen(row)
        LossTransfer.objects.create(
            loss=loss, at=at, amount_fen=fen, to_account=row["to_account"], txn_ref=row["txn_id"]
        )
    first = rows.row(0, named=True)
    request = bank_request_send(
        loss=loss, actor=officer, bank=bank, kind="stop", account=first["to_account"], amount_fen=at_and_fen(first)[1]
    )
    with ledger_path.open("rb") as handle:
        t0 = time.perf_counter()
        upload = File(handle, name=f"ledger.{args.format}")
        ledger = ledger_upload(loss=loss, actor=liaison, upload=upload, request=request)
        total = time.perf_counter() - t0
    ledger.refresh_from_db()
    trace = FundTrace.objects.get(ledger=ledger)
    index_s = ledger.seconds or 0.0
    print(f"ledger: {n_rows:,} rows, {ledger.rows_read:,} read, {ledger.accounts:,} accounts, status {ledger.status}")
    print(f"engine index (read + build + save): {index_s:.1f} s = {ledger.rows_read / index_s:,.0f} rows/s")
    print(f"upload to trace shown (copy, header check, index task, trace task): {total:.1f} s")
    print(
        f"trace: {trace.status}, {len(trace.result.get('accounts', []))} accounts, {len(trace.result.get('edges', []))}"
        f" edges, engine {trace.result.get('elapsed_ms', 0):.0f} ms, {len(trace.seeds)} seeds {trace.error}"
    )
    print(f"bench process peak RSS: {peak_mb():,.0f} MB")
    client = Client()
    client.force_login(officer)
    times = []
    size = 0
    for _ in range(args.page_runs):
        t0 = time.perf_counter()
        response = client.get(f"/fraud/traces/{trace.pk}/")
        times.append(time.perf_counter() - t0)
        size = len(response.content)
        assert response.status_code == 200
    print(
        f"trace page ({len(trace.result.get('accounts', []))} accounts, {size / 1024:.0f} KiB): "
        f"p50 {pct(times, 0.5) * 1000:.0f} ms, p95 {pct(times, 0.95) * 1000:.0f} ms, "
        f"mean {statistics.mean(times) * 1000:.0f} ms over {len(times)} runs"
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.web_rss:
        web_process_rss(client, trace, ledger, args.page_runs)


def web_process_rss(client, trace, ledger, runs: int) -> None:
    """Serve the trace from a separate web process (uvicorn, one process) and print its peak RSS.

    The page, the ledger page and the API answer are read from the database (the engine's stored
    result); the web process never opens the ledger's index, so its memory should not grow with the
    ledger. The session of the bench's signed-in client is reused (database sessions).
    """
    import urllib.request

    with web_process() as (base, server_pid):
        idle = proc_mb(server_pid, "VmRSS")
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        paths = (f"/fraud/traces/{trace.pk}/", f"/fraud/ledgers/{ledger.pk}/", f"/api/v1/bank/traces/{trace.pk}")
        timings: dict[str, list[float]] = {p: [] for p in paths}
        for _ in range(runs):
            for path in paths:
                request = urllib.request.Request(base + path, headers={"Cookie": cookie})
                t0 = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
                    response.read()
                    status = response.status
                timings[path].append(time.perf_counter() - t0)
                assert status == 200, (path, status)
        for path, times in timings.items():
            print(f"web process {path}: p50 {pct(times, 0.5) * 1000:.0f} ms, p95 {pct(times, 0.95) * 1000:.0f} ms")
        print(
            f"web process RSS: {idle:,.0f} MB after start, {proc_mb(server_pid, 'VmRSS'):,.0f} MB after serving, "
            f"peak {proc_mb(server_pid, 'VmHWM'):,.0f} MB ({ledger.rows_read:,} transfers, "
            f"{len(trace.result.get('accounts', []))} accounts, result {len(json.dumps(trace.result)) / 1e6:.1f} MB)"
        )
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


@contextlib.contextmanager
def web_process():
    """Run a separate web process (uvicorn, one process) on this bench's database and DATA_DIR.

    Yields (its base URL, its pid).
    """
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LIANXIN_TASKS_BACKEND": "database"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "lianxin.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310 - loopback only
                break
            except urllib.error.HTTPError:
                break  # answering (a redirect to sign in, say) is up
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(server.stderr.read().decode()[-2000:] if server.stderr else "died") from None
                time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
