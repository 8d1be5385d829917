"""The demo station's elders under care: four weeks of check-ins and alarms, devices, visits, and one alarm waiting now.

In every grid a few elders living alone (and the bedridden) are enrolled by the grid's first
grid member, each with a daughter or son to call and a sealed plan. Their history is made by
the services at the times it happened, in order: most days a tap on the big button inside the
window; now and then a miss that the sweep raises and the family, or after a rung or two the
grid member, answers; once a welfare-check case at the officer's rung; one SOS from a call
device answered by the officer. Today, in grid 1, an elder's check-in is missed and the alarm
has just climbed past the daughter to the grid member (刘桂芳, user `gridmember`): it waits on
her care page, and the officer gets it about a quarter of an hour later if the worker runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings

from lianxin.care.models import Alarm, AlarmReason, AlarmStatus, Enrolment, Notification, VisitKind, VisitOutcome
from lianxin.care.mqtt import signed
from lianxin.care.services import (
    ContactIn,
    alarm_answer,
    alarm_escalate,
    care_delete_for_station,
    checkin_record,
    checkins_missed,
    device_add,
    device_key,
    device_message_receive,
    enrolment_create,
    rung_minutes,
    topic_for,
    visit_complete,
    visit_record,
    visit_schedule,
)
from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.demo.base import Demo, mobile_number
from lianxin.people.models import Resident

HISTORY_DAYS = 28
ELDERS_PER_GRID_FULL_SCALE = 6
ELDERS_PER_GRID_MIN = 2
MISS_SHARE = 0.05
FAMILY_ANSWERS_SHARE = 0.6
LATE_CHECKIN_SHARE = 0.1
OFFICER_RUNG_MAX = 1  # welfare-check cases in the history (the rest are answered before)
DEVICE_EVERY = 3  # one elder in three has a call device
WINDOWS = ((dt.time(7), dt.time(10)), (dt.time(8), dt.time(11)), (dt.time(6, 30), dt.time(9, 30)))
GRACE_MINUTES = 30
WAITING_GRACE_MINUTES = 15
# Today's waiting alarm: its window closed at least this long ago (plus the grace, its deadline lies 15-20
# minutes back), so the daughter was told at the deadline and the grid member one rung (15 minutes) later.
WAITING_CLOSED_AGO = dt.timedelta(minutes=30)
RELATIONS = ("女儿", "儿子", "侄女", "外甥")
PLANS = (
    "钥匙放在对门邻居家一把；每天早晚服降压药，药在床头柜；卧室门有时反锁，需从阳台窗户进。",
    "女儿有备用钥匙；有糖尿病，冰箱里有胰岛素；腿脚不便，夜里起身容易摔倒。",
    "楼下小卖部老板有钥匙；心脏不好，速效救心丸在外衣口袋；耳背，敲门要用力。",
)


def reset(station) -> None:
    care_delete_for_station(station=station)


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=_zone())


def _elders(demo: Demo, grid) -> list[Resident]:
    per_grid = max(ELDERS_PER_GRID_MIN, round(ELDERS_PER_GRID_FULL_SCALE * demo.scale))
    today = demo.now.astimezone(_zone()).date()
    found = [
        r
        for r in demo.residents
        if r.grid_id == grid.id and (r.is_living_alone or r.is_bedridden) and r.is_elder_on(today)
    ]
    return found[:per_grid]


def _enrol(demo: Demo, resident: Resident, *, actor, window, grace: int, at: dt.datetime, contacts: int) -> Enrolment:
    rng, fake = demo.rng, demo.fake
    people = [
        ContactIn(kind="family", name=fake.name(), relation=rng.choice(RELATIONS), phone=mobile_number(demo)),
        ContactIn(kind="neighbour", name=fake.name(), relation="邻居", phone=mobile_number(demo)),
    ][:contacts]
    proxy = resident.is_bedridden
    return enrolment_create(
        actor=actor,
        resident=resident,
        consent_by="proxy" if proxy else "self",
        proxy_name=people[0].name if proxy else "",
        proxy_reason="老人卧床，由子女代为同意" if proxy else "",
        has_monitoring_consent=True,
        has_health_consent=True,
        window_starts=window[0],
        window_ends=window[1],
        grace_minutes=grace,
        contacts=people,
        plan=rng.choice(PLANS),
        now=at,
    )


def _answer_missed(demo: Demo, enrolment: Enrolment, *, started: dt.datetime, officer_rungs_left: int) -> int:
    """Play out one missed day's alarm; return how many officer rungs remain for the rest of the history."""
    rng = demo.rng
    alarm = Alarm.objects.get(enrolment=enrolment, reason=AlarmReason.MISSED, status=AlarmStatus.OPEN)
    roll = rng.random()
    if roll < LATE_CHECKIN_SHARE:
        checkin_record(enrolment=enrolment, via="button", now=started + dt.timedelta(minutes=rng.randint(5, 14)))
        return officer_rungs_left
    if roll < LATE_CHECKIN_SHARE + FAMILY_ANSWERS_SHARE:
        first = Notification.objects.get(alarm=alarm, rung=0)
        alarm_answer(
            alarm=alarm, answer="fine", notification=first, now=started + dt.timedelta(minutes=rng.randint(3, 12))
        )
        return officer_rungs_left
    # Nobody in the family picks up: the ladder climbs to the grid member (and, once, the officer).
    to_officer = officer_rungs_left > 0
    t = started
    target = "officer" if to_officer else "grid_member"
    while not alarm.notifications.filter(step=target).exists():
        t += dt.timedelta(minutes=rung_minutes(AlarmReason.MISSED))
        alarm.refresh_from_db()
        alarm_escalate(alarm=alarm, now=t)
    answerer = alarm.notifications.get(step=target).user
    answered = t + dt.timedelta(minutes=rng.randint(2, 9))
    alarm_answer(alarm=alarm, answer="going", actor=answerer, now=answered)
    alarm_answer(alarm=alarm, answer="fine", actor=answerer, now=answered + dt.timedelta(minutes=20))
    alarm.refresh_from_db()
    if alarm.case is not None and alarm.case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS):
        case_transition(
            case=alarm.case,
            actor=answerer,
            to_status=Status.RESOLVED,
            resolution=Resolution.SERVICE_DONE,
            note="上门查看，老人在家，手机没电未能报平安，已帮助充电。",
            now=answered + dt.timedelta(minutes=40),
        )
    return officer_rungs_left - 1 if to_officer else officer_rungs_left


def seed(demo: Demo) -> None:
    # Four weeks of family notices would each be a log line of the unconfigured SMS sender: the
    # history is written, not sent, so the seed keeps the console to its own summary.
    notices = logging.getLogger("lianxin.care")
    level = notices.level
    notices.setLevel(logging.WARNING)
    try:
        _seed(demo)
    finally:
        notices.setLevel(level)


def _seed(demo: Demo) -> None:
    rng = demo.rng
    zone = _zone()
    now = demo.now
    today = now.astimezone(zone).date()
    start_day = today - dt.timedelta(days=HISTORY_DAYS)
    enrolled: list[Enrolment] = []
    waiting: Enrolment | None = None
    now_local = now.astimezone(zone)
    # The window closed (on a five-minute mark) so that deadline + one rung lies just behind now.
    ends_at = now_local - WAITING_CLOSED_AGO
    waiting_ends = ends_at.replace(minute=ends_at.minute - ends_at.minute % 5, second=0, microsecond=0).time()
    can_wait_today = waiting_ends >= dt.time(0, 30)  # a seed just after local midnight has no window behind it
    for index, grid in enumerate(demo.grids):
        members = demo.grid_members.get(grid.id) or []
        enroller = members[0] if members else demo.chiefs[grid.id]
        elders = _elders(demo, grid)
        # Grid 1's waiting elder: not the demo resident (she taps her own button), unless she is alone there.
        others = [r for r in elders if r.user_id is None] or elders
        waiting_pick = others[-1] if index == 0 and others and can_wait_today else None
        for k, resident in enumerate(elders):
            is_waiting = resident is waiting_pick
            if is_waiting:
                window = (max(dt.time(0), _minus(waiting_ends, hours=3)), waiting_ends)
                grace, contacts = WAITING_GRACE_MINUTES, 1
            else:
                window, grace, contacts = rng.choice(WINDOWS), GRACE_MINUTES, rng.choice((1, 2))
            enrolment = _enrol(
                demo,
                resident,
                actor=enroller,
                window=window,
                grace=grace,
                at=_at(start_day, dt.time(15, rng.randint(0, 59))),
                contacts=contacts,
            )
            if is_waiting:
                waiting = enrolment
            enrolled.append(enrolment)
            if k % DEVICE_EVERY == 0:
                device_add(
                    enrolment=enrolment,
                    actor=None,
                    device_id=f"demo-{grid.code}-{k + 1:02d}",
                    heartbeat_seconds=300,
                    key=f"{rng.getrandbits(128):032x}",
                    now=_at(start_day, dt.time(16)),
                )
    if not demo.with_cases or not enrolled:
        return
    _history(demo, enrolled, start_day=start_day, today=today)
    _today(demo, enrolled, waiting=waiting, today=today)


def _minus(time: dt.time, *, hours: int) -> dt.time:
    moment = dt.datetime.combine(dt.date(2000, 1, 2), time) - dt.timedelta(hours=hours)
    return moment.time() if moment.date() == dt.date(2000, 1, 2) else dt.time(0)


def _history(demo: Demo, enrolled: list[Enrolment], *, start_day: dt.date, today: dt.date) -> None:
    rng = demo.rng
    officer_rungs_left = OFFICER_RUNG_MAX
    sos_day = today - dt.timedelta(days=6)
    day = start_day + dt.timedelta(days=1)
    while day < today:
        missed = []
        for enrolment in enrolled:
            enrolment.refresh_from_db()
            if rng.random() < MISS_SHARE:
                missed.append(enrolment)
                continue
            opens, closes = enrolment.opens_on(day), _at(day, enrolment.window_ends)
            span = max(1, int((closes - opens).total_seconds() // 60) - 5)
            checkin_record(enrolment=enrolment, via="button", now=opens + dt.timedelta(minutes=rng.randint(0, span)))
        for enrolment in sorted(missed, key=lambda e: e.deadline_on(day)):
            deadline = enrolment.deadline_on(day)
            checkins_missed(now=deadline)
            officer_rungs_left = _answer_missed(
                demo, enrolment, started=deadline, officer_rungs_left=officer_rungs_left
            )
        if day == sos_day:
            _sos(demo, enrolled, day=day)
        day += dt.timedelta(days=1)
    # Home visits: each elder seen at home once in the four weeks; the bedridden by the registry for their ID card.
    for enrolment in enrolled:
        resident = enrolment.resident
        at = _at(start_day + dt.timedelta(days=rng.randint(2, HISTORY_DAYS - 2)), dt.time(rng.randint(9, 16)))
        if resident.is_bedridden:
            # Booked three days ahead by the registry officer, done at home, its case resolved.
            registry = demo.users["registry"]
            booked = visit_schedule(
                enrolment=enrolment, actor=registry, scheduled_for=at, now=at - dt.timedelta(days=3)
            )
            visit_complete(visit=booked, actor=registry, outcome=VisitOutcome.DONE, note="已上门采集照片和指纹", now=at)
        else:
            visit_record(
                enrolment=enrolment,
                actor=enrolment.enrolled_by,
                kind=VisitKind.ROUTINE,
                outcome=VisitOutcome.FINE,
                note="",
                visited_at=at,
                now=at,
            )
    # The next home ID-card visit, booked for tomorrow morning: on the registry officer's list.
    bedridden = next((e for e in enrolled if e.resident.is_bedridden), enrolled[-1])
    visit_schedule(
        enrolment=bedridden,
        actor=demo.users["registry"],
        scheduled_for=_at(today + dt.timedelta(days=1), dt.time(10)),
        note="老人卧床，身份证过期，女儿在家陪同",
        now=demo.now - dt.timedelta(hours=20),
    )


def _sos(demo: Demo, enrolled: list[Enrolment], *, day: dt.date) -> None:
    """One SOS from a call device in the history: the officer goes at once; the elder had fallen in the yard."""
    device = next((d for e in enrolled for d in e.devices.all() if e.grid_id != enrolled[0].grid_id), None)
    if device is None:
        return
    at = _at(day, dt.time(16, 20))
    device_message_receive(
        topic=topic_for(device.device_id, "sos"), payload=signed(device.device_id, device_key(device), "sos"), now=at
    )
    alarm = Alarm.objects.get(enrolment=device.enrolment, reason=AlarmReason.SOS, status=AlarmStatus.OPEN)
    officer = alarm.notifications.get(rung=0).user
    alarm_answer(alarm=alarm, answer="going", actor=officer, now=at + dt.timedelta(minutes=2))
    alarm_answer(alarm=alarm, answer="fine", actor=officer, now=at + dt.timedelta(minutes=25))
    alarm.refresh_from_db()
    if alarm.case is not None:
        case_transition(
            case=alarm.case,
            actor=officer,
            to_status=Status.RESOLVED,
            resolution=Resolution.SERVICE_DONE,
            note="老人在院子里摔倒，已扶起送医检查，无大碍，已通知女儿。",
            now=at + dt.timedelta(minutes=90),
        )


def _today(demo: Demo, enrolled: list[Enrolment], *, waiting: Enrolment | None, today: dt.date) -> None:
    rng, now = demo.rng, demo.now
    for enrolment in enrolled:
        if enrolment is waiting:
            continue
        enrolment.refresh_from_db()
        opens, deadline = enrolment.opens_on(today), enrolment.deadline_on(today)
        latest = min(deadline, now) - dt.timedelta(minutes=1)
        if latest <= opens or (deadline > now and rng.random() < 0.4):
            continue  # the window is not open yet, or they will tap later this morning
        span = max(1, int((latest - opens).total_seconds() // 60))
        checkin_record(enrolment=enrolment, via="button", now=opens + dt.timedelta(minutes=rng.randint(0, span)))
    # The call devices are alive: a heartbeat a minute or two ago.
    for enrolment in enrolled:
        for device in enrolment.devices.all():
            device_message_receive(
                topic=topic_for(device.device_id, "heartbeat"),
                payload=signed(device.device_id, device_key(device), "heartbeat"),
                now=now - dt.timedelta(minutes=rng.randint(1, 4)),
            )
    if waiting is None:
        return
    deadline = waiting.deadline_on(today)
    checkins_missed(now=deadline)
    alarm = Alarm.objects.get(enrolment=waiting, status=AlarmStatus.OPEN)
    alarm_escalate(alarm=alarm, now=deadline + dt.timedelta(minutes=rung_minutes(AlarmReason.MISSED)))
