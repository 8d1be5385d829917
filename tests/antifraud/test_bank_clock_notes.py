"""The legal clocks' warnings reach the fraud-loss case's timeline: an internal note written by the sweep,
once per request and warning however often the sweep runs, with the deadline in the station's time zone."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from lianxin.antifraud.models import RequestStepKind
from lianxin.antifraud.services import bank_request_answer, bank_requests_sweep
from lianxin.antifraud.services.bank import _clock_note
from lianxin.cases.models import CaseEvent, EventKind
from tests.antifraud.test_bank import NOW, _send, bank_world  # noqa: F401


def _clock_notes(case):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, data__has_key="clock").order_by("at", "id"))


def test_each_clock_warning_is_one_internal_note_on_the_case(bank_world, settings, client_for):  # noqa: F811
    settings.ANTIFRAUD_STOP_HOLD_HOURS = 48
    settings.ANTIFRAUD_STOP_WARN_HOURS = 6
    settings.STATION_TIME_ZONE = "Asia/Shanghai"
    w = bank_world
    case = w.loss.case
    request = _send(w)  # sent 02:00 UTC: the answer is due 03:00 UTC, 11:00 in the station
    assert bank_requests_sweep(now=NOW + dt.timedelta(minutes=61)) == 1
    for minutes in (62, 90, 120):  # the sweep again and again: nothing more to say
        bank_requests_sweep(now=NOW + dt.timedelta(minutes=minutes))
    _clock_note(request, RequestStepKind.ANSWER_OVERDUE, request.answer_due_at, NOW)  # a second worker's try
    [overdue] = _clock_notes(case)
    assert not overdue.is_public and overdue.actor is None and overdue.data["clock"] == "answer_overdue"
    assert "2026-06-15 11:00" in overdue.text and "Asia/Shanghai" in overdue.text and w.bank.name in overdue.text
    answered_at = NOW + dt.timedelta(minutes=70)
    bank_request_answer(request=request, actor=w.bank_liaison, answer="held", held_fen=50_000, now=answered_at)
    ending = answered_at + dt.timedelta(hours=42)
    assert bank_requests_sweep(now=ending) == 1
    bank_requests_sweep(now=ending + dt.timedelta(minutes=5))
    assert bank_requests_sweep(now=answered_at + dt.timedelta(hours=48)) == 1  # lapsed
    bank_requests_sweep(now=answered_at + dt.timedelta(hours=49))
    notes = _clock_notes(case)
    assert [n.data["clock"] for n in notes] == ["answer_overdue", "hold_ending", "lapsed"]
    hold_until_local = (answered_at + dt.timedelta(hours=48)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert all(f"{hold_until_local:%Y-%m-%d %H:%M}" in n.text for n in notes[1:])
    assert not any(n.is_public for n in notes)
    page = client_for(w.officer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "2026-06-15 11:00" in page and "kind-note internal" in page
