"""The demo station's six specialist mediation rooms, a season of disputes, and today's work for the mediator.

Rooms as the station names them (foreign-related, property, commercial, family and
neighbourhood, labour, traffic), each with the centre's mediators. Over the last 90 days
disputes were taken into rooms, mediated in a session or two and almost all settled with a
signed agreement (a real PDF, signed on screen); one went to court without agreement and
one was withdrawn. Today the demo mediator (周德福) has a session this afternoon, an agreement
waiting for signatures and a follow-up visit due, besides the cases the spine put in their
hands (cases.py) that wait to be taken into a room.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import random
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError

from lianxin.demo.base import Demo
from lianxin.mediation.models import DisputeStatus, RoomKind
from lianxin.mediation.services import (
    agreement_draft,
    dispute_conclude,
    dispute_open,
    followup_record,
    mediation_delete_for_station,
    room_create,
    session_record,
    session_schedule,
    signature_add,
)

HISTORY_DAYS = 90
HISTORY_DISPUTES_FULL_SCALE = 14
DEMO_RANDOM_SEED = 2021

ROOMS = (
    ("foreign", RoomKind.FOREIGN, "涉外纠纷调解室", "二楼东侧"),
    ("property", RoomKind.PROPERTY, "物业纠纷调解室", "二楼西侧"),
    ("commercial", RoomKind.COMMERCIAL, "商事纠纷调解室", "三楼"),
    ("family", RoomKind.FAMILY, "婚姻家庭邻里纠纷调解室", "一楼"),
    ("labour", RoomKind.LABOUR, "劳动争议调解室", "三楼"),
    ("traffic", RoomKind.TRAFFIC, "交通事故调解室", "一楼北侧"),
)
# (room, category code, claim, applicant, respondent (name, is enterprise), terms)
DISPUTES = (
    (
        "family",
        "neighbour-dispute",
        "楼上漏水泡坏天花板，协商不成",
        "孙玉兰",
        ("赵宏伟", False),
        "赵宏伟于十日内赔偿维修费一千二百元，并修好漏水管道。",
    ),
    (
        "family",
        "family-dispute",
        "老人赡养费兄弟分担意见不一",
        "王淑芬",
        ("王建军", False),
        "三兄弟每月各支付赡养费五百元，轮流照顾老人。",
    ),
    (
        "commercial",
        "commercial-dispute",
        "边贸货款八万元逾期未付",
        "丹东鸭绿江商贸有限公司",
        ("新义州贸易商行", True),
        "欠款八万元分两期付清：本月底前付五万元，下月底前付三万元。",
    ),
    (
        "commercial",
        "commercial-dispute",
        "装修公司收定金不开工",
        "刘海燕",
        ("振兴区美家装饰公司", True),
        "装修公司于七日内退还定金五千元。",
    ),
    (
        "property",
        "neighbour-dispute",
        "物业费与车位管理争议",
        "陈立新",
        ("浪头花园物业服务中心", True),
        "物业公司重新划定车位，业主补交物业费。",
    ),
    (
        "labour",
        "commercial-dispute",
        "饭店倒闭拖欠工资两个月",
        "周红梅",
        ("江畔饭店", True),
        "饭店经营者于十五日内支付拖欠工资六千元。",
    ),
    (
        "traffic",
        "neighbour-dispute",
        "电动车与行人相撞医药费争议",
        "吴桂香",
        ("李志强", False),
        "李志强赔偿医药费及误工费共三千元。",
    ),
    (
        "foreign",
        "commercial-dispute",
        "外籍游客购物退货纠纷",
        "金成浩",
        ("鸭绿江边纪念品店", True),
        "商店退还货款一千八百元，游客退回商品。",
    ),
)
TODAY_SESSION_HOUR = 15


def reset(station) -> None:
    mediation_delete_for_station(station=station)


def _signature(rng: random.Random) -> str:
    """A drawn-looking stroke as a canvas would send it (a PNG data URL)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    points = [(10 + i * 28, 60 + rng.randint(-35, 35)) for i in range(11)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 20, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _open(demo, rooms, row, *, at, mediator, rng=None):
    room_code, category_code, claim, applicant, (respondent, is_enterprise), _terms = row
    is_company = "公司" in applicant
    # A person applying is one of the station's residents (so the dispute counts in their grid).
    resident = None
    if not is_company and rng is not None:
        with_grid = [r for r in demo.residents if r.grid_id is not None]
        resident = rng.choice(with_grid) if with_grid else None
    return dispute_open(
        actor=mediator,
        room=rooms[room_code],
        claim=claim,
        parties=[
            {
                "name": resident.name if resident else applicant,
                "role": "applicant",
                "is_enterprise": is_company,
                "resident": resident,
            },
            {"name": respondent, "role": "respondent", "is_enterprise": is_enterprise},
        ],
        category=demo.categories[category_code],
        mediator=mediator,
        now=at,
    )


def _schedule(dispute, at):
    """Schedule a session at `at` or the next free hour of the room (a room is never double-booked)."""
    for hours in range(24):
        try:
            return session_schedule(
                actor=dispute.mediator,
                dispute=dispute,
                starts_at=at + dt.timedelta(hours=hours),
                minutes=60,
                now=at - dt.timedelta(days=1),
            )
        except ValidationError:
            continue
    raise ValidationError({"starts_at": ["no free hour for the demo session"]})


def _settle(dispute, *, terms, at, rng, followup_on=None, sign=True):
    mediator = dispute.mediator
    session = _schedule(dispute, at)
    session_record(
        actor=mediator,
        session=session,
        minutes="双方陈述诉求，经调解员释法说理，达成一致意见。",
        attended=list(dispute.parties.all()),
    )
    agreement = agreement_draft(actor=mediator, dispute=dispute, terms=terms, followup_on=followup_on, now=at)
    if not sign:
        return agreement
    signed_at = at + dt.timedelta(minutes=50)
    for party in dispute.parties.all():
        signature_add(actor=mediator, agreement=agreement, party=party, image_data_url=_signature(rng), now=signed_at)
    signature_add(actor=mediator, agreement=agreement, party=None, image_data_url=_signature(rng), now=signed_at)
    return agreement


def seed(demo: Demo) -> None:
    u = demo.users
    mediators = [m for m in (u.get("mediator"), u.get("mediator2"), u.get("mediator3"), u.get("mediator4")) if m]
    rooms = {
        code: room_create(
            station=demo.station,
            code=code,
            kind=kind,
            name=name,
            place=place,
            mediators=[mediators[0], mediators[(i % (len(mediators) - 1)) + 1]] if len(mediators) > 1 else mediators,
            sort_order=i,
        )
        for i, (code, kind, name, place) in enumerate(ROOMS)
    }
    if not demo.with_cases or not mediators:
        return
    rng = random.Random(DEMO_RANDOM_SEED)
    zone = zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)
    now = demo.now
    mediator = u["mediator"]
    count = max(4, round(HISTORY_DISPUTES_FULL_SCALE * demo.scale))
    for n in range(count):
        row = DISPUTES[n % len(DISPUTES)]
        opened = now - dt.timedelta(days=rng.uniform(10, HISTORY_DAYS), hours=rng.uniform(0, 6))
        who = mediator if n % 2 == 0 else rng.choice(mediators)
        dispute = _open(demo, rooms, row, at=opened, mediator=who, rng=rng)
        session_at = dt.datetime.combine(
            (opened + dt.timedelta(days=rng.randint(1, 6))).astimezone(zone).date(), dt.time(9 + n % 8), tzinfo=zone
        )
        if n == 1:
            dispute_conclude(
                actor=who,
                dispute=dispute,
                outcome=DisputeStatus.NO_AGREEMENT,
                referred_to="振兴区人民法院",
                note="双方分歧较大",
                now=session_at,
            )
        elif n == 3:
            dispute_conclude(
                actor=who, dispute=dispute, outcome=DisputeStatus.WITHDRAWN, note="当事人自行和解", now=session_at
            )
        else:
            agreement = _settle(
                dispute, terms=row[5], at=session_at, rng=rng, followup_on=(session_at + dt.timedelta(days=7)).date()
            )
            followup_record(
                actor=who,
                agreement=agreement,
                is_kept=True,
                note="回访：已履行。",
                now=session_at + dt.timedelta(days=7),
            )
    # Today's work for the demo mediator: a follow-up visit due, an agreement to sign, a session this afternoon.
    today = now.astimezone(zone).date()
    due = _open(demo, rooms, DISPUTES[1], at=now - dt.timedelta(days=9), mediator=mediator)
    _settle(due, terms=DISPUTES[1][5], at=now - dt.timedelta(days=7), rng=rng, followup_on=today)
    waiting = _open(demo, rooms, DISPUTES[0], at=now - dt.timedelta(days=2), mediator=mediator)
    _settle(waiting, terms=DISPUTES[0][5], at=now - dt.timedelta(hours=3), rng=rng, sign=False)
    afternoon = _open(demo, rooms, DISPUTES[3], at=now - dt.timedelta(days=1), mediator=mediator)
    at = dt.datetime.combine(today, dt.time(TODAY_SESSION_HOUR), tzinfo=zone)
    if at <= now:
        at = now + dt.timedelta(hours=2)
    _schedule(afternoon, at)
