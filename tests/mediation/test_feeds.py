"""Private calendar links for mediators: a room's sessions and one's own, subscribed to without signing in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from lianxin.core.models import AuditEntry, FeedToken
from lianxin.mediation import services
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

URL_PATTERN = re.compile(r'value="(http://testserver/mediation/feeds/[^"]+\.ics)"')


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _dispute(w, open_case, *, room="family", applicant="张桂英", phone="13912345678"):
    case = open_case(
        actor=w.officer,
        category=w.cat_neighbour,
        description="楼上广场舞音响太吵，协商不成",
        contact_name=applicant,
        contact_phone=phone,
    )
    return services.dispute_open(
        actor=w.mediator,
        room=w.rooms[room],
        claim="要求对方晚上九点后关音响",
        parties=[{"name": applicant, "role": "applicant"}, {"name": "李建国", "role": "respondent"}],
        case=case,
        now=NOW,
    )


def _session(w, dispute, *, days=1):
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return services.session_schedule(actor=w.mediator, dispute=dispute, starts_at=starts, minutes=60)


def _make_link(user, kind, target=""):
    """Press "Make a link" (or "Reset link") on the feeds page; return the URL the page shows once."""
    page = _client(user).post("/mediation/feeds/", {"kind": kind, "target": target, "op": "issue"})
    assert page.status_code == 200
    return URL_PATTERN.search(page.content.decode()).group(1).removeprefix("http://testserver")


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_a_room_link_serves_the_rooms_sessions_without_sign_in(med_world, open_case):
    w = med_world
    family, labour = _dispute(w, open_case), _dispute(w, open_case, room="labour")
    s_family, s_labour = _session(w, family), _session(w, labour)
    url = _make_link(w.mediator, "mediation.room", str(w.rooms["family"].pk))

    answer = Client().get(url)
    events = _events(answer)

    # A calendar application is told to fetch again every hour (RFC 7986), and may not share the answer.
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in answer.content.decode()
    assert answer["Cache-Control"].startswith("private")
    # Room A's link reads room A only: its token names the room, the URL cannot choose another.
    assert [str(e["uid"]) for e in events] == [f"mediation-session-{s_family.pk}@lianxin"]
    assert s_labour.pk != s_family.pk
    assert family.case.number in str(events[0]["summary"]) and "婚姻家庭" in str(events[0]["summary"])
    assert events[0].decoded("dtstart") == s_family.starts_at
    feed = FeedToken.objects.get(user=w.mediator, kind="mediation.room")
    assert feed.last_used_at is not None
    assert AuditEntry.objects.filter(action="feed_link_issue", target_id=str(feed.pk)).exists()


def test_my_sessions_link_spans_rooms(med_world, open_case):
    w = med_world
    sessions = [_session(w, _dispute(w, open_case)), _session(w, _dispute(w, open_case, room="labour"), days=2)]
    url = _make_link(w.mediator, "mediation.mine")
    assert {str(e["uid"]) for e in _events(Client().get(url))} == {
        f"mediation-session-{s.pk}@lianxin" for s in sessions
    }
    # A "mine" token is no room token (and the other way round): each kind has its own URL.
    assert Client().get(url.replace("/mine/", "/rooms/")).status_code == 404


def test_a_reset_link_gets_404_and_the_new_one_works(med_world, open_case):
    w = med_world
    _session(w, _dispute(w, open_case))
    room = str(w.rooms["family"].pk)
    old = _make_link(w.mediator, "mediation.room", room)
    new = _make_link(w.mediator, "mediation.room", room)
    assert Client().get(old).status_code == 404
    assert len(_events(Client().get(new))) == 1
    assert AuditEntry.objects.filter(action="feed_link_reset").count() == 1
    # Stopping the link ends it too, and the page then offers a new one.
    _client(w.mediator).post("/mediation/feeds/", {"kind": "mediation.room", "target": room, "op": "revoke"})
    assert Client().get(new).status_code == 404
    assert not FeedToken.objects.filter(user=w.mediator, revoked_at__isnull=True).exists()


def test_a_mediator_taken_off_the_room_loses_its_feed(med_world, open_case):
    w = med_world
    _session(w, _dispute(w, open_case))
    url = _make_link(w.mediator, "mediation.room", str(w.rooms["family"].pk))
    w.rooms["family"].mediators.remove(w.mediator)
    assert Client().get(url).status_code == 404
    # ...and cannot make a new link for it either; a deactivated account loses every link.
    page = _client(w.mediator).post(
        "/mediation/feeds/", {"kind": "mediation.room", "target": str(w.rooms["family"].pk), "op": "issue"}
    )
    assert page.status_code == 404
    mine = _make_link(w.mediator, "mediation.mine")
    w.mediator.is_active = False
    w.mediator.save(update_fields=["is_active"])
    assert Client().get(mine).status_code == 404


def test_a_wrong_or_malformed_token_gets_404(med_world, open_case):
    w = med_world
    url = _make_link(w.mediator, "mediation.room", str(w.rooms["family"].pk))
    lookup, _, secret = url.removeprefix("/mediation/feeds/rooms/").removesuffix(".ics").partition(".")
    for bad in (f"{lookup}.{secret[:-1]}x", f"{lookup}.", lookup, "x" * 200, f"{lookup}.{secret}.{secret}"):
        assert Client().get(f"/mediation/feeds/rooms/{bad}.ics").status_code == 404, bad


def test_no_party_data_is_in_a_feed(med_world, open_case):
    w = med_world
    dispute = _dispute(w, open_case, applicant="欧阳秀兰", phone="13987654321")
    _session(w, dispute)
    for url in (
        _make_link(w.mediator, "mediation.room", str(w.rooms["family"].pk)),
        _make_link(w.mediator, "mediation.mine"),
    ):
        text = Client().get(url).content.decode()
        assert dispute.case.number in text
        for personal in ("欧阳秀兰", "李建国", "13987654321", "4321", "广场舞", "九点后"):
            assert personal not in text, personal


def test_another_station_cannot_make_a_link_for_a_room(med_world):
    w = med_world
    answer = _client(w.b.mediator).post(
        "/mediation/feeds/", {"kind": "mediation.room", "target": str(w.rooms["family"].pk), "op": "issue"}
    )
    assert answer.status_code == 404
    assert not FeedToken.objects.exists()


def test_the_feeds_page_lists_the_rooms_a_mediator_is_in(med_world):
    w = med_world
    w.rooms["traffic"].mediators.remove(w.mediator)
    page = _client(w.mediator).get("/mediation/feeds/").content.decode()
    assert "婚姻家庭邻里纠纷调解室" in page and "交通事故调解室" not in page
    assert "/mediation/feeds/" in _client(w.mediator).get("/mediation/").content.decode()
    assert _client(w.resident_user).get("/mediation/feeds/").status_code == 403
