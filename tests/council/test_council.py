"""Open-air councils: recurrence, the calendar feed, sign-in, concerns as cases, minutes, "you said, we did"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from icalendar import Calendar

from lianxin.cases.models import Case, Channel, Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.council import services
from lianxin.council.models import Attendance, Meeting, MeetingSeries

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
FIRST = dt.datetime(2026, 6, 2, 15, 0, tzinfo=SHANGHAI)  # a Tuesday, 15:00 local
NOW = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)


@pytest.fixture
def series(world):
    lat, lon = world.in_grid1
    return services.series_create(
        actor=world.officer,
        grid=world.grid1,
        title="浪头露天议事厅",
        place="浪头凉亭",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_at=FIRST,
        lat=lat,
        lon=lon,
        now=NOW,
    )


def test_weekly_series_makes_tuesday_meetings_at_local_fifteen(series):
    meetings = list(series.meetings.order_by("starts_at"))
    assert len(meetings) == services.MEETINGS_AHEAD
    for meeting in meetings:
        local = meeting.starts_at.astimezone(SHANGHAI)
        assert local.weekday() == 1 and (local.hour, local.minute) == (15, 0)
    assert meetings[1].starts_at - meetings[0].starts_at == dt.timedelta(days=7)


def test_rules_that_never_occur_or_are_not_rules_are_refused(world):
    for rule, field in (("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "rrule"), ("every tuesday", "rrule")):
        with pytest.raises(ValidationError) as info:
            services.series_create(
                actor=world.officer, grid=world.grid1, title="x", place="y", rrule=rule, first_at=FIRST, now=NOW
            )
        assert field in info.value.message_dict
    assert MeetingSeries.objects.count() == 0 and Meeting.objects.count() == 0


def test_other_station_grid_refused_and_page_404(world, series, client_for):
    with pytest.raises(ValidationError) as info:
        services.meeting_create(actor=world.officer, grid=world.b.grid1, title="x", place="y", starts_at=FIRST)
    assert "grid" in info.value.message_dict
    meeting = series.meetings.first()
    assert client_for(world.b.officer).get(f"/council/{meeting.pk}/").status_code == 404
    assert client_for(world.officer).get(f"/council/{meeting.pk}/").status_code == 200
    qr = client_for(world.officer).get(f"/council/{meeting.pk}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b'xmlns="http://www.w3.org/2000/svg"' in qr.content
    assert client_for(world.b.officer).get(f"/council/{meeting.pk}/qr.svg").status_code == 404


def test_calendar_feed_parses_back(world, series, client_for):
    from django.test import Client

    response = Client().get(f"/council/grids/{world.grid1.id}/calendar.ics")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == services.MEETINGS_AHEAD
    assert str(events[0]["location"]) == "浪头凉亭"
    assert events[0].decoded("dtstart").astimezone(SHANGHAI) == FIRST


def test_sign_in_counts_once_per_device_and_is_rate_limited(world, series):
    from django.test import Client

    meeting = series.meetings.order_by("starts_at").first()
    passer_by = Client()
    url = f"/council/s/{meeting.signin_token}/"
    assert passer_by.get(url).status_code == 200
    assert passer_by.post(url, {"name": "李大爷", "people": "2"}).status_code == 200
    codes = {passer_by.post(url, {"people": "1"}).status_code for _i in range(30)}
    assert 429 in codes
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert Attendance.objects.get(meeting=meeting).people == 2
    other = Client()
    other.post(url, {"people": "1"})
    assert Attendance.objects.filter(meeting=meeting).count() == 2
    assert Client().post(url, {"people": "999"}).status_code == 400
    assert Attendance.objects.filter(meeting=meeting).count() == 2


def test_concerns_become_council_cases_and_show_at_the_next_meeting(world, series, client_for):
    first, second = list(series.meetings.order_by("starts_at")[:2])
    officer = client_for(world.officer)
    for text in ("路灯坏了", "夜里广场噪音"):
        response = officer.post(f"/council/{first.pk}/concern/", {"category": world.cat_papers.pk, "description": text})
        assert response.status_code == 302
    cases = list(Case.objects.filter(council_concern__meeting=first).order_by("id"))
    assert [c.description for c in cases] == ["路灯坏了", "夜里广场噪音"]
    assert all(c.channel == Channel.COUNCIL and c.grid_id == world.grid1.id for c in cases)
    officer.post(f"/council/{first.pk}/minutes/", {"minutes": "两件事，已登记。"})
    first.refresh_from_db()
    assert first.minutes == "两件事，已登记。" and first.minutes_saved_at is not None
    concern = cases[0].council_concern
    officer.post(
        f"/council/concerns/{concern.pk}/commit/", {"who": "社区民警", "what": "一周内修好路灯", "due_on": "2026-06-09"}
    )
    concern.refresh_from_db()
    assert concern.commitment_what == "一周内修好路灯"

    case_transition(case=cases[0], actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.SERVICE_DONE)
    page = officer.get(f"/council/{second.pk}/")
    said = {s.case.number: s for s in page.context["said"]}
    assert set(said) == {cases[0].number, cases[1].number}
    assert said[cases[0].number].is_done and not said[cases[1].number].is_done
    assert "一周内修好路灯" in page.content.decode()
    # The public board says the same without personal data.
    from django.test import Client

    board = Client().get(f"/council/grids/{world.grid1.id}/board/").content.decode()
    assert "一周内修好路灯" in board and cases[0].number not in board


def test_empty_concern_writes_nothing(world, series, client_for):
    meeting = series.meetings.first()
    response = client_for(world.officer).post(
        f"/council/{meeting.pk}/concern/", {"category": world.cat_papers.pk, "description": " "}, follow=True
    )
    assert response.status_code == 200
    assert not Case.objects.filter(channel=Channel.COUNCIL).exists()


def test_agenda_draft_names_the_grid_open_concerns(world, series, open_case):
    meeting = series.meetings.order_by("starts_at")[1]
    open_case(now=meeting.starts_at - dt.timedelta(days=2))
    from lianxin.council.selectors import agenda_draft

    draft = agenda_draft(meeting=meeting)
    assert world.cat_papers.name in draft and "未办结诉求 1 件" in draft
