"""当场办结 only where it can be true: a face-to-face or telephone contact resolved during the contact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianxin.cases.models import Channel, Resolution, Status
from lianxin.cases.services import case_open, case_transition
from tests.conftest import NOW


def test_an_online_request_resolved_a_week_later_may_not_count_as_on_the_spot(world, open_case, client_for):
    case = open_case(channel=Channel.ONLINE, actor=world.resident_user, now=NOW)
    later = NOW + dt.timedelta(days=7)
    with pytest.raises(ValidationError) as err:
        case_transition(
            case=case, actor=world.officer, to_status=Status.RESOLVED, resolution=Resolution.ON_THE_SPOT, now=later
        )
    assert "resolution" in err.value.message_dict
    case.refresh_from_db()
    assert case.status == Status.NEW
    page = client_for(world.officer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'value="resolved_locally"' in page and 'value="on_the_spot"' not in page


def test_a_walk_in_resolved_while_the_person_is_there_is_on_the_spot(world):
    case = case_open(
        station=world.station,
        actor=world.registry,
        channel=Channel.WALK_IN,
        category=world.cat_papers,
        description="来问户口迁移要带什么材料",
        now=NOW,
    )
    case_transition(
        case=case,
        actor=world.registry,
        to_status=Status.RESOLVED,
        resolution=Resolution.ON_THE_SPOT,
        now=NOW + dt.timedelta(minutes=10),
    )
    case.refresh_from_db()
    assert case.resolution == Resolution.ON_THE_SPOT


def test_the_same_walk_in_the_next_day_is_not(world):
    case = case_open(
        station=world.station,
        actor=world.registry,
        channel=Channel.WALK_IN,
        category=world.cat_papers,
        description="来问户口迁移要带什么材料",
        now=NOW,
    )
    with pytest.raises(ValidationError):
        case_transition(
            case=case,
            actor=world.registry,
            to_status=Status.RESOLVED,
            resolution=Resolution.ON_THE_SPOT,
            now=NOW + dt.timedelta(days=1),
        )
