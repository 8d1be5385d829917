"""Whoever filed a case (a resident, a volunteer's patrol finding, a lookout's tip) may add to it until it closes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianxin.cases.models import CaseEvent, Channel, EventKind, Status
from lianxin.cases.services import case_open, case_transition
from tests.clients import page_text


@pytest.fixture
def finding(world):
    return case_open(
        station=world.station,
        actor=world.volunteer,
        channel=Channel.PATROL_FINDING,
        category=world.cat_papers,
        description="巡逻时发现河边护栏断了",
    )


def test_a_volunteer_adds_a_public_note_to_their_patrol_finding(world, client_for, finding):
    client = client_for(world.volunteer)
    page = page_text(client.get(reverse("cases:detail", args=[finding.pk])))
    assert "添加备注" in page or "Add a note" in page
    response = client.post(reverse("cases:note", args=[finding.pk]), {"text": "又去看了一眼，断了两米"})
    assert response.status_code == 302
    note = CaseEvent.objects.get(case=finding, kind=EventKind.NOTE)
    assert (note.actor, note.is_public, note.text) == (world.volunteer, True, "又去看了一眼，断了两米")


def test_a_lookout_answers_on_their_own_tip_but_not_on_anothers(world, client_for, finding):
    tip = case_open(
        station=world.station,
        actor=world.lookout,
        channel=Channel.LOOKOUT_TIP,
        category=world.cat_papers,
        description="菜市场门口有人发传单推销理财",
    )
    client = client_for(world.lookout)
    assert client.post(reverse("cases:note", args=[tip.pk]), {"text": "人还在，穿灰外套"}).status_code == 302
    assert CaseEvent.objects.filter(case=tip, kind=EventKind.NOTE, is_public=True).count() == 1
    assert client.post(reverse("cases:note", args=[finding.pk]), {"text": "x"}).status_code == 404
    assert not CaseEvent.objects.filter(case=finding, kind=EventKind.NOTE).exists()


def test_once_closed_the_filer_may_no_longer_add_notes(world, client_for, finding):
    for status in (Status.ACCEPTED, Status.RESOLVED, Status.CLOSED):
        kw = {"resolution": "resolved_locally"} if status == Status.RESOLVED else {}
        case_transition(case=finding, actor=world.chief, to_status=status, **kw)
    client = client_for(world.volunteer)
    page = page_text(client.get(reverse("cases:detail", args=[finding.pk])))
    assert "添加备注" not in page
    response = client.post(reverse("cases:note", args=[finding.pk]), {"text": "还有问题"}, follow=True)
    assert response.status_code in (200, 409)
    assert not CaseEvent.objects.filter(case=finding, kind=EventKind.NOTE).exists()
