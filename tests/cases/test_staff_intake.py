"""Staff intake by channel: a hotline call or a walk-in recorded on a resident's behalf."""

from __future__ import annotations

from django.urls import reverse

from lianxin.cases.models import Case, Channel, Resolution, Status
from tests.clients import page_text


def test_a_hotline_call_on_behalf_of_a_resident_found_by_name(world, client_for):
    client = client_for(world.auxiliary)
    found = page_text(client.get(reverse("cases:intake"), {"who": "王秀兰"}))
    assert "王秀兰" in found and "13812345678" not in found
    page = page_text(client.get(reverse("cases:intake"), {"resident": world.resident.pk}))
    assert "王秀兰" in page
    response = client.post(
        reverse("cases:intake"),
        {
            "channel": "hotline",
            "category": "id-papers",
            "description": "电话咨询身份证到期换领",
            "on_behalf_of": world.resident.pk,
            "outcome": "follow_up",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert (case.channel, case.reporter, case.grid, case.status) == (
        Channel.HOTLINE,
        world.resident,
        world.grid1,
        Status.NEW,
    )
    assert case.number in page_text(response) and world.grid1.name in page_text(response)


def test_a_walk_in_solved_at_the_counter_is_closed_on_the_spot(world, client_for):
    client = client_for(world.registry)
    client.post(
        reverse("cases:intake"),
        {"channel": "walk_in", "category": "id-papers", "description": "来问户口迁移材料", "outcome": "solved"},
    )
    case = Case.objects.get()
    assert (case.channel, case.status, case.resolution) == (Channel.WALK_IN, Status.CLOSED, Resolution.ON_THE_SPOT)


def test_a_device_alarm_is_never_solved_on_the_spot_and_nothing_is_written(world, client_for):
    response = client_for(world.auxiliary).post(
        reverse("cases:intake"),
        {"channel": "device_alarm", "category": "id-papers", "description": "一键呼叫器报警", "outcome": "solved"},
    )
    assert response.status_code == 200 and not Case.objects.exists()
    assert "呼叫" in page_text(response) or "device" in page_text(response).lower()


def test_missing_channel_names_the_field_and_volunteers_may_not_use_the_page(world, client_for):
    response = client_for(world.auxiliary).post(
        reverse("cases:intake"), {"category": "id-papers", "description": "x", "outcome": "follow_up"}
    )
    assert response.status_code == 200 and not Case.objects.exists()
    assert client_for(world.volunteer).get(reverse("cases:intake")).status_code == 403
