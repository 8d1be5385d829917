"""Volunteers and bank liaisons report from the menu, under their own channel; a lookout's report is a tip (tips app)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianxin.cases.models import Case, Channel
from tests.clients import page_text


@pytest.mark.parametrize(
    ("persona", "channel"),
    [("volunteer", Channel.PATROL_FINDING), ("bank_liaison", Channel.BANK_ALERT)],
)
def test_partner_reports_from_the_menu_and_follows_it(world, client_for, persona, channel):
    user = getattr(world, persona)
    client = client_for(user)
    home = page_text(client.get("/cases/"))
    assert '<a href="/cases/new/"' in home and "我要上报" in home
    response = client.post(
        "/cases/new/",
        {
            "category": world.cat_papers.code,
            "description": "桥头路灯不亮了",
            "address": "江边路桥头",
            "lat": "",
            "lon": "",
        },
        follow=True,
    )
    case = Case.objects.get(description="桥头路灯不亮了")
    assert (case.channel, case.station) == (channel, world.station)
    assert case.events.get(kind="opened").actor == user
    assert case.number in page_text(response)
    assert case.number in page_text(client.get("/cases/"))


def test_resident_still_files_online_and_staff_menu_has_no_report_link(world, client_for):
    client = client_for(world.resident_user)
    client.post("/cases/new/", {"category": world.cat_papers.code, "description": "想办居住证", "address": ""})
    assert Case.objects.get(description="想办居住证").channel == Channel.ONLINE
    assert "我要上报" not in page_text(client_for(world.officer).get("/cases/"))


def test_each_partner_files_in_its_own_words_with_only_its_categories(world, client_for):
    world.cat_fight.reporter_channels = ["patrol_finding"]
    world.cat_fight.save()
    page = page_text(client_for(world.volunteer).get(reverse("cases:file")))
    assert "巡逻" in page and "打架斗殴" in page and "证件办理" not in page
    # A lookout's report goes to the tips app's form (its plugin's report page), so a Tip is recorded.
    assert client_for(world.lookout).get(reverse("cases:file"))["Location"] == reverse("tips:home")
    # Residents still see everything.
    resident = page_text(client_for(world.resident_user).get(reverse("cases:file")))
    assert "证件办理" in resident and "打架斗殴" in resident
