"""The machine channel with banks' own systems: signed answers (HMAC-SHA256, replay window, idempotency),
requests delivered from a task with retries and a dead-letter list, and `lianxin bank simulate` playing a
bank over HTTP on 127.0.0.1 against the running station."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from lianxin.antifraud.models import (
    BankLedger,
    BankLink,
    BankMessage,
    BankRequest,
    MessageStatus,
    RequestStatus,
    RequestStep,
    RequestStepKind,
)
from lianxin.antifraud.services import bank_deliveries_sweep, bank_request_send
from lianxin.antifraud.services.outbox import sign
from lianxin.core.plugins import sweeps
from tests.antifraud.ledger_files import FIRST, csv_bytes, story_rows
from tests.antifraud.test_bank import LOST_FEN, NOW, STARTED, bank_world  # noqa: F401

SECRET = "test-secret-of-the-bank"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def link(w, endpoint: str = "") -> BankLink:
    return BankLink.objects.create(
        bank=w.bank, key_id="icbc-1", secret=SECRET, endpoint_url=endpoint, user=w.bank_liaison
    )


def post(client, body: dict, *, key="icbc-1", secret=SECRET, at: int | None = None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    at = int(time.time()) if at is None else at
    headers = {"X-Lianxin-Key": key, "X-Lianxin-Timestamp": str(at), "X-Lianxin-Signature": sign(secret, at, data)}
    return client.post(
        "/api/v1/bank/signed/answers", data=data, content_type="application/json", headers=headers
    ), headers


def send(w, now=None):
    return bank_request_send(
        loss=w.loss, actor=w.officer, bank=w.bank, kind="stop", account=FIRST, amount_fen=LOST_FEN, now=now or NOW
    )


def test_signed_answers_are_checked_replays_refused_and_repeats_answered_once(bank_world, client):  # noqa: F811
    w = bank_world
    link(w)
    request = send(w, now=timezone.now())
    body = {"request_id": request.pk, "idempotency_key": "m-1", "answer": "held", "held_fen": 50_000}
    wrong, _ = post(client, body, secret="not-the-secret")
    unknown, _ = post(client, body, key="nobody")
    stale, _ = post(client, body, at=int(time.time()) - 3600)
    assert (wrong.status_code, unknown.status_code, stale.status_code) == (401, 401, 401)
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT and not BankMessage.objects.exists()
    first, headers = post(client, body)
    assert first.status_code == 200 and first.json()["status"] == "held" and first.json()["held_fen"] == 50_000
    replay = client.post(
        "/api/v1/bank/signed/answers", data=json.dumps(body).encode(), content_type="application/json", headers=headers
    )
    assert replay.status_code == 409
    again, _ = post(client, body, at=int(time.time()) + 1)  # a new message with the same idempotency key
    assert again.status_code == 200 and again.json() == first.json()
    assert RequestStep.objects.filter(request=request, kind=RequestStepKind.ANSWERED).count() == 1
    other, _ = post(client, {**body, "idempotency_key": "m-2"}, at=int(time.time()) + 2)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "answer"
    missing, _ = post(client, {**body, "request_id": 999_999, "idempotency_key": "m-3"}, at=int(time.time()) + 3)
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    bad, _ = post(client, {}, raw=b"not json", at=int(time.time()) + 4)
    assert bad.status_code == 422


def test_a_bank_that_is_down_gets_the_request_again_then_it_is_dead_lettered(bank_world, settings, client_for):  # noqa: F811
    w = bank_world
    settings.ANTIFRAUD_BANK_DELIVERY_ATTEMPTS = 3
    settings.ANTIFRAUD_BANK_RETRY_SECONDS = 30
    link(w, endpoint=f"http://127.0.0.1:{free_port()}/requests")  # nothing listens there
    request = send(w)
    message = BankMessage.objects.get(request=request)
    assert message.status == MessageStatus.PENDING and message.body["account"] == FIRST
    assert "antifraud_bank_deliveries" in sweeps()
    assert bank_deliveries_sweep(now=NOW) == 1
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at == NOW + dt.timedelta(seconds=30) and message.last_error
    assert bank_deliveries_sweep(now=NOW + dt.timedelta(seconds=29)) == 0  # backoff
    assert bank_deliveries_sweep(now=NOW + dt.timedelta(seconds=30)) == 1
    message.refresh_from_db()
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=90)  # doubled
    assert bank_deliveries_sweep(now=NOW + dt.timedelta(seconds=90)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.attempts == 3
    assert bank_deliveries_sweep(now=NOW + dt.timedelta(days=1)) == 0
    page = client_for(w.officer).get("/fraud/losses/").content.decode()
    assert 'id="dead-letters"' in page and w.loss.case.number in page
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT  # still in the liaison's web inbox


def _simulate(port: int, station: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "LIANXIN_DEMO": "1"}
    command = [sys.executable, "-m", "lianxin.cli", "bank", "simulate", "--station", station, "--key-id", "icbc-1"]
    command += ["--secret", SECRET, "--port", str(port), "--seconds", "40", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()  # the simulator says when it listens
    assert '"listening"' in line, process.stderr.read()
    return process


def _wait(predicate, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def live_loss(world, settings, tmp_path, port: int):
    """A loss case of 49,000 yuan paid an hour ago into FIRST, for a bank whose system listens on `port` (the
    simulator); tasks run at once, ledgers under tmp_path. Returns (loss, when it was paid)."""
    from lianxin.antifraud.models import FraudLoss
    from lianxin.antifraud.services import loss_transfer_add
    from lianxin.antifraud.services.common import CATEGORY_LOSS, desk_category
    from lianxin.cases.services import case_open

    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    world.bank.name = "中国工商银行丹东分行"
    world.bank.save(update_fields=["name"])
    BankLink.objects.create(
        bank=world.bank,
        key_id="icbc-1",
        secret=SECRET,
        endpoint_url=f"http://127.0.0.1:{port}/",
        user=world.bank_liaison,
    )
    now = timezone.now()
    case = case_open(
        station=world.station,
        actor=world.officer,
        channel="walk_in",
        category=desk_category(station=world.station, code=CATEGORY_LOSS),
        description="被骗49000元",
        lat=world.in_grid1[0],
        lon=world.in_grid1[1],
        now=now,
    )
    loss = FraudLoss.objects.create(station=world.station, case=case, reported_at=now)
    paid = now - dt.timedelta(hours=1)
    loss_transfer_add(
        loss=loss, actor=world.officer, at=paid, amount_fen=LOST_FEN, to_account=FIRST, txn_ref="T0001", now=now
    )
    return loss, paid


@pytest.mark.django_db(transaction=True)
def test_the_bank_simulator_holds_answers_twice_and_sends_the_ledger(world, live_server, settings, tmp_path):
    from lianxin.core.services import api_token_create

    port = free_port()
    loss, paid = live_loss(world, settings, tmp_path, port)
    now = timezone.now()
    ledger = tmp_path / "ledger.csv"
    ledger.write_bytes(csv_bytes(story_rows(paid)))
    _token, key = api_token_create(user=world.bank_liaison, name="bank system")
    sim = _simulate(
        port, live_server.url, "--behaviour", "twice", "--hold-fen", "50000", f"--token={key}", "--ledger", str(ledger)
    )
    try:
        request = bank_request_send(
            loss=loss, actor=world.officer, bank=world.bank, kind="stop", account=FIRST, amount_fen=LOST_FEN, now=now
        )
        _wait(lambda: BankLedger.objects.filter(request=request).exists())
        out, err = sim.communicate(timeout=40)
    finally:
        sim.kill()
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    answers = [e for e in events if e["event"] == "answered"]
    assert [a["status"] for a in answers] == [200, 200] and answers[0]["reply"] == answers[1]["reply"], err
    request.refresh_from_db()
    assert (request.status, request.held_fen) == (RequestStatus.HELD, 50_000)
    assert RequestStep.objects.filter(request=request, kind=RequestStepKind.ANSWERED).count() == 1
    assert BankMessage.objects.get(request=request, direction="out").status == MessageStatus.DELIVERED
    led = BankLedger.objects.get(request=request)
    _wait(lambda: BankLedger.objects.get(pk=led.pk).status == "ready")
    assert BankRequest.objects.count() == 1


async def _event_after(topic: str, publish):
    """Subscribe to topic, run publish (in this thread: the in-process hub queues what it delivers), return the event."""
    from lianxin.core.live import live_events

    stream = live_events([topic], heartbeat=0.05)
    assert await stream.__anext__() is None  # subscribed
    publish()
    for _ in range(100):
        event = await stream.__anext__()
        if event is not None:
            await stream.aclose()
            return event
    await stream.aclose()
    return None


@pytest.mark.django_db(transaction=True)
def test_a_request_reaches_the_bank_liaisons_phone_live_and_the_answer_the_officers(bank_world, settings, monkeypatch):  # noqa: F811
    import asyncio

    from lianxin.antifraud.services import bank_request_answer

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the services run inside the listening loop here
    w = bank_world
    settings.LIANXIN_REDIS_URL = ""
    sent: list[BankRequest] = []
    event = asyncio.run(_event_after(f"user:{w.bank_liaison.pk}", lambda: sent.append(send(w))))
    assert event is not None and event.kind == "bank_request" and event.data["id"] == sent[0].pk
    assert event.data["step"] == "sent"

    def answer():
        bank_request_answer(request=sent[0], actor=w.bank_liaison, answer="held", held_fen=100, now=NOW)

    event = asyncio.run(_event_after(f"user:{w.officer.pk}", answer))
    assert event is not None and event.data == {
        "id": sent[0].pk,
        "step": "answered",
        "status": "held",
        "loss": w.loss.pk,
    }
