"""A resident asks a legal question on a phone and books a lawyer; a mediator settles a noise dispute with signatures.

The resident (not signed in) asks "楼上广场舞音响太吵怎么办" at 360 px, sees the square-dance noise
card and the noise law's articles, keeps the question and books the duty lawyer's slot. The
mediator takes the neighbour's noise case into the family and neighbourhood room, schedules a
session, drafts the agreement; both parties and the mediator sign with a finger on the phone
screen, and the signed PDF downloads with both parties' names in it.
"""

# ruff: noqa: F811 (fixtures are imported from other test packages and used as parameters)
from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from lianxin.legal.models import Booking, Consultation
from lianxin.legal.services import slot_create
from lianxin.mediation.models import Dispute, DisputeStatus
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401
from tests.legal.conftest import law_index, legal_world, toy_law_index  # noqa: F401
from tests.mediation.conftest import med_world  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]


def _draw_signature(page) -> None:
    box = page.locator("#pad").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + w * (0.1 + 0.07 * i), y + h * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()


def test_resident_asks_and_books_then_mediator_settles_with_signatures(
    transactional_db, live_server, law_index, legal_world, med_world, browser, open_case
):
    w = med_world
    errors: list[str] = []
    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    slot = slot_create(
        actor=w.chief,
        lawyer=w.lawyer,
        starts_at=(timezone.now() + dt.timedelta(hours=3)).astimezone(zone).replace(minute=0, second=0, microsecond=0),
    )

    resident = phone(browser, live_server.url, errors)
    resident.goto("/legal/ask/?station=a")
    resident.get_by_label("您的问题").fill("楼上广场舞音响太吵怎么办")
    resident.get_by_role("button", name="查找答案").click()
    resident.locator(".law-card").first.wait_for()
    assert "广场舞" in resident.locator(".law-card").first.inner_text()
    assert "噪声污染防治法" in resident.locator(".law-hits").inner_text()
    assert resident.evaluate("document.documentElement.scrollWidth") <= 360
    shot(resident, "legal-1-answer")
    resident.get_by_label("手机号码").fill("13800001111")
    resident.get_by_role("button", name="保存并找律师").click()
    resident.locator("#book").wait_for()
    resident.get_by_role("button", name="预约这个时间").click()
    resident.locator("#bookings").wait_for()
    shot(resident, "legal-2-booked")
    consultation = Consultation.objects.get()
    assert Booking.objects.get().slot == slot and consultation.case.assignee == w.lawyer
    ics = resident.request.get(resident.locator("#bookings a[href$='.ics']").get_attribute("href"))
    assert ics.ok and b"BEGIN:VEVENT" in ics.body()

    case = open_case(
        actor=w.officer, category=w.cat_neighbour, description="楼上每晚广场舞音响太吵", contact_name="张桂英"
    )
    mediator = phone(browser, live_server.url, errors)
    sign_in(mediator, "a_mediator")
    mediator.goto("/mediation/")
    mediator.locator(f"#waiting a[href='/mediation/from-case/{case.pk}/']").click()
    mediator.locator("#dispute-form select[name=room]").select_option(label="婚姻家庭邻里纠纷调解室")
    mediator.get_by_label("被申请人", exact=True).fill("李建国")
    mediator.get_by_role("button", name="接入调解室").click()
    mediator.locator("#session-form").wait_for()
    starts = (timezone.now() + dt.timedelta(days=1)).astimezone(zone).strftime("%Y-%m-%dT10:00")
    mediator.locator("#session-form input[name=starts_at]").fill(starts)
    mediator.get_by_role("button", name="安排调解").click()
    mediator.locator("#sessions a[href$='.ics']").wait_for()
    mediator.locator("#agreement-form textarea[name=terms]").fill("一、广场舞活动于晚八点前结束。\n二、音响音量降低。")
    mediator.get_by_role("button", name="生成调解协议").click()
    mediator.locator("#sign-links").wait_for()
    for name in ("张桂英", "李建国", None):
        label = f"{name}签名" if name else "调解员签名"
        mediator.get_by_role("link", name=label).click()
        mediator.locator("#pad").wait_for()
        _draw_signature(mediator)
        mediator.get_by_role("button", name="同意并签名").click()
        mediator.locator("#dispute-status").wait_for()
    shot(mediator, "mediation-1-signed")
    dispute = Dispute.objects.get()
    assert dispute.status == DisputeStatus.AGREED
    with mediator.expect_download() as download:
        mediator.locator("#agreement-pdf").click()
    pdf = open(download.value.path(), "rb").read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "张桂英" in text and "李建国" in text
    assert errors == []
