"""Appeals to lookouts by area: sent to those whose beat covers it, answered in a thread, by page and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.tips import appeals, coverage, selectors
from lianxin.tips.models import Appeal, AppealMessage
from lianxin.tips.posts import beat_save
from tests.conftest import NOW

LATER = NOW + dt.timedelta(hours=6)


@pytest.fixture
def beats(net):
    """lookout walks building 1 of grid 1; lookout2 the whole of grid 2."""
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout, building_ids=[net.b1[0].pk])
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout2, grid_ids=[net.grid2.pk])
    return net


def near_b1(w, **kw):
    return {"lat": w.b1[0].lat + 0.0005, "lon": w.b1[0].lon, "radius_m": 200, **kw}


def test_an_appeal_reaches_the_lookouts_of_its_area_only(beats, monkeypatch):
    sent = []
    monkeypatch.setattr(appeals, "live_publish", lambda **kw: sent.append(kw))
    appeal = appeals.appeal_send(
        actor=beats.officer, text="浪头市场附近走失老人", expires_at=LATER, now=NOW, **near_b1(beats)
    )
    assert list(appeal.recipients.all()) == [beats.lookout]
    assert sent == [
        {"topic": f"user:{beats.lookout.pk}", "kind": "tip_appeal", "data": {"appeal": appeal.pk, "event": "sent"}}
    ]
    assert list(selectors.appeal_list_received(user=beats.lookout, now=NOW)) == [appeal]
    assert not selectors.appeal_list_received(user=beats.lookout2, now=NOW).exists()
    assert not selectors.appeal_list_received(user=beats.lookout, now=LATER).exists()  # expired
    by_grid = appeals.appeal_send(actor=beats.officer, text="二网格留意", expires_at=LATER, grid=beats.grid2, now=NOW)
    assert list(by_grid.recipients.all()) == [beats.lookout2]
    # The area helper: a disc far from every beat covers nobody.
    assert (
        coverage.lookout_ids_covering_area(
            station_id=beats.station.pk, lat=beats.outside[0], lon=beats.outside[1], radius_m=300
        )
        == []
    )


def test_bad_appeals_name_the_field_and_write_nothing(beats):
    cases = (
        (dict(text=" ", **near_b1(beats)), "text"),
        (dict(text="x"), "area"),
        (dict(text="x", grid=beats.grid2, **near_b1(beats)), "area"),
        (dict(text="x", **near_b1(beats, radius_m=10)), "radius_m"),
        (dict(text="x", grid=beats.b.grid1), "grid"),
        (dict(text="x", lat=beats.outside[0], lon=beats.outside[1], radius_m=100), "area"),  # no beat covers it
    )
    for kw, field in cases:
        with pytest.raises(ValidationError) as exc:
            appeals.appeal_send(actor=beats.officer, expires_at=LATER, now=NOW, **kw)
        assert field in exc.value.message_dict, kw
    for expires in (NOW - dt.timedelta(minutes=1), NOW + dt.timedelta(days=8), None):
        with pytest.raises(ValidationError) as exc:
            appeals.appeal_send(actor=beats.officer, text="x", expires_at=expires, now=NOW, **near_b1(beats))
        assert "expires_at" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        appeals.appeal_send(actor=beats.lookout, text="x", expires_at=LATER, now=NOW, **near_b1(beats))
    assert not Appeal.objects.exists()


def test_the_thread_lookouts_reply_officers_read_each_sees_their_own(beats):
    appeal = appeals.appeal_send(actor=beats.officer, text="走失老人", expires_at=LATER, grid=beats.grid1, now=NOW)
    beat_save(actor=beats.officer, post=beats.post, lookout=beats.lookout2, grid_ids=[beats.grid1.pk])
    appeal.recipients.add(beats.lookout2)
    appeals.appeal_write(appeal=appeal, actor=beats.lookout, text="14:20 在市场东门见过", now=NOW)
    appeals.appeal_write(appeal=appeal, actor=beats.lookout2, text="没看到", now=NOW)
    appeals.appeal_write(appeal=appeal, actor=beats.officer, text="谢谢，已找到", now=NOW)
    with pytest.raises(PermissionDenied):
        appeals.appeal_write(appeal=appeal, actor=beats.b.lookout, text="x", now=NOW)
    with pytest.raises(ValidationError):
        appeals.appeal_write(appeal=appeal, actor=beats.lookout, text="晚了", now=LATER)
    assert len(selectors.appeal_thread_for(user=beats.officer, appeal=appeal)) == 3
    mine = selectors.appeal_thread_for(user=beats.lookout, appeal=appeal)
    assert [m.text for m in mine] == ["14:20 在市场东门见过", "谢谢，已找到"]
    assert AppealMessage.objects.filter(is_from_station=True).get().author == beats.officer


def test_pages_officer_sends_lookout_sees_on_home_and_replies_outsider_404(beats, login):
    officer = login(beats.officer)
    page = officer.post("/tips/appeals/", {"text": " ", "area": "point", "hours": "6", **near_b1(beats)})
    assert page.status_code == 400 and 'id="error-text"' in page.content.decode() and not Appeal.objects.exists()
    sent = officer.post(
        "/tips/appeals/",
        {"text": "浪头市场附近走失老人，14:00 最后出现", "area": "point", "hours": "6", **near_b1(beats)},
    )
    appeal = Appeal.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/tips/appeals/{appeal.pk}/"
    lookout = login(beats.lookout)
    home = lookout.get("/tips/").content.decode()
    assert f'href="/tips/appeals/received/{appeal.pk}/"' in home and 'hx-trigger="live:tip_appeal from:body' in home
    assert f"/tips/appeals/received/{appeal.pk}/" in lookout.get("/tips/appeals/panel/").content.decode()
    assert f"/tips/appeals/received/{appeal.pk}/" not in login(beats.lookout2).get("/tips/").content.decode()
    assert login(beats.lookout2).get(f"/tips/appeals/received/{appeal.pk}/").status_code == 404
    replied = lookout.post(f"/tips/appeals/received/{appeal.pk}/", {"text": "市场东门有位老人坐着"})
    assert replied.status_code == 302
    detail = officer.get(f"/tips/appeals/{appeal.pk}/").content.decode()
    assert "市场东门有位老人坐着" in detail and str(beats.lookout) in detail
    assert login(beats.b.chief).get(f"/tips/appeals/{appeal.pk}/").status_code == 404
    assert login(beats.lookout).get(f"/tips/appeals/{appeal.pk}/").status_code == 404


def test_api_send_list_reply(beats, api_as):
    officer = api_as(beats.officer)
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).isoformat()
    bad = officer.post("/tips/appeals", {"text": "x", "expires_at": expires})
    assert bad.status_code in (400, 422) and "area" in bad.content.decode()
    made = officer.post(
        "/tips/appeals", {"text": "二网格留意陌生车辆", "expires_at": expires, "grid_id": beats.grid2.pk}
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["recipient_count"] == 1
    two = api_as(beats.lookout2)
    assert [a["id"] for a in two.get("/tips/appeals/received").json()] == [pk]
    assert api_as(beats.lookout).get("/tips/appeals/received").json() == []
    assert api_as(beats.lookout).get(f"/tips/appeals/{pk}").status_code == 404
    reply = two.post(f"/tips/appeals/{pk}/messages", {"text": "停车场有一辆外地车"})
    assert reply.status_code == 201 and reply.json()["author"] == "me"
    thread = officer.get(f"/tips/appeals/{pk}").json()["messages"]
    assert [m["text"] for m in thread] == ["停车场有一辆外地车"] and thread[0]["author"] == str(beats.lookout2)
    assert api_as(beats.b.officer).get(f"/tips/appeals/{pk}").status_code == 404
