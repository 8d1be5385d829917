"""Benchmark the trace graph's draw in Chromium: from navigation to the chart's first `finished` event.

Run from the worktree root (needs Debian's Chromium at /usr/bin/chromium and `make static`):

    .venv/bin/python bench/graph.py [--size 300:50000:200000:40 --size 550:50000:300000:70] [--loads 10]

Each `--size LABEL:ACCOUNTS:TRANSFERS:FLOWS` generates a ledger with the engine's generator, uploads it
through `ledger_upload` (indexed and traced by the tasks, run at once here as in bench/bank.py), and
seeds the trace with every planted flow, so the trace has a few hundred accounts. A separate web
process (uvicorn, same database and DATA_DIR) serves the trace page to a signed-in officer; Chromium
(1280×900) loads it `--loads` times. bank.js sets the performance marks `trace-graph-start` (its
script runs) and `trace-graph-drawn` (ECharts' first `finished` event); their startTime is measured
from navigation start (so "drawn" includes serving and parsing the page and loading ECharts). Prints
p50/p95 of each, of the draw itself (drawn − start), and the load average; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bank  # noqa: E402 - sets up Django on a throw-away DATA_DIR, and takes bench/ off the path again

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_SIZES = ["300:50000:200000:40", "550:50000:300000:70"]  # 349 and 551 accounts


def build_trace(label: str, accounts: int, transfers: int, flows: int):
    """A trace through the real services: generated ledger, the seeds as the loss's transfers, upload, tasks."""
    import datetime as dt

    import polars as pl
    from django.core.files import File

    from lianxin.antifraud.models import FundTrace, LossTransfer
    from lianxin.antifraud.services import bank_request_send, ledger_upload

    path, seeds = bank.make_ledger(transfers, accounts, flows, "csv", name=f"generated-{label}")
    station, officer, partner, liaison, loss = bank.world(code=f"bench{label}")
    rows = pl.read_csv(path, infer_schema=False).filter(pl.col("txn_id").is_in(seeds))
    for row in rows.iter_rows(named=True):
        LossTransfer.objects.create(
            loss=loss,
            at=dt.datetime.fromisoformat(row["timestamp"]),
            amount_fen=round(float(row["amount"]) * 100),
            to_account=row["to_account"],
            txn_ref=row["txn_id"],
        )
    first = rows.row(0, named=True)
    request = bank_request_send(
        loss=loss,
        actor=officer,
        bank=partner,
        kind="stop",
        account=first["to_account"],
        amount_fen=round(float(first["amount"]) * 100),
    )
    with path.open("rb") as handle:
        ledger_upload(loss=loss, actor=liaison, upload=File(handle, name="ledger.csv"), request=request)
    return FundTrace.objects.get(loss=loss), officer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", action="append", help="LABEL:ACCOUNTS:TRANSFERS:FLOWS (repeatable)")
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    from django.core.management import call_command
    from django.test import Client

    from lianxin.antifraud.present import trace_graph

    call_command("migrate", verbosity=0)
    traces = []
    for size in args.size or DEFAULT_SIZES:
        label, accounts, transfers, flows = size.split(":")
        trace, officer = build_trace(label, int(accounts), int(transfers), int(flows))
        graph = trace_graph(trace.result)
        client = Client()
        client.force_login(officer)
        traces.append((trace, client.cookies["sessionid"].value, graph))
        print(
            f"trace {label}: {trace.status} {trace.error}, {len(trace.result.get('accounts', []))} accounts, "
            f"graph {len(graph['nodes'])} nodes / {len(graph['links'])} links"
        )
    from playwright.sync_api import sync_playwright

    with bank.web_process() as (base, _pid), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for trace, session, graph in traces:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
            page = context.new_page()
            page.on("pageerror", lambda error: print(f"page error: {error}"))
            starts, drawn, draws = [], [], []
            for run in range(args.loads + 1):
                page.goto(f"{base}/fraud/traces/{trace.pk}/")
                page.wait_for_selector('#trace-graph[data-drawn="1"]', state="attached", timeout=60_000)
                marks = page.evaluate(
                    "['trace-graph-start', 'trace-graph-drawn'].map(n => performance.getEntriesByName(n)[0].startTime)"
                )
                if run:  # the first load fills the browser's cache; it is not counted
                    starts.append(marks[0])
                    drawn.append(marks[1])
                    draws.append(marks[1] - marks[0])
            n = len(trace.result.get("accounts", []))
            print(
                f"graph {n} accounts ({len(graph['nodes'])} nodes, {len(graph['links'])} links) over {args.loads} loads: "
                f"script start p50 {bank.pct(starts, 0.5):.0f} / p95 {bank.pct(starts, 0.95):.0f} ms; "
                f"drawn p50 {bank.pct(drawn, 0.5):.0f} / p95 {bank.pct(drawn, 0.95):.0f} ms after navigation; "
                f"the draw itself (start → drawn) p50 {bank.pct(draws, 0.5):.0f} / p95 {bank.pct(draws, 0.95):.0f} ms"
            )
            context.close()
        browser.close()
    print(f"load average {Path('/proc/loadavg').read_text().strip()}  ({time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
