"""An officer runs an open-air council on a phone; the chief follows a headline figure to its cases.

QR sign-in from a second browser context (a passer-by without an account), two concerns taken in
as cases, minutes saved; at the next meeting "you said, we did" shows both with their status; the
chief opens the dashboard, taps the public-order figure and lands on exactly the cases it counted.
"""

# ruff: noqa: F811 (the browser fixture is imported from test_journey and used as a parameter)
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from lianxin.cases.models import Case, Channel, Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.council.models import Attendance
from lianxin.council.services import series_create
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]


def test_officer_runs_a_council_and_the_chief_follows_a_figure(
    transactional_db,
    live_server,
    world,
    browser,
    open_case,
):
    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    now = timezone.now()
    first_at = (now - dt.timedelta(hours=1)).astimezone(zone).replace(second=0, microsecond=0)
    lat, lon = world.in_grid1
    series = series_create(
        actor=world.officer,
        grid=world.grid1,
        title="浪头露天议事厅",
        place="浪头凉亭",
        rrule="FREQ=WEEKLY",
        first_at=first_at,
        lat=lat,
        lon=lon,
        now=now,
    )
    meeting, following = list(series.meetings.order_by("starts_at")[:2])
    errors: list[str] = []

    officer = phone(browser, live_server.url, errors)
    sign_in(officer, "a_officer")
    officer.goto(f"/council/{meeting.pk}/")
    signin_url = officer.locator("#signin-link").inner_text().strip()

    passer_by = phone(browser, live_server.url, errors)  # a second context: no account, own cookies
    passer_by.goto(signin_url)
    passer_by.get_by_label("您的姓名（可不填）").fill("李大爷")
    passer_by.get_by_role("button", name="签到").click()
    passer_by.locator("#signed-in").wait_for()
    assert Attendance.objects.filter(meeting=meeting).count() == 1

    for text in ("路灯坏了", "夜里广场噪音太大"):
        officer.locator("#concern-form select[name=category]").select_option(label="证件办理")
        officer.get_by_label("提出的问题").fill(text)
        officer.get_by_role("button", name="登记为案件").click()
        officer.wait_for_load_state()
    officer.locator("#minutes-form textarea").fill("两件事已登记，下周回复。")
    officer.get_by_role("button", name="保存纪要").click()
    officer.wait_for_load_state()
    shot(officer, "council-1-meeting")
    cases = list(Case.objects.filter(council_concern__meeting=meeting).order_by("id"))
    assert [c.description for c in cases] == ["路灯坏了", "夜里广场噪音太大"]
    assert all(c.channel == Channel.COUNCIL for c in cases)
    case_transition(case=cases[0], actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.SERVICE_DONE)

    officer.goto(f"/council/{following.pk}/")
    said = officer.locator("#you-said")
    for case in cases:
        assert said.locator(f'[data-case="{case.number}"]').count() == 1
    assert "已办结" in said.locator(f'[data-case="{cases[0].number}"]').inner_text()
    shot(officer, "council-2-you-said-we-did")

    fights = [
        open_case(category=world.cat_fight, now=now),
        open_case(category=world.cat_fight, now=now, point=world.in_grid2),
    ]
    chief = phone(browser, live_server.url, errors)
    sign_in(chief, "a_chief")
    chief.goto("/insights/")
    chief.locator('[data-metric="public_order_incidents"] a.big-number').click()
    chief.locator("#records").wait_for()
    listed = set(chief.locator("#records tbody tr[data-id]").evaluate_all("rows => rows.map(r => +r.dataset.id)"))
    assert listed == {c.id for c in fights}
    shot(chief, "council-3-records")
    assert not errors
