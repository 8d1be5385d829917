"""A duty lawyer's private calendar link: their rota slots, subscribed to without signing in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from lianxin.core.models import FeedToken, Role, User
from lianxin.legal import services

pytestmark = pytest.mark.django_db

URL_PATTERN = re.compile(r'value="(http://testserver/legal/feeds/duty/[^"]+\.ics)"')


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _make_link(user):
    page = _client(user).post("/legal/feeds/", {"kind": "legal.duty", "target": "", "op": "issue"})
    assert page.status_code == 200
    return URL_PATTERN.search(page.content.decode()).group(1).removeprefix("http://testserver")


def _slots(w, lawyer, count=2):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    return [
        services.slot_create(actor=w.chief, lawyer=lawyer, starts_at=start + dt.timedelta(minutes=30 * n), minutes=30)
        for n in range(count)
    ]


def _second_lawyer(w):
    other = User.objects.create(username="a_lawyer2", station=w.station, role=Role.LAWYER, display_name="郑律师")
    return other


def test_a_lawyers_link_serves_their_slots_booked_and_free(legal_world, settings):
    settings.LEGAL_VIDEO_ROOM_URL = "https://video.example.org/room/{token}"
    w = legal_world
    booked, free = _slots(w, w.lawyer)
    _slots(w, _second_lawyer(w), count=1)
    c = services.consultation_save(
        station=w.station,
        actor=None,
        question="老板拖欠工资三个月怎么办",
        contact_name="欧阳秀兰",
        contact_phone="13987654321",
    )
    booking = services.booking_make(consultation=c, slot=booked, now=timezone.now())
    url = _make_link(w.lawyer)

    answer = Client().get(url)

    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    events = {str(e["uid"]): e for e in Calendar.from_ical(answer.content).walk("VEVENT")}
    # Only this lawyer's two slots, not the other lawyer's.
    assert set(events) == {f"legal-slot-{booked.pk}@lianxin", f"legal-slot-{free.pk}@lianxin"}
    assert c.case.number in str(events[f"legal-slot-{booked.pk}@lianxin"]["summary"])
    assert events[f"legal-slot-{free.pk}@lianxin"].decoded("dtstart") == free.starts_at
    text = answer.content.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    # Nothing a lock screen should show: no resident, number, question, nor the video room's key.
    for personal in ("欧阳秀兰", "13987654321", "4321", "拖欠工资", booking.room_token, "video.example.org"):
        assert personal not in text, personal
    assert FeedToken.objects.get(user=w.lawyer).last_used_at is not None


def test_a_reset_link_gets_404(legal_world):
    w = legal_world
    _slots(w, w.lawyer, count=1)
    old = _make_link(w.lawyer)
    new = _make_link(w.lawyer)
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    _client(w.lawyer).post("/legal/feeds/", {"kind": "legal.duty", "target": "", "op": "revoke"})
    assert Client().get(new).status_code == 404


def test_a_lawyer_who_is_no_longer_one_loses_the_feed(legal_world):
    w = legal_world
    url = _make_link(w.lawyer)
    w.lawyer.role = Role.RESIDENT
    w.lawyer.save(update_fields=["role"])
    assert Client().get(url).status_code == 404


def test_only_a_duty_lawyer_has_the_page(legal_world):
    w = legal_world
    assert _client(w.officer).get("/legal/feeds/").status_code == 403
    assert _client(w.officer).post("/legal/feeds/", {"kind": "legal.duty", "op": "issue"}).status_code == 403
    assert not FeedToken.objects.exists()
    assert "/legal/feeds/" in _client(w.lawyer).get("/legal/").content.decode()
    assert "/legal/feeds/" in _client(w.lawyer).get("/legal/rota/").content.decode()
    # A lawyer's token is no mediation token.
    url = _make_link(w.lawyer)
    token = url.removeprefix("/legal/feeds/duty/")
    assert Client().get(f"/mediation/feeds/mine/{token}").status_code == 404
