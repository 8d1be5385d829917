"""The trace graph with a few hundred accounts in a real browser (desktop and a 360 px phone): the chart finishes
its render, every node is drawn, hovering or tapping a node shows its account, and the page still answers.

The trace is built through the real services and engine: a generated ledger (the engine's generator, with
planted fraud flows) uploaded by the bank's liaison, indexed and traced by the tasks, seeded by the planted
flows' transfers recorded on the loss. No time is asserted (bench/graph.py measures the draw).
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from django.core.files import File

from lianxin.antifraud.models import FraudLoss, FundTrace, LossTransfer, TraceStatus
from lianxin.antifraud.present import trace_graph, victim_accounts_masked
from lianxin.antifraud.services import bank_request_send, ledger_upload
from lianxin.antifraud.services.common import CATEGORY_LOSS, desk_category
from lianxin.cases.services import case_open
from lianxin.engines.fundtrace.generate import GeneratorConfig, generate_ledger
from tests.antifraud.test_bank_browser import ECHARTS
from tests.browser.test_journey import CHROMIUM, SCREENSHOTS, browser, phone, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
    pytest.mark.skipif(not ECHARTS.exists(), reason="ECharts is not in lianxin/static/vendor (make static)"),
]
# 50,000 accounts, 200,000 transfers, 40 planted flows: the trace of every flow has 349 accounts.
LEDGER = {"n_accounts": 50_000, "target_transfers": 200_000, "n_flows": 40}
DRAWN = '#trace-graph[data-drawn="1"]'
# The chart's nodes as drawn: id and pixel position inside the chart element (ECharts' own layout).
NODES_JS = """() => {
  const el = document.getElementById('trace-graph');
  const chart = echarts.getInstanceByDom(el);
  const data = chart.getModel().getSeriesByIndex(0).getData();
  const out = [];
  for (let i = 0; i < data.count(); i++) {
    const p = data.getItemLayout(i);
    const [x, y] = chart.convertToPixel({seriesIndex: 0}, [p[0], p[1]]);
    out.push({id: data.getName(i), x, y, visible: !!data.getItemGraphicEl(i)});
  }
  return out;
}"""


PROBE = '<img src="x" id="xss-probe">'


def big_trace(world, tmp_path) -> FundTrace:
    """A loss whose transfers are the seeds of every planted flow, traced through the bank's uploaded ledger."""
    paths = generate_ledger(GeneratorConfig(utc_offset_minutes=480, **LEDGER), tmp_path / "generated", fmt="csv")
    seeds = [s for flow in json.loads(paths["truth"].read_text(encoding="utf-8"))["flows"] for s in flow["seeds"]]
    case = case_open(
        station=world.station,
        actor=world.officer,
        channel="walk_in",
        category=desk_category(station=world.station, code=CATEGORY_LOSS),
        description="一个团伙的四十名受害人",
        lat=world.in_grid1[0],
        lon=world.in_grid1[1],
    )
    loss = FraudLoss.objects.create(station=world.station, case=case, reported_at=case.opened_at)
    rows = pl.read_csv(paths["ledger"], infer_schema=False).filter(pl.col("txn_id").is_in(seeds))
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
        actor=world.officer,
        bank=world.bank,
        kind="stop",
        account=first["to_account"],
        amount_fen=round(float(first["amount"]) * 100),
    )
    with paths["ledger"].open("rb") as handle:
        ledger_upload(loss=loss, actor=world.bank_liaison, upload=File(handle, name="ledger.csv"), request=request)
    return FundTrace.objects.get(loss=loss)


def shot(page, name: str) -> None:
    """The screen around the graph (a full-page shot of several hundred account cards is tens of thousands of px)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#trace-graph").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _check_usable(page, graph: dict, name: str, *, is_touch: bool = False) -> None:
    page.locator(DRAWN).wait_for(state="attached", timeout=30_000)
    drawn = page.evaluate(NODES_JS)
    assert sorted(n["id"] for n in drawn) == sorted(n["id"] for n in graph["nodes"])  # every node, once
    assert all(n["visible"] for n in drawn)
    box = page.locator("#trace-graph").bounding_box()
    inside = [n for n in drawn if 0 <= n["x"] <= box["width"] and 0 <= n["y"] <= box["height"]]
    assert len(inside) == len(drawn)  # none placed off the chart
    shot(page, name)
    # Hover (desktop) or tap (phone) the node of a traced account, the one furthest from any other node (so
    # the pointer lands on it alone): its tooltip names the account.
    accounts = {n["id"] for n in graph["nodes"] if n["kind"] == "account"}

    def room(n: dict) -> float:
        return min((n["x"] - o["x"]) ** 2 + (n["y"] - o["y"]) ** 2 for o in drawn if o is not n)

    target = max((n for n in drawn if n["id"] in accounts), key=room)
    box = page.locator("#trace-graph").bounding_box()  # after the screenshot scrolled the graph into view
    x, y = box["x"] + target["x"], box["y"] + target["y"]
    if is_touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.move(x, y)
    tooltip = page.locator(".trace-tooltip")
    tooltip.wait_for(state="visible")
    assert target["id"] in tooltip.inner_text() and PROBE in tooltip.inner_text()
    assert page.locator("#xss-probe").count() == 0
    assert "第" in tooltip.inner_text() and "级" in tooltip.inner_text()  # the level, in the page's language
    shot(page, f"{name}-tooltip")
    # Not frozen: the first account's mule score opens when asked.
    details = page.locator("#trace-accounts li details").first
    details.locator("summary").click()
    assert details.evaluate("d => d.open") is True


def test_a_trace_of_several_hundred_accounts_draws_and_stays_usable(
    transactional_db,
    live_server,
    world,
    browser,  # noqa: F811 - the shared Chromium fixture
    settings,
    tmp_path,
):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    world.bank.name = "中国工商银行丹东分行"
    world.bank.save(update_fields=["name"])
    trace = big_trace(world, tmp_path)
    assert trace.status == TraceStatus.DONE, trace.error
    assert len(trace.result["accounts"]) >= 300
    # Holder names come from a bank's ledger: one that is HTML must show as text in the tooltip, never run.
    for row in trace.result["accounts"]:
        row["holder_name"] = PROBE
    trace.save(update_fields=["result"])
    graph = trace_graph(victim_accounts_masked(trace.result))  # as the page draws it: victims masked
    errors: list[str] = []

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    desk.set_default_timeout(15_000)
    page = desk.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "a_officer")
    page.goto(f"/fraud/traces/{trace.pk}/")
    _check_usable(page, graph, "bank-graph-desktop")

    small = phone(browser, live_server.url, errors)
    sign_in(small, "a_officer")
    small.goto(f"/fraud/traces/{trace.pk}/")
    _check_usable(small, graph, "bank-graph-360", is_touch=True)
    assert small.evaluate("document.documentElement.scrollWidth") <= 360  # the chart does not widen the page
    assert errors == []
