"""A council's speaker list: asked for at the QR sign-in (no account) or added by the host, in order."""

from __future__ import annotations

from django.test import Client

from lianxin.council.models import Attendance, Speaker
from tests.council.test_council import series  # noqa: F401 (the fixture)


def test_passers_by_ask_to_speak_at_sign_in_and_learn_their_place(world, series):  # noqa: F811
    meeting = series.meetings.order_by("starts_at").first()
    url = f"/council/s/{meeting.signin_token}/"
    first, second = Client(), Client()
    page = first.post(url, {"name": "李大爷", "people": "1", "speak": "1", "topic": "路灯"}).content.decode()
    assert "您是发言名单上的第 1 位" in page
    page = second.post(url, {"name": "王阿姨", "people": "1", "speak": "1"}).content.decode()
    assert "第 2 位" in page
    first.post(url, {"name": "李大爷", "people": "1", "speak": "1"})  # asking again keeps the first place
    assert list(Speaker.objects.filter(meeting=meeting).values_list("name", "topic")) == [
        ("李大爷", "路灯"),
        ("王阿姨", ""),
    ]


def test_asking_to_speak_without_a_name_says_so_and_signs_nothing(world, series):  # noqa: F811
    meeting = series.meetings.order_by("starts_at").first()
    response = Client().post(f"/council/s/{meeting.signin_token}/", {"people": "1", "speak": "1"})
    assert response.status_code == 400
    assert "名字" in response.content.decode() or "姓名" in response.content.decode()
    assert not Attendance.objects.filter(meeting=meeting).exists()
    assert not Speaker.objects.filter(meeting=meeting).exists()


def test_the_host_adds_a_speaker_and_marks_the_turn_others_may_not(world, series, client_for):  # noqa: F811
    meeting = series.meetings.order_by("starts_at").first()
    officer = client_for(world.officer)
    assert officer.post(f"/council/{meeting.pk}/speakers/", {"name": "张书记", "topic": "停车"}).status_code == 302
    speaker = Speaker.objects.get(meeting=meeting)
    page = officer.get(f"/council/{meeting.pk}/").content.decode()
    assert 'data-speaker="张书记"' in page and "停车" in page
    assert officer.post(f"/council/speakers/{speaker.pk}/done/").status_code == 302
    speaker.refresh_from_db()
    spoke_at = speaker.spoke_at
    assert spoke_at is not None
    officer.post(f"/council/speakers/{speaker.pk}/done/")  # twice keeps the first time
    speaker.refresh_from_db()
    assert speaker.spoke_at == spoke_at
    # Another station's officer cannot see the meeting, a resident cannot run it.
    assert client_for(world.b.officer).post(f"/council/speakers/{speaker.pk}/done/").status_code == 404
    client_for(world.resident_user).post(f"/council/{meeting.pk}/speakers/", {"name": "x"})
    assert Speaker.objects.filter(meeting=meeting).count() == 1
    response = officer.post(f"/council/{meeting.pk}/speakers/", {"name": "", "topic": "x" * 101}, follow=True)
    assert Speaker.objects.filter(meeting=meeting).count() == 1
    assert len(list(response.context["messages"])) == 2  # the name and the topic, each named
