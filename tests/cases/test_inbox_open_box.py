"""The inbox has a box of the cases still to do, so an officer need not page past finished ones."""

from __future__ import annotations

from tests.clients import page_text


def test_not_yet_done_box_lists_open_cases_only(world, open_case, client_for):
    from lianxin.cases.services import case_transition

    waiting = open_case(description="还在等的事")
    done = open_case(description="已经办完的事")
    case_transition(case=done, actor=world.officer, to_status="accepted")
    case_transition(case=done, actor=world.officer, to_status="resolved", resolution="advice_given")

    # A caseworker's inbox opens on this box; the finished case is one tap away under 全部.
    for url in ("/cases/", "/cases/?box=open"):
        text = page_text(client_for(world.officer).get(url))
        assert waiting.number in text and done.number not in text
        assert '<a href="?box=open" aria-current="page">未办结</a>' in text
    everything = page_text(client_for(world.officer).get("/cases/?box=all"))
    assert waiting.number in everything and done.number in everything


def test_a_volunteer_opens_on_all_of_their_own(world, client_for):
    text = page_text(client_for(world.volunteer).get("/cases/"))
    assert '<a href="?box=all" aria-current="page">' in text
