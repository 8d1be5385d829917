"""The demo station's legal consultation: the duty lawyers' rota, questions kept over two months, today's work.

The rota puts the demo lawyer (吴敏) on duty every weekday, 09:00-12:00 and 14:00-17:00 local,
in half-hour video slots, from two months back to a week ahead. Residents' questions over the
last 60 days were answered by the lawyer (some after a video session); today one question
waits unanswered and one is booked for a session this afternoon, so the lawyer's inbox has
work. When the statute index is imported the questions carry the engine's hits; without it
they are kept with none (the consultation's page says so).
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.conf import settings

from lianxin.demo.base import Demo, mobile_number
from lianxin.legal.models import DutySlot
from lianxin.legal.services import (
    booking_make,
    consultation_answer,
    consultation_save,
    legal_delete_for_station,
    slot_create,
)

HISTORY_DAYS = 60
ROTA_HISTORY_DAYS = 30  # the rota kept back this far (older questions were answered in writing)
AHEAD_DAYS = 7
SLOT_MINUTES = 30
DUTY_HOURS = ((9, 12), (14, 17))
HISTORY_QUESTIONS_FULL_SCALE = 24
DEMO_RANDOM_SEED = 2020

QUESTIONS = (
    ("楼上广场舞音响太吵怎么办", "可依据噪声污染防治法与对方协商音量和时段；协商不成可到所里的邻里纠纷调解室调解。"),
    ("老板拖欠工资三个月怎么办", "保留考勤、工资条等证据，先向用人单位书面催要；可向劳动监察投诉或申请劳动仲裁。"),
    ("租房押金房东不退", "押金按租赁合同约定返还；保留合同和交接记录，协商不成可申请调解或起诉。"),
    ("被狗咬了找谁赔", "饲养人或管理人承担侵权责任；先就医保留票据，可到派出所调解赔偿。"),
    ("交通事故对方全责不赔钱", "可凭事故认定书向对方及其保险公司索赔，协商不成可到交通事故调解室或法院起诉。"),
    ("网购买到假货商家不退款", "可要求退一赔三；向平台投诉或拨打12315，保留聊天和付款记录。"),
    ("离婚后孩子抚养费对方不给", "可向法院申请强制执行抚养费；也可先到婚姻家庭调解室调解。"),
    ("邻居在楼道堆放杂物怎么处理", "堆放杂物影响通行和消防安全，可向物业反映，也可拨打96110或到所里调解。"),
)
ANSWER_ADVICE = "如需进一步帮助，可预约值班律师视频面谈，或到派出所法律服务窗口。"


def reset(station) -> None:
    legal_delete_for_station(station=station)


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def _rota(demo: Demo) -> list[DutySlot]:
    zone = _zone()
    today = demo.now.astimezone(zone).date()
    slots = []
    for offset in range(-ROTA_HISTORY_DAYS, AHEAD_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for start_hour, end_hour in DUTY_HOURS:
            at = dt.datetime.combine(day, dt.time(start_hour), tzinfo=zone)
            while at.hour < end_hour:
                slots.append(
                    slot_create(
                        actor=demo.users["chief"], lawyer=demo.users["lawyer"], starts_at=at, minutes=SLOT_MINUTES
                    )
                )
                at += dt.timedelta(minutes=SLOT_MINUTES)
    return slots


def seed(demo: Demo) -> None:
    slots = _rota(demo)
    if not demo.with_cases:
        return
    rng = random.Random(DEMO_RANDOM_SEED)
    lawyer, now = demo.users["lawyer"], demo.now
    station = demo.station
    residents = [u for u in demo.resident_users if u.is_active] or [demo.users["resident"]]
    free = {s.pk: s for s in slots}
    count = max(4, round(HISTORY_QUESTIONS_FULL_SCALE * demo.scale))
    for n in range(count):
        question, answer = QUESTIONS[n % len(QUESTIONS)]
        asked = now - dt.timedelta(days=rng.uniform(1, HISTORY_DAYS - 2), hours=rng.uniform(0, 12))
        anonymous = rng.random() < 0.4
        c = consultation_save(
            station=station,
            actor=None if anonymous else rng.choice(residents),
            question=question,
            contact_name=demo.fake.name() if anonymous else "",
            contact_phone=mobile_number(demo) if anonymous else "",
            now=asked,
        )
        answered = asked + dt.timedelta(hours=rng.uniform(1, 20))
        later = [s for s in free.values() if asked + dt.timedelta(hours=1) < s.starts_at < asked + dt.timedelta(days=3)]
        if later and rng.random() < 0.5:
            slot = min(later, key=lambda s: s.starts_at)
            booking_make(consultation=c, slot=slot, now=asked + dt.timedelta(minutes=5))
            free.pop(slot.pk)
            answered = slot.ends_at
        consultation_answer(consultation=c, actor=lawyer, answer=answer, advice=ANSWER_ADVICE, now=answered)
    # Today: one question waiting for the lawyer, one booked for a session later today (or next working day).
    consultation_save(
        station=station,
        actor=demo.users["resident"],
        question="租房押金房东不退，已经搬走一个月了",
        now=now - dt.timedelta(hours=2),
    )
    booked = consultation_save(
        station=station,
        actor=None,
        question="老板拖欠工资三个月怎么办",
        contact_name="刘师傅",
        contact_phone=mobile_number(demo),
        now=now - dt.timedelta(hours=1),
    )
    upcoming = sorted(
        (s for s in free.values() if s.starts_at > now + dt.timedelta(hours=1)), key=lambda s: s.starts_at
    )
    if upcoming:
        booking_make(consultation=booked, slot=upcoming[0], now=now - dt.timedelta(minutes=50))
