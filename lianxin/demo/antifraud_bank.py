"""The police–bank channel in the demo (called by lianxin.demo.antifraud; written only through its services).

1. The older fraud losses of the warning history: a transfer, a stop at the receiving bank, the
   bank's answer, money returned (most) or written off (cash already taken out).
2. The station's own story: a resident pays 49,000 yuan for a "school drinks purchase"; the officer
   stops the first-level account at 工商银行, the bank's liaison answers and uploads its ledger, the
   engine traces the money to the card farmer (卡农) at 建设银行 two hops away and to an account at
   农业银行; both are stopped from the trace within two hours of the report and all 49,000 comes back.
   A second parent of the same class pays 8,000 yuan into the stopped first-level account half an
   hour later; the officer traces both victims together and the refund plan (art. 8) returns each
   their own money from it, recorded with one click.
3. Today: a stop request waiting in the 工商银行 liaison's (`bank`) inbox within its clock, and one
   at 建设银行 past its clock, which the desk sees on its page.

Randomness comes from its own generator (seeded), so the rest of the demo is unchanged by it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.antifraud.models import FraudLoss, Outcome, WarningSource
from lianxin.antifraud.services import (
    bank_request_answer,
    bank_request_send,
    bank_requests_sweep,
    fundtrace_run,
    fundtrace_start,
    ledger_index_run,
    ledger_upload,
    loss_report,
    loss_transfer_add,
    loss_write_off,
    refund_record,
    trace_refunds_record,
    trace_stop_requests,
    warning_acknowledge,
    warning_outcome_record,
    warning_raise,
)
from lianxin.antifraud.services.ledgers import LEDGER_DIR
from lianxin.core.models import Station
from lianxin.demo.base import Demo

BANK_DEMO_SEED = 19_049
STORY_FEN = 4_900_000
STORY_DAYS_AGO = 9
# The story's accounts: the victim's, the first-level account, the card farmer two hops away, the other split.
VICTIM_ACCOUNT = "6217995550012345678"
FIRST_ACCOUNT = "6222020412003456789"
FARMER_ACCOUNT = "6227000731008765432"
SPLIT_ACCOUNT = "6228480398001122334"
SECOND_VICTIM_ACCOUNT = "6217995550087654321"
SECOND_FEN = 800_000
SECOND_MINUTES = 30  # after the first account was stopped: the money stays there
LEDGER_NOISE_ROWS = 240
BANK_NAMES = {"icbc": "工商银行", "ccb": "建设银行", "abc": "农业银行", "bankofdandong": "丹东银行"}
WRITE_OFF_SHARE = 0.2


def reset(station: Station) -> None:
    """Remove the ledgers' files of the demo station (their rows go with the fraud losses)."""
    shutil.rmtree(Path(settings.DATA_DIR) / LEDGER_DIR / str(station.pk), ignore_errors=True)


def _card(rng: random.Random, prefix: str = "62") -> str:
    return prefix + "".join(str(rng.randrange(10)) for _ in range(19 - len(prefix)))


def _story_ledger(rng: random.Random, fake, start: dt.datetime) -> bytes:
    """The first bank's ledger extract: its customers' ordinary transfers and the story's money, times with zone."""
    zone = dt.timezone(dt.timedelta(hours=8))

    def at(minutes: float) -> str:
        return (start + dt.timedelta(minutes=minutes)).astimezone(zone).isoformat()

    rows = [
        [
            "ICBC0001",
            VICTIM_ACCOUNT,
            FIRST_ACCOUNT,
            "49000.00",
            at(0),
            "刘桂兰",
            "周强",
            "邮储银行",
            "工商银行",
            "手机银行",
        ],
        [
            "ICBC0002",
            FIRST_ACCOUNT,
            FARMER_ACCOUNT,
            "30000.00",
            at(7),
            "周强",
            "黄立新",
            "工商银行",
            "建设银行",
            "网银",
        ],
        [
            "ICBC0003",
            FIRST_ACCOUNT,
            SPLIT_ACCOUNT,
            "17500.00",
            at(11),
            "周强",
            "韩小飞",
            "工商银行",
            "农业银行",
            "网银",
        ],
        [
            "ICBC0004",
            SECOND_VICTIM_ACCOUNT,
            FIRST_ACCOUNT,
            f"{SECOND_FEN // 100}.00",
            at(SECOND_MINUTES),
            "陈淑芬",
            "周强",
            "农业银行",
            "工商银行",
            "手机银行",
        ],
    ]
    customers = [(_card(rng, "6222"), fake.name()) for _ in range(60)]
    for i in range(LEDGER_NOISE_ROWS):
        (a, a_name), (b, b_name) = rng.sample(customers, 2)
        minutes = rng.uniform(-3 * 24 * 60, 20)
        amount = f"{rng.randint(20, 5000)}.{rng.randint(0, 99):02d}"
        rows.append([f"ICBC{1000 + i}", a, b, amount, at(minutes), a_name, b_name, "工商银行", "工商银行", "网银"])
    rows.sort(key=lambda r: r[4])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "txn_id",
            "from_account",
            "to_account",
            "amount",
            "timestamp",
            "from_name",
            "to_name",
            "from_bank",
            "to_bank",
            "channel",
        ]
    )
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _loss_from_warning(demo: Demo, *, resident, risk: str, at: dt.datetime, note: str):
    u = demo.users
    warning = warning_raise(
        station=demo.station,
        actor=u["auxiliary"],
        source=WarningSource.CENTRE,
        risk=risk,
        resident=resident,
        amount_at_stake_fen=STORY_FEN,
        deadline_at=at + dt.timedelta(minutes=30),
        responder=u["officer"],
        now=at,
    )
    warning_acknowledge(warning=warning, actor=u["officer"], now=at + dt.timedelta(minutes=2))
    result = warning_outcome_record(
        warning=warning,
        actor=u["officer"],
        outcome=Outcome.TRANSFERRED,
        amount_lost_fen=STORY_FEN,
        note=note,
        now=at + dt.timedelta(minutes=6),
    )
    assert result.loss_case is not None  # an outcome "already transferred" always opens one
    return result.loss_case.fraud_loss


def _history(demo: Demo, rng: random.Random, losses: list[FraudLoss]) -> None:
    """Work the older losses through the banks: most come back, some are written off."""
    u = demo.users
    banks = [p for p in demo.partners.values() if p.kind == "bank"]
    for loss in losses:
        reported = loss.reported_at
        bank = rng.choice(banks)
        account = _card(rng)
        total = loss.total_fen or rng.choice((5_000, 12_000, 20_000)) * 100
        loss_transfer_add(
            loss=loss,
            actor=u["auxiliary"],
            at=reported - dt.timedelta(minutes=rng.randint(5, 40)),
            amount_fen=total,
            to_account=account,
            to_bank=BANK_NAMES.get(bank.code, bank.name),
            channel="手机银行",
            now=reported + dt.timedelta(minutes=3),
        )
        sent_at = reported + dt.timedelta(minutes=rng.randint(5, 30))
        request = bank_request_send(
            loss=loss, actor=u["auxiliary"], bank=bank, kind="stop", account=account, amount_fen=total, now=sent_at
        )
        answered_at = sent_at + dt.timedelta(minutes=rng.randint(4, 50))
        liaison = demo.liaisons[bank.code]
        if rng.random() < WRITE_OFF_SHARE:
            bank_request_answer(
                request=request, actor=liaison, answer="empty", note="资金已被转出取现", now=answered_at
            )
            if answered_at + dt.timedelta(days=3) < demo.now:
                loss_write_off(
                    loss=loss,
                    actor=u["auxiliary"],
                    reason="资金已在ATM取现，账户无余额，移交刑侦继续追查",
                    now=answered_at + dt.timedelta(days=3),
                )
            continue
        held = total if rng.random() < 0.7 else total * rng.randint(4, 9) // 10
        bank_request_answer(request=request, actor=liaison, answer="held", held_fen=held, now=answered_at)
        returned_at = answered_at + dt.timedelta(days=rng.randint(3, 12))
        if returned_at < demo.now:
            refund_record(loss=loss, actor=u["auxiliary"], amount_fen=held, request=request, now=returned_at)
            loss.refresh_from_db()
            if loss.status == "open":
                loss_write_off(loss=loss, actor=u["auxiliary"], reason="其余资金已被取现，无法追回", now=returned_at)


def _story(demo: Demo, rng: random.Random) -> None:
    """The 49,000-yuan drinks-purchase scam, traced and recovered in full."""
    u = demo.users
    residents = [r for r in demo.residents if r.grid_id is not None and r.user_id is None]
    victim = residents[-1]
    paid_at = demo.now - dt.timedelta(days=STORY_DAYS_AGO, hours=5)
    reported = paid_at + dt.timedelta(minutes=14)
    loss = _loss_from_warning(
        demo,
        resident=victim,
        risk="反诈中心预警：该居民与冒充学校老师的人通话，被要求为“学校订购饮料”垫付货款",
        at=reported - dt.timedelta(minutes=6),
        note="居民已通过手机银行转出49,000元（冒充老师“学校订购饮料”）",
    )
    officer, icbc = u["officer"], demo.partners["icbc"]
    loss_transfer_add(
        loss=loss,
        actor=officer,
        at=paid_at,
        amount_fen=STORY_FEN,
        from_account=VICTIM_ACCOUNT,
        to_account=FIRST_ACCOUNT,
        to_bank="工商银行",
        channel="手机银行",
        txn_ref="ICBC0001",
        now=reported + dt.timedelta(minutes=2),
    )
    first = bank_request_send(
        loss=loss,
        actor=officer,
        bank=icbc,
        kind="stop",
        account=FIRST_ACCOUNT,
        amount_fen=STORY_FEN,
        now=reported + dt.timedelta(minutes=5),
    )
    bank_request_answer(
        request=first,
        actor=demo.liaisons["icbc"],
        answer="held",
        held_fen=150_000,
        note="止付成功，账户余额1,500元，其余已转出",
        now=reported + dt.timedelta(minutes=14),
    )
    second = _second_victim(demo, paid_at)
    uploaded_at = reported + dt.timedelta(minutes=26)
    ledger = ledger_upload(
        loss=loss,
        actor=demo.liaisons["icbc"],
        request=first,
        upload=SimpleUploadedFile("工商银行调单_周强.csv", _story_ledger(rng, demo.fake, paid_at)),
        now=uploaded_at,
    )
    # The worker's part, done here at the story's times (a queued task finds the rows already claimed).
    ledger_index_run(ledger_id=ledger.pk, now=uploaded_at + dt.timedelta(minutes=1))
    trace = ledger.traces.get()
    fundtrace_run(trace_id=trace.pk, now=uploaded_at + dt.timedelta(minutes=2))
    trace.refresh_from_db()
    stops = trace_stop_requests(
        trace=trace, actor=officer, accounts=[FARMER_ACCOUNT, SPLIT_ACCOUNT], now=uploaded_at + dt.timedelta(minutes=8)
    )
    for request, minutes in zip(stops, (19, 33), strict=True):
        bank_request_answer(
            request=request,
            actor=demo.liaisons[request.bank.code],
            answer="held",
            held_fen=request.amount_fen,
            note="已止付",
            now=uploaded_at + dt.timedelta(minutes=minutes),
        )
    # Both parents traced together: the plan splits the first account's money between them.
    together_at = uploaded_at + dt.timedelta(minutes=50)
    ledger.refresh_from_db()
    joint = fundtrace_start(ledger=ledger, actor=officer, other_losses=[second], now=together_at)
    fundtrace_run(trace_id=joint.pk, now=together_at + dt.timedelta(minutes=1))
    joint.refresh_from_db()
    trace_refunds_record(trace=joint, actor=officer, account=FIRST_ACCOUNT, now=reported + dt.timedelta(days=6))
    for request, days in ((stops[0], 6), (stops[1], 7)):
        request.refresh_from_db()
        refund_record(
            loss=loss,
            actor=officer,
            amount_fen=request.held_fen,
            request=request,
            note="依据冻结资金返还规定原路返还",
            now=reported + dt.timedelta(days=days),
        )


def _second_victim(demo: Demo, paid_at: dt.datetime) -> FraudLoss:
    """Another parent of the class, told the same drinks story, pays into the same first-level account."""
    u = demo.users
    residents = [r for r in demo.residents if r.grid_id is not None and r.user_id is None]
    at = paid_at + dt.timedelta(minutes=SECOND_MINUTES)
    loss = loss_report(
        station=demo.station,
        actor=u["officer"],
        resident=residents[-3],
        channel="walk_in",
        description="同班家长，也被冒充老师要求为“学校订购饮料”垫付货款，转出8,000元",
        now=at + dt.timedelta(minutes=4),
    )
    loss_transfer_add(
        loss=loss,
        actor=u["officer"],
        at=at,
        amount_fen=SECOND_FEN,
        from_account=SECOND_VICTIM_ACCOUNT,
        to_account=FIRST_ACCOUNT,
        to_bank="工商银行",
        channel="手机银行",
        txn_ref="ICBC0004",
        now=at + dt.timedelta(minutes=6),
    )
    return loss


def _today(demo: Demo, rng: random.Random) -> None:
    """A loss reported this morning: one stop waits in the bank's inbox, one is past its clock."""
    u = demo.users
    residents = [r for r in demo.residents if r.grid_id is not None and r.user_id is None]
    reported = demo.now - dt.timedelta(minutes=95)
    loss = _loss_from_warning(
        demo,
        resident=residents[-2],
        risk="反诈中心预警：居民被“刷单返利”诱导转账",
        at=reported - dt.timedelta(minutes=6),
        note="居民已分两笔转出共12,000元",
    )
    loss = FraudLoss.objects.get(pk=loss.pk)
    first, second = _card(rng, "6222"), _card(rng, "6227")
    for account, bank_name, fen, minutes in ((second, "建设银行", 500_000, 30), (first, "工商银行", 700_000, 12)):
        loss_transfer_add(
            loss=loss,
            actor=u["auxiliary"],
            at=reported - dt.timedelta(minutes=minutes),
            amount_fen=fen,
            to_account=account,
            to_bank=bank_name,
            channel="手机银行",
            now=reported + dt.timedelta(minutes=4),
        )
    bank_request_send(
        loss=loss,
        actor=u["auxiliary"],
        bank=demo.partners["ccb"],
        kind="stop",
        account=second,
        amount_fen=500_000,
        now=reported + dt.timedelta(minutes=8),
    )
    bank_request_send(
        loss=loss,
        actor=u["auxiliary"],
        bank=demo.partners["icbc"],
        kind="stop",
        account=first,
        amount_fen=700_000,
        now=demo.now - dt.timedelta(minutes=25),
    )


def seed(demo: Demo, *, history_losses: list[FraudLoss]) -> None:
    rng = random.Random(BANK_DEMO_SEED)
    _history(demo, rng, history_losses)
    _story(demo, rng)
    _today(demo, rng)
    # The clocks as the worker would have left them by now (old holds lapsed, late answers flagged).
    bank_requests_sweep(now=demo.now, limit=10_000)
