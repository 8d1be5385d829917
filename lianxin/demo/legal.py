"""The demo station's legal consultation: the duty lawyers' rota, questions kept over two months, today's work.

The rota puts the demo lawyer (吴敏) on duty every weekday, 09:00-12:00 and 14:00-17:00 local,
in half-hour video slots, from two months back to a week ahead. Residents' questions over the
last 60 days were answered by the lawyer (some after a video session); today one question
waits unanswered and one is booked for a session this afternoon, so the lawyer's inbox has
work. Eight enterprises of the legal service package were checked against the station's
checklist (findings fixed, one enterprise's still open, one re-check) and came to three
micro-classrooms. When the statute index is imported the questions carry the engine's hits; without it
they are kept with none (the consultation's page says so).
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.conf import settings

from lianxin.demo.base import Demo, mobile_number
from lianxin.legal.checkups import (
    CREDIT_CODE_CHARS,
    checklist_create,
    checkup_record,
    checkups_delete_for_station,
    credit_code_check_char,
    enterprise_register,
    finding_fix,
    training_record,
)
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


CHECKLIST_TITLE = "企业法治体检清单（2026版）"
CHECKLIST = [
    {
        "section": "劳动用工",
        "question": "是否与全部员工签订书面劳动合同",
        "answers": [{"label": "全部签订", "risk": "none"}, {"label": "部分未签", "risk": "high"}],
        "fix_hint": "一个月内补签书面劳动合同，避免支付双倍工资",
    },
    {
        "section": "劳动用工",
        "question": "是否按时足额支付工资并依法缴纳社会保险",
        "answers": [
            {"label": "是", "risk": "none"},
            {"label": "偶有延迟", "risk": "medium"},
            {"label": "否", "risk": "high"},
        ],
        "fix_hint": "建立工资支付台账，按月足额发放",
    },
    {
        "section": "合同管理",
        "question": "重要合同签订前是否经过法律审核",
        "answers": [
            {"label": "是", "risk": "none"},
            {"label": "偶尔", "risk": "medium"},
            {"label": "否", "risk": "high"},
        ],
        "fix_hint": "建立合同审核流程，重大合同请律师把关",
    },
    {
        "section": "跨境贸易",
        "question": "边贸结算是否通过正规渠道并保留凭证",
        "answers": [{"label": "是", "risk": "none"}, {"label": "部分现金结算", "risk": "medium"}],
        "fix_hint": "通过银行正规渠道结算，防范洗钱和诈骗风险",
    },
    {
        "section": "安全生产",
        "question": "消防设施是否定期检查并有记录",
        "answers": [{"label": "是", "risk": "none"}, {"label": "否", "risk": "low"}],
        "fix_hint": "每月检查一次并登记",
    },
    {
        "section": "反诈防范",
        "question": "财务人员是否接受过反诈培训",
        "answers": [{"label": "是", "risk": "none"}, {"label": "否", "risk": "medium"}],
        "fix_hint": "参加派出所普法微课堂反诈专题",
    },
]
ENTERPRISES = (
    ("丹东鸭绿江商贸有限公司", "边境贸易", "王经理"),
    ("振兴区江畔海鲜酒楼", "餐饮", "李老板"),
    ("丹东浪头物流有限公司", "物流", "赵主管"),
    ("振兴区美家装饰工程有限公司", "建筑装饰", "刘经理"),
    ("丹东边城水产品加工厂", "食品加工", "孙厂长"),
    ("振兴区新华书店浪头店", "零售", "周店长"),
    ("丹东江海旅游服务有限公司", "旅游", "吴经理"),
    ("振兴区安民物业服务有限公司", "物业", "郑经理"),
)
TRAININGS = (
    ("劳动合同签订与解除的法律风险", "派出所二楼会议室", 26),
    ("边贸结算中的反洗钱与反诈骗", "丹东鸭绿江商贸有限公司会议室", 18),
    ("食品安全法与企业责任", "振兴区江畔海鲜酒楼", 15),
)
CREDIT_CODE_PREFIX = "91210603"  # 9 (enterprise, industry and commerce), 1 (company), 210603 (Zhenxing district)


def reset(station) -> None:
    checkups_delete_for_station(station=station)
    legal_delete_for_station(station=station)


def _credit_code(rng: random.Random) -> str:
    first17 = CREDIT_CODE_PREFIX + "".join(rng.choice(CREDIT_CODE_CHARS[:10] + "MA") for _ in range(9))
    return first17 + credit_code_check_char(first17)


def _enterprises(demo: Demo, rng: random.Random) -> None:
    """Register the package's enterprises, check most of them (findings, fixes, a re-check), hold micro-classrooms."""
    zone = _zone()
    lawyer = demo.users["lawyer"]
    checklist = checklist_create(actor=demo.users["chief"], title=CHECKLIST_TITLE, items=CHECKLIST)
    today = demo.now.astimezone(zone).date()
    registered = []
    for i, (name, sector, contact) in enumerate(ENTERPRISES):
        registered.append(
            enterprise_register(
                actor=lawyer,
                name=name,
                credit_code=_credit_code(rng),
                sector=sector,
                contact_name=contact,
                contact_phone=mobile_number(demo),
                grid=demo.grids[i % len(demo.grids)] if demo.grids else None,
                now=demo.now - dt.timedelta(days=120),
            )
        )
    if not demo.with_cases:
        return
    for i, enterprise in enumerate(registered[:6]):
        checked_on = today - dt.timedelta(days=80 - i * 12)
        answers = {
            q: (rng.randrange(len(item["answers"])) if rng.random() < 0.45 else 0) for q, item in enumerate(CHECKLIST)
        }
        answers[0] = 1 if i in (0, 3) else answers[0]  # two enterprises with unsigned contracts: a high risk each
        checkup = checkup_record(
            actor=lawyer,
            enterprise=enterprise,
            checklist=checklist,
            answers=answers,
            checked_on=checked_on,
            now=demo.now,
        )
        for finding in checkup.findings.all():
            fixed = dt.datetime.combine(finding.fix_due_on - dt.timedelta(days=3), dt.time(10), tzinfo=zone)
            if fixed < demo.now and (i != 3):  # the fourth enterprise's findings are still open: a follow-up due
                finding_fix(actor=lawyer, finding=finding, note="企业已按建议整改，律师回访核实。", now=fixed)
        if i == 0:
            checkup_record(
                actor=lawyer,
                enterprise=enterprise,
                checklist=checklist,
                answers=dict.fromkeys(range(len(CHECKLIST)), 0),
                checked_on=checked_on + dt.timedelta(days=45),
                previous=checkup,
                now=demo.now,
            )
    for i, (topic, place, attendance) in enumerate(TRAININGS):
        held = dt.datetime.combine(today - dt.timedelta(days=70 - i * 25), dt.time(15), tzinfo=zone)
        training_record(
            actor=lawyer,
            held_at=held,
            place=place,
            topic=topic,
            attendance=attendance,
            enterprises=registered[i * 2 : i * 2 + 4],
        )


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
    _enterprises(demo, random.Random(DEMO_RANDOM_SEED + 1))
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
