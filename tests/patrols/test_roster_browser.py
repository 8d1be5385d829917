"""The roster in a real browser on a 360 px phone: two members pair up for a night shift.

The first member signs up for a night shift and is told the buddy rule (nobody walks alone at
night); a second member, on her own phone, sees the shift needs a buddy, taps "be the buddy",
and the shift shows both of them. Screenshots go to LIANXIN_SCREENSHOTS (default /tmp/lianxin-screens).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.patrols.models import ShiftSignup
from lianxin.patrols.services import rosters
from lianxin.people.models import Team, TeamKind, TeamMembership
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]


def test_two_members_pair_up_for_a_night_shift_on_their_phones(transactional_db, live_server, world, browser):  # noqa: F811
    team = Team.objects.create(station=world.station, name="舞动平安巡逻队", kind=TeamKind.PATROL)
    TeamMembership.objects.create(team=team, user=world.auxiliary, is_leader=True)
    TeamMembership.objects.create(team=team, user=world.volunteer)
    TeamMembership.objects.create(team=team, user=world.grid_member)
    rosters.roster_policy_set(actor=world.officer, team=team, is_silver_hair=True)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    [shift] = rosters.shifts_create_weekly(
        actor=world.auxiliary,
        team=team,
        rule=rosters.WeeklyRule(
            first_on=tomorrow, weekdays=[tomorrow.weekday()], start=dt.time(20, 0), hours=2, weeks=1
        ),
        place="鸭绿江边",
    )
    assert shift.is_night
    errors: list[str] = []

    # 1. The first member signs up from her phone and is told she must not walk alone.
    first = phone(browser, live_server.url, errors)
    sign_in(first, world.volunteer.username)
    first.goto("/patrols/roster/")
    card = first.locator(f"#shift-{shift.pk}")
    card.get_by_role("button", name="报名").click()
    first.wait_for_url(lambda url: "/patrols/roster/" in url)
    warning = first.locator(".messages .msg.warning")
    assert "夜间巡逻不单独行动" in warning.inner_text()
    card = first.locator(f"#shift-{shift.pk}")
    assert "needs-buddy" in (card.get_attribute("class") or "")
    assert "需要搭档" in card.inner_text() and card.locator(".badge.mine").is_visible()
    shot(first, "roster-1-alone-on-a-night-shift")

    # 2. A second member sees the shift needs a buddy and becomes it.
    second = phone(browser, live_server.url, errors)
    sign_in(second, world.grid_member.username)
    second.goto("/patrols/roster/")
    card = second.locator(f"#shift-{shift.pk}")
    assert "需要搭档" in card.inner_text()
    card.get_by_role("button", name="来当搭档").click()
    second.wait_for_url(lambda url: "/patrols/roster/" in url)
    card = second.locator(f"#shift-{shift.pk}")
    people = card.locator(".people").inner_text()
    assert world.volunteer.display_name in people and world.grid_member.display_name in people
    assert "needs-buddy" not in (card.get_attribute("class") or "") and "需要搭档" not in card.inner_text()
    assert second.locator(".messages .msg.warning").count() == 0
    shot(second, "roster-2-buddy-signed-up")

    # 3. The first member's page shows both too; the database agrees.
    first.reload()
    assert world.grid_member.display_name in first.locator(f"#shift-{shift.pk} .people").inner_text()
    assert set(
        ShiftSignup.objects.filter(shift=shift, withdrawn_at__isnull=True).values_list("member_id", flat=True)
    ) == {world.volunteer.pk, world.grid_member.pk}
    assert errors == []
