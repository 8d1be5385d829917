"""The signed bank channel's failures, proven over HTTP: `lianxin bank simulate` runs as its own process on
127.0.0.1 against the live station and misbehaves on purpose (a wrong signature, a replayed message, an
answer for a request never sent, a bank that is down, an answer that comes late); a repeated idempotency
key over HTTP is test_bank_channel's simulator test. Each test starts the simulator (a Django process)
and waits for it, 4-9 s each on this machine, so they are marked slow."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from lianxin.antifraud.models import (
    BankMessage,
    BankRequest,
    MessageDirection,
    MessageStatus,
    RequestStatus,
    RequestStep,
    RequestStepKind,
)
from lianxin.antifraud.services import bank_deliveries_sweep, bank_request_send, bank_requests_sweep
from lianxin.cases.models import CaseEvent, EventKind
from tests.antifraud.ledger_files import FIRST
from tests.antifraud.test_bank import LOST_FEN
from tests.antifraud.test_bank_channel import _simulate, _wait, free_port, live_loss

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _run(world, live_server, settings, tmp_path, *args: str, seconds: int = 30):
    """Start the simulator with `args`, send it one stop request, let it finish; return (request, its events)."""
    port = free_port()
    loss, _paid = live_loss(world, settings, tmp_path, port)
    sim = _simulate(port, live_server.url, "--seconds", str(seconds), *args)
    try:
        request = bank_request_send(
            loss=loss, actor=world.officer, bank=world.bank, kind="stop", account=FIRST, amount_fen=LOST_FEN
        )
        out, err = sim.communicate(timeout=seconds + 10)
    finally:
        sim.kill()
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert any(e["event"] == "received" for e in events), (events, err)
    request.refresh_from_db()
    return request, events


def _answered(request: BankRequest) -> int:
    return RequestStep.objects.filter(request=request, kind=RequestStepKind.ANSWERED).count()


def _inbound() -> int:
    return BankMessage.objects.filter(direction=MessageDirection.IN).count()


def test_an_answer_with_a_wrong_signature_is_refused_401_and_nothing_is_written(world, live_server, settings, tmp_path):
    request, events = _run(world, live_server, settings, tmp_path, "--tamper", "signature")
    [answer] = [e for e in events if e["event"] == "answered"]
    assert (answer["status"], answer["reply"]) == (401, {"detail": "wrong signature"})
    assert (request.status, request.held_fen, request.answered_at) == (RequestStatus.SENT, 0, None)
    assert _answered(request) == 0 and _inbound() == 0
    # The station's own request did reach the bank, signed the right way.
    assert BankMessage.objects.get(request=request, direction=MessageDirection.OUT).status == MessageStatus.DELIVERED


def test_a_replayed_answer_is_refused_and_the_first_stands_alone(world, live_server, settings, tmp_path):
    request, events = _run(world, live_server, settings, tmp_path, "--replay", "--hold-fen", "50000")
    [first] = [e for e in events if e["event"] == "answered"]
    [replay] = [e for e in events if e["event"] == "replayed"]
    assert first["status"] == 200 and first["reply"]["status"] == "held"
    assert replay["status"] == 409 and "replay" in replay["reply"]["detail"]
    assert (request.status, request.held_fen) == (RequestStatus.HELD, 50_000)
    assert _answered(request) == 1 and _inbound() == 1


def test_an_answer_for_a_request_never_sent_is_a_clear_404(world, live_server, settings, tmp_path):
    request, events = _run(world, live_server, settings, tmp_path, "--tamper", "request")
    [answer] = [e for e in events if e["event"] == "answered"]
    assert answer["status"] == 404
    assert answer["reply"]["detail"] == f"no request {request.pk + 10_000_000} was sent to {world.bank.code}"
    assert request.status == RequestStatus.SENT and _answered(request) == 0 and _inbound() == 0


def test_a_bank_that_is_down_is_retried_with_backoff_then_dead_lettered_for_the_officer(
    world, live_server, settings, tmp_path, client_for
):
    settings.ANTIFRAUD_BANK_DELIVERY_ATTEMPTS = 3
    settings.ANTIFRAUD_BANK_RETRY_SECONDS = 30
    port = free_port()
    loss, _paid = live_loss(world, settings, tmp_path, port)
    sim = _simulate(port, live_server.url, "--behaviour", "down", "--seconds", "30")
    try:
        request = bank_request_send(
            loss=loss, actor=world.officer, bank=world.bank, kind="stop", account=FIRST, amount_fen=LOST_FEN
        )  # the first attempt goes out as the request is saved
        message = BankMessage.objects.get(request=request, direction=MessageDirection.OUT)
        first = message.next_attempt_at - dt.timedelta(seconds=30)  # when the first attempt failed
        assert (message.attempts, message.response_code, message.last_error) == (1, 503, "HTTP 503")
        assert bank_deliveries_sweep(now=first + dt.timedelta(seconds=29)) == 0  # not yet: backoff
        assert bank_deliveries_sweep(now=first + dt.timedelta(seconds=30)) == 1
        message.refresh_from_db()
        assert message.attempts == 2 and message.next_attempt_at == first + dt.timedelta(seconds=90)  # doubled
        assert bank_deliveries_sweep(now=first + dt.timedelta(seconds=89)) == 0
        assert bank_deliveries_sweep(now=first + dt.timedelta(seconds=90)) == 1
        message.refresh_from_db()
        assert (message.status, message.attempts, message.next_attempt_at) == (MessageStatus.DEAD, 3, None)
        assert bank_deliveries_sweep(now=first + dt.timedelta(days=1)) == 0
    finally:
        sim.terminate()
        out, _err = sim.communicate(timeout=10)
    assert [json.loads(line)["event"] for line in out.splitlines()].count("down") == 3  # each attempt reached it
    page = client_for(world.officer).get("/fraud/losses/").content.decode()
    dead = page[page.index('id="dead-letters"') :]
    assert loss.case.number in dead and FIRST in dead
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT  # still in the liaison's web inbox


def test_a_bank_that_answers_late_gets_the_overdue_clock_note_then_its_answer_is_marked_late(
    world, live_server, settings, tmp_path
):
    settings.ANTIFRAUD_BANK_ANSWER_MINUTES = 0  # due at once: the simulator's late answer (5 s) comes after it
    port = free_port()
    loss, _paid = live_loss(world, settings, tmp_path, port)
    sim = _simulate(port, live_server.url, "--behaviour", "late", "--delay", "0.5", "--seconds", "30")
    try:
        request = bank_request_send(
            loss=loss, actor=world.officer, bank=world.bank, kind="stop", account=FIRST, amount_fen=LOST_FEN
        )
        assert BankMessage.objects.get(request=request, direction="out").status == MessageStatus.DELIVERED
        assert bank_requests_sweep(now=timezone.now()) == 1  # the worker's sweep, while the bank is still silent
        request.refresh_from_db()
        assert request.status == RequestStatus.SENT
        note = CaseEvent.objects.get(case=loss.case, kind=EventKind.NOTE, data__clock="answer_overdue")
        assert note.data["bank_request"] == request.pk and FIRST in note.text and world.bank.name in note.text
        assert RequestStep.objects.filter(request=request, kind=RequestStepKind.ANSWER_OVERDUE).count() == 1
        _wait(lambda: BankRequest.objects.get(pk=request.pk).status == RequestStatus.HELD, seconds=20)
        out, _err = sim.communicate(timeout=30)
    finally:
        sim.kill()
    [answer] = [json.loads(line) for line in out.splitlines() if '"answered"' in line]
    assert answer["status"] == 200
    step = RequestStep.objects.get(request=request, kind=RequestStepKind.ANSWERED)
    assert step.data["is_late"] is True
    assert bank_requests_sweep(now=timezone.now()) == 0  # the note is written once
    assert CaseEvent.objects.filter(case=loss.case, kind=EventKind.NOTE, data__clock="answer_overdue").count() == 1
