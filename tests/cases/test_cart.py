"""The service-cart page: start a stop, record contacts solved on the spot or for follow-up."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianxin.cases.models import CartStop, Case, CaseEvent, Channel, Resolution, Status
from tests.clients import page_text


@pytest.fixture
def cart(world, client_for):
    """An officer's client with an open cart stop inside grid 1."""
    client = client_for(world.officer)
    lat, lon = world.in_grid1
    response = client.post(reverse("cases:cart_start"), {"place": "东市场广场", "lat": lat, "lon": lon})
    assert response.status_code == 302
    return client


def contact(client, **data):
    form = {"category": "id-papers", "description": "身份证丢了，想补办", "people_served": 1, "outcome": "solved"}
    form.update(data)
    return client.post(reverse("cases:cart_contact"), form, follow=True)


def test_start_stop_records_place_and_location(world, cart):
    stop = CartStop.objects.get()
    assert (stop.place, stop.officer, stop.ended_at) == ("东市场广场", world.officer, None)
    assert (stop.lat, stop.lon) == world.in_grid1
    assert "东市场广场" in page_text(cart.get(reverse("cases:cart")))


def test_solved_on_the_spot_closes_at_once_and_counts(world, cart):
    response = contact(cart, contact_name="李大爷", contact_phone="13712345678", people_served=2)
    case = Case.objects.get()
    assert (case.channel, case.status, case.resolution) == (Channel.SERVICE_CART, Status.CLOSED, Resolution.ON_THE_SPOT)
    assert case.cart_stop == CartStop.objects.get() and case.people_served == 2
    assert case.contact_phone.reveal() == "13712345678" and case.grid == world.grid1
    assert list(case.events.values_list("to_status", flat=True).exclude(to_status="")) == ["new", "resolved", "closed"]
    text = page_text(response)
    assert case.number in text
    assert '<strong id="stop-contacts">1</strong>' in text and '<strong id="stop-people">2</strong>' in text
    assert "身份证丢了" not in text  # the form is cleared for the next person


def test_follow_up_leaves_case_open_and_counts_add_up(world, cart):
    contact(cart)
    response = contact(cart, outcome="follow_up", description="楼道灯坏了", people_served=3)
    follow_up = Case.objects.get(description="楼道灯坏了")
    assert follow_up.status == Status.NEW and follow_up.resolution == ""
    text = page_text(response)
    assert '<strong id="stop-contacts">2</strong>' in text and '<strong id="stop-people">4</strong>' in text


def test_missing_description_names_the_field_and_writes_nothing(world, cart):
    response = contact(cart, description="")
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert 'class="field has-error"' in page_text(response)


def test_bad_phone_names_the_field_in_chinese_and_keeps_the_input(world, cart):
    response = contact(cart, contact_phone="12345")
    text = page_text(response)
    assert Case.objects.count() == 0
    assert "手机号" in text and "身份证丢了，想补办" in text


def test_solving_a_referred_category_on_the_spot_is_refused_whole(world, cart):
    response = contact(cart, category="noise", description="楼上装修太吵")
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    assert "类别" in page_text(response)


def test_contact_needs_an_open_stop(world, client_for):
    client = client_for(world.officer)
    response = contact(client)
    assert Case.objects.count() == 0
    assert response.redirect_chain[-1][0] == reverse("cases:cart")


def test_end_stop_reports_the_outing(world, cart):
    contact(cart, people_served=3)
    response = cart.post(reverse("cases:cart_end"), follow=True)
    assert CartStop.objects.get().ended_at is not None
    assert "3" in page_text(response) and 'name="place"' in page_text(response)


def test_start_without_place_is_a_message(world, client_for):
    response = client_for(world.officer).post(reverse("cases:cart_start"), {"place": " "})
    assert response.status_code == 200 and CartStop.objects.count() == 0
    assert "has-error" in page_text(response)


def test_volunteer_may_not_run_the_cart(world, client_for):
    assert client_for(world.volunteer).get(reverse("cases:cart")).status_code == 403


def test_stop_lists_its_contacts_and_past_outings_show_their_counts(world, cart):
    contact(cart, contact_name="李大爷", people_served=2)
    contact(cart, outcome="follow_up", description="楼道灯坏了")
    numbers = list(Case.objects.values_list("number", flat=True))
    text = page_text(cart.get(reverse("cases:cart")))
    assert all(n in text for n in numbers) and "李大爷" in text
    cart.post(reverse("cases:cart_end"))
    text = page_text(cart.get(reverse("cases:cart")))
    assert (
        '<td data-label="接待次数">2</td><td data-label="服务人数">3</td><td data-label="当场办结">1</td>' in text
    )  # contacts, people served, solved on the spot, each labelled for the phone layout


def test_a_stop_without_location_files_in_the_officers_grid_and_says_so(world, client_for):
    client = client_for(world.officer)
    client.post(reverse("cases:cart_start"), {"place": "老街口"})
    response = contact(client, outcome="follow_up", description="楼道灯坏了，晚上看不见")
    case = Case.objects.get()
    assert case.grid == world.grid1 and case.status != Status.CLOSED
    text = page_text(response)
    assert case.number in text and world.grid1.name in text
    assert case.number in page_text(client.get(reverse("cases:cart")))


def test_a_contact_outside_the_officers_grid_stays_visible_to_him(world, client_for):
    client = client_for(world.officer)
    lat, lon = world.in_grid2
    client.post(reverse("cases:cart_start"), {"place": "二网格广场", "lat": lat, "lon": lon})
    response = contact(client, outcome="follow_up", description="邻居家狗叫扰民")
    case = Case.objects.get()
    assert case.grid == world.grid2
    assert case.number in page_text(response)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert case.number in page_text(client.get(reverse("cases:cart")))
