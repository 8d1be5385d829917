"""Inboxes: boxes, filters, search, masking, overdue marks, scope and query counts."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from lianxin.cases.services import case_assign
from tests.clients import page_text


def inbox(client, **params):
    return page_text(client.get(reverse("cases:inbox"), params, follow=True))  # a phone search redirects to its digest


def test_officer_sees_station_cases_not_other_stations(world, open_case, client_for):
    from lianxin.cases.models import CaseCounter
    from lianxin.cases.services import case_open, station_local_year

    mine = open_case(contact_phone="13612345678")
    # Each station counts its own numbers, so both first cases would read LX-…-000001:
    # start station B's counter elsewhere so that "not in the page" means something.
    now = timezone.now()
    CaseCounter.objects.create(station=world.b.station, year=station_local_year(now), last_value=900000)
    lat, lon = world.b.in_grid1
    foreign = case_open(
        station=world.b.station,
        actor=world.b.officer,
        channel="walk_in",
        category=world.b.cat_papers,
        description="外所案件",
        lat=lat,
        lon=lon,
    )
    text = inbox(client_for(world.officer))
    assert mine.number in text and foreign.number not in text


def test_phone_masked_for_officer_hidden_for_volunteer(world, open_case, client_for):
    case = open_case(contact_phone="13612345678")
    case_assign(case=case, actor=world.officer, assignee=world.volunteer)
    officer_text = inbox(client_for(world.officer))
    assert "136****5678" in officer_text and "13612345678" not in officer_text
    volunteer_text = inbox(client_for(world.volunteer))
    assert case.number in volunteer_text and "136****" not in volunteer_text


def test_boxes_overdue_due_soon_and_marks(world, open_case, client_for):
    now = timezone.now()
    overdue = open_case(now=now - dt.timedelta(days=10))
    due_soon = open_case(category=world.cat_fight, now=now - dt.timedelta(hours=1))
    fresh = open_case(now=now)
    client = client_for(world.officer)
    text = inbox(client, box="overdue")
    assert overdue.number in text and due_soon.number not in text and fresh.number not in text
    assert "case-row overdue" in text
    text = inbox(client, box="due_soon")
    assert due_soon.number in text and overdue.number not in text and "case-row due-soon" in text


def test_mine_grid_and_unassigned_boxes(world, open_case, client_for):
    in_grid1 = open_case()
    in_grid2 = open_case(point=world.in_grid2)
    case_assign(case=in_grid2, actor=world.officer, assignee=world.officer)
    client = client_for(world.officer)
    text = inbox(client, box="mine")
    assert in_grid2.number in text and in_grid1.number not in text
    text = inbox(client, box="grid")
    assert in_grid1.number in text and in_grid2.number not in text
    text = inbox(client, box="unassigned")
    assert in_grid1.number in text and in_grid2.number not in text


def test_filters_and_search(world, open_case, client_for):
    papers = open_case(contact_name="赵春花", contact_phone="13612345678")
    fight = open_case(category=world.cat_fight, channel="hotline")
    client = client_for(world.chief)
    text = inbox(client, category="fight")
    assert fight.number in text and papers.number not in text
    text = inbox(client, channel="walk_in")
    assert papers.number in text and fight.number not in text
    text = inbox(client, q=papers.number)
    assert papers.number in text and fight.number not in text
    text = inbox(client, q="136 1234 5678")
    assert papers.number in text and fight.number not in text
    text = inbox(client, q="赵春")
    assert papers.number in text and fight.number not in text
    text = inbox(client, grid=world.grid2.pk)
    assert papers.number not in text and fight.number not in text


def test_bad_filter_values_are_ignored_not_a_500(world, open_case, client_for):
    case = open_case()
    response = client_for(world.officer).get(
        reverse("cases:inbox"), {"opened_from": "yesterday", "grid": "x", "page": "999"}
    )
    assert response.status_code == 200 and case.number in page_text(response)


def test_pagination(world, open_case, client_for):
    numbers = [open_case().number for _ in range(30)]
    client = client_for(world.chief)
    first, second = inbox(client), inbox(client, page=2)
    assert sum(n in first for n in numbers) == 25 and sum(n in second for n in numbers) == 5


def test_inbox_query_count_does_not_grow_with_rows(world, open_case, client_for, django_assert_max_num_queries):
    for n in range(25):
        case = open_case(contact_phone="13612345678", subjects=[world.resident])
        if n % 2:
            case_assign(case=case, actor=world.officer, assignee=world.officer2)
    client = client_for(world.officer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:inbox"), {"box": "all", "q": "", "status": "new"})
    assert page_text(response).count("case-row") == 25


def test_a_phone_search_leaves_no_number_in_the_address_or_the_log(world, open_case, client_for, caplog):
    import logging

    from lianxin.core.logs import MaskNumbersFilter

    open_case(contact_phone="13612345678")
    client = client_for(world.officer)
    response = client.get(reverse("cases:inbox"), {"q": "136 1234 5678"})
    assert response.status_code == 302 and "1361234" not in response["Location"]
    assert "q=h%3Ap" in response["Location"]
    assert "136****5678" in page_text(client.get(response["Location"]))
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/cases/?q=13612345678", "1.1", 302),
        None,
    )
    MaskNumbersFilter().filter(record)
    assert "13612345678" not in record.getMessage() and "136****5678" in record.getMessage()
