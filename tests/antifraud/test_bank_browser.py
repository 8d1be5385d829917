"""The police–bank channel in a real browser on a 360 px phone (and the trace on a desktop screen).

The officer records the victim's transfer on the loss case and sends a stop to the first bank; the
bank's liaison accepts it with the amount held and uploads the bank's ledger; the officer opens the
trace (accounts as the engine returned them, and the graph), stops the card farmer at the second bank
in one click and records the money returned; the case clock shows each step.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from lianxin.antifraud.models import BankRequest, FundTrace, Outcome, RequestStatus, WarningSource
from lianxin.antifraud.services import warning_outcome_record, warning_raise
from lianxin.core.models import Partner, Role, User
from tests.antifraud.ledger_files import FARMER, FIRST, SPLIT, csv_bytes, story_rows
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401

ECHARTS = Path(__file__).resolve().parents[2] / "lianxin/static/vendor/echarts/echarts.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]


def test_stop_trace_and_return_the_money_in_the_browser(
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
    ccb = Partner.objects.create(station=world.station, kind="bank", code="ccb", name="中国建设银行丹东分行")
    ccb_liaison = User(username="a_ccb", station=world.station, role=Role.BANK_LIAISON, partner=ccb)
    ccb_liaison.set_password("test-pass-123")
    ccb_liaison.save()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    paid = now - dt.timedelta(minutes=50)
    warning = warning_raise(
        station=world.station,
        actor=world.auxiliary,
        source=WarningSource.CENTRE,
        risk="冒充老师“学校订购饮料”",
        resident=world.resident,
        amount_at_stake_fen=4_900_000,
        now=paid,
    )
    loss = warning_outcome_record(
        warning=warning, actor=world.officer, outcome=Outcome.TRANSFERRED, amount_lost_fen=4_900_000, now=paid
    ).loss_case.fraud_loss
    ledger_file = tmp_path / "工商银行调单.csv"
    ledger_file.write_bytes(csv_bytes(story_rows(paid)))
    errors: list[str] = []

    # 1. The officer records the transfer and sends the stop to the first bank.
    officer = phone(browser, live_server.url, errors)
    sign_in(officer, "a_officer")
    officer.goto(f"/fraud/losses/{loss.pk}/")
    local = paid.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    officer.locator("#t-at").fill(local)
    officer.locator("#t-amount").fill("49000")
    officer.locator("#t-to").fill(FIRST)
    officer.locator("#t-bank").fill("工商银行")
    officer.locator("#t-ref").fill("T0001")
    officer.get_by_role("button", name="登记转账").click()
    officer.get_by_text("已登记 49,000.00 元的转账。").wait_for()
    if not officer.locator("#r-bank").is_visible():
        officer.locator("#request-form").locator("xpath=..").locator("summary").click()
    officer.locator("#r-bank").select_option(label="中国工商银行丹东分行")
    officer.locator("#r-account").fill(FIRST)
    officer.locator("#r-amount").fill("49000")
    officer.get_by_role("button", name="发送至银行").click()
    officer.get_by_text("已发送至中国工商银行丹东分行").wait_for()
    assert "还剩" in officer.locator("#requests time.countdown").first.inner_text()
    shot(officer, "bank-01-officer-stop-sent")

    # 2. The bank's liaison answers from the inbox and uploads the ledger.
    bank = phone(browser, live_server.url, errors)
    sign_in(bank, "a_bankliaison")
    assert "/fraud/bank/" in bank.url
    bank.get_by_role("link", name="紧急止付").first.click()
    bank.get_by_label("已止付或冻结").check()
    bank.locator("#a-held").fill("500")
    bank.get_by_role("button", name="发送答复").click()
    bank.get_by_text("答复已发送至派出所。").wait_for()
    bank.locator("#u-file").set_input_files(str(ledger_file))
    bank.get_by_role("button", name="上传流水").click()
    bank.locator("#ledger-state").wait_for()
    bank.wait_for_function("document.getElementById('ledger-status').dataset.working === '0'")
    assert bank.locator("#rows-read").inner_text() == "23"
    shot(bank, "bank-02-liaison-ledger-read")
    first = BankRequest.objects.get(account=FIRST)
    assert (first.status, first.held_fen) == (RequestStatus.HELD, 50_000)

    # 3. The officer sees the trace and the graph, and stops the card farmer at the second bank.
    trace = FundTrace.objects.get()
    officer.goto(f"/fraud/traces/{trace.pk}/")
    shown = {row["account"] for row in trace.result["accounts"]}
    assert shown == {FIRST, FARMER, SPLIT}
    for account in shown:
        officer.locator(f'li[data-account="{account}"]').wait_for()
    if ECHARTS.exists():
        officer.locator("#trace-graph canvas").wait_for()
    officer.locator(f'input[name="account"][value="{SPLIT}"]').uncheck()
    officer.get_by_role("button", name="对勾选的账户发送止付请求").click()
    officer.get_by_text("已向银行发送 1 个请求。").wait_for()
    farmer = BankRequest.objects.get(account=FARMER)
    assert farmer.bank == ccb and farmer.amount_fen == 3_000_000

    # 4. The second bank holds it; the officer records the money returned; the clock shows each step.
    second = phone(browser, live_server.url, errors)
    sign_in(second, "a_ccb")
    second.get_by_role("link", name="紧急止付").first.click()
    second.get_by_label("已止付或冻结").check()
    second.locator("#a-held").fill("30000")
    second.get_by_role("button", name="发送答复").click()
    second.get_by_text("答复已发送至派出所。").wait_for()
    officer.goto(f"/fraud/losses/{loss.pk}/")
    officer.locator("#x-request").select_option(index=1)
    officer.locator("#x-amount").fill("500")
    officer.get_by_role("button", name="登记资金返还").click()
    officer.get_by_text("已登记返还被害人 500.00 元。").wait_for()
    for key in ("first_request", "first_answer", "first_trace", "first_held", "first_refund"):
        assert "done" in officer.locator(f'.milestone[data-key="{key}"]').get_attribute("class"), key
    assert officer.locator("#refunded").inner_text() == "500.00"
    shot(officer, "bank-03-officer-clock")

    # 5. The trace on a desktop screen.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    page = desk.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "a_officer")
    page.goto(f"/fraud/traces/{trace.pk}/")
    page.locator(f'li[data-account="{FARMER}"]').wait_for()
    shot(page, "bank-04-trace-desktop")
    assert errors == []
