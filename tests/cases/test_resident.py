"""Residents' side: filing online (signed in, with a phone, anonymously), tracking, my requests, rating."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lianxin.cases.models import Case, Channel, EventKind, Status
from lianxin.cases.services import case_note, case_open, case_transition
from tests.clients import page_text


def file(client, **data):
    form = {"category": "id-papers", "description": "想咨询居住证办理"}
    form.update(data)
    return client.post(reverse("cases:file") + "?station=a", form, follow=True)


def test_visitor_files_with_phone_and_gets_number_and_link(world):
    response = file(Client(), contact_name="陈先生", contact_phone="13512345678", address="江沿街3号")
    case = Case.objects.get()
    assert (case.channel, case.station, case.is_anonymous, case.contact_name) == (
        Channel.ONLINE,
        world.station,
        False,
        "陈先生",
    )
    assert case.contact_phone.reveal() == "13512345678" and case.address == "江沿街3号"
    text = page_text(response)
    assert case.number in text and reverse("cases:track", args=[case.public_token]) in text
    assert "13512345678" not in text


def test_visitor_files_anonymously_with_location(world):
    lat, lon = world.in_grid2
    file(Client(), is_anonymous="on", contact_name="不想留名", contact_phone="13512345678", lat=lat, lon=lon)
    case = Case.objects.get()
    assert case.is_anonymous and case.contact_name == "" and not case.contact_phone
    assert case.grid == world.grid2 and case.reporter_user is None


def test_bad_phone_and_missing_description_are_named(world):
    response = file(Client(), contact_phone="110", description="")
    assert Case.objects.count() == 0
    text = page_text(response)
    assert text.count('class="error"') >= 2 and "手机号" in text


def test_unknown_category_is_a_message(world):
    response = file(Client(), category="no-such-thing")
    assert Case.objects.count() == 0 and 'class="error"' in page_text(response)


def test_station_chooser_when_several_stations(world):
    response = Client().get(reverse("cases:file"))
    assert "?station=a" in page_text(response) and "?station=b" in page_text(response)


def test_signed_in_resident_files_and_sees_it_in_my_requests(world, client_for):
    client = client_for(world.resident_user)
    file(client, description="小区门口路灯不亮")
    case = Case.objects.get()
    assert case.reporter_user == world.resident_user and case.reporter == world.resident
    case_note(case=case, actor=world.officer, text="内部：转物业", is_public=False)
    case_note(case=case, actor=world.officer, text="已联系物业维修", is_public=True)
    text = page_text(client.get(reverse("cases:mine")))
    assert case.number in text and "已联系物业维修" in text and "内部：转物业" not in text


def test_my_requests_shows_only_mine(world, client_for, open_case):
    someone_elses = open_case()
    text = page_text(client_for(world.resident_user).get(reverse("cases:mine")))
    assert someone_elses.number not in text
    assert client_for(world.resident_user).get(reverse("cases:detail", args=[someone_elses.pk])).status_code == 404


def test_track_page_shows_public_events_only(world, client_for):
    file(Client(), description="路口有积水")
    case = Case.objects.get()
    case_note(case=case, actor=world.officer, text="内部：市政管辖", is_public=False)
    case_note(case=case, actor=world.officer, text="已通知市政排水", is_public=True)
    text = page_text(client_for(world.officer).get(reverse("cases:track", args=[case.public_token])))
    assert "已通知市政排水" in text and "内部：市政管辖" not in text
    assert Client().get(reverse("cases:track", args=["not-a-token"])).status_code == 404


def test_rating_with_stars_closes_the_case(world, client_for):
    client = client_for(world.resident_user)
    file(client)
    case = Case.objects.get()
    assert 'name="rating"' not in page_text(client.get(reverse("cases:detail", args=[case.pk])))
    case_transition(case=case, actor=world.officer, to_status="resolved", resolution="advice_given")
    text = page_text(client.get(reverse("cases:detail", args=[case.pk])))
    assert text.count('name="rating"') == 5
    client.post(reverse("cases:rate", args=[case.pk]), {"rating": "5", "comment": "民警很耐心"})
    case.refresh_from_db()
    assert (case.rating, case.rating_comment, case.status) == (5, "民警很耐心", Status.CLOSED)
    assert case.events.filter(kind=EventKind.RATED, data__rating=5).exists()
    response = client.post(reverse("cases:rate", args=[case.pk]), {"rating": "1"}, follow=True)
    assert Case.objects.get(pk=case.pk).rating == 5 and "msg error" in page_text(response)


def test_rating_out_of_range_is_a_message(world, client_for):
    client = client_for(world.resident_user)
    file(client)
    case = Case.objects.get()
    case_transition(case=case, actor=world.officer, to_status="resolved", resolution="advice_given")
    response = client.post(reverse("cases:rate", args=[case.pk]), {"rating": "9"}, follow=True)
    assert Case.objects.get(pk=case.pk).rating is None and "msg error" in page_text(response)


def test_rating_before_resolution_is_a_conflict_message(world, client_for):
    client = client_for(world.resident_user)
    file(client)
    case = Case.objects.get()
    response = client.post(reverse("cases:rate", args=[case.pk]), {"rating": "5"}, follow=True)
    assert response.status_code == 200 and Case.objects.get(pk=case.pk).rating is None
    assert "msg error" in page_text(response)


def test_the_rating_form_sends_stars_and_comment_together_with_one_button(world, client_for):
    case = case_open(
        station=world.station,
        actor=world.resident_user,
        channel="online",
        category=world.cat_papers,
        description="咨询补办身份证",
    )
    case_transition(case=case, actor=world.officer, to_status="resolved", resolution="advice_given")
    page = client_for(world.resident_user).get(reverse("cases:detail", args=[case.pk])).content.decode()
    form = page[page.index('class="card rate"') :]
    form = form[: form.index("</form>")]
    assert form.count('type="radio" name="rating"') == 5
    assert 'type="submit" name="rating"' not in form and form.count('type="submit"') == 1
