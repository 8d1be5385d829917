"""The demo station's open-air councils: a weekly council in each grid, past meetings with concerns and follow-up.

Each grid's police chief hosts a council every Tuesday at 15:00 (local) in the grid's square;
the last few meetings were held, with walk-up sign-ins, concerns taken in as council cases,
commitments and minutes, most concerns since resolved, so "you said, we did" has something to say.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from shapely.geometry import shape

from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.council.services import (
    attendance_sign_in,
    concern_commit,
    concern_raise,
    council_delete_for_station,
    meeting_minutes_save,
    series_create,
    speaker_add,
    speaker_done,
)
from lianxin.demo.base import Demo

WEEKS_HELD = 3
CONCERNS = (
    ("夜里广场跳舞音响太大", "与广场舞队协商音量和时间"),
    ("小区门口路灯不亮", "联系物业一周内修复"),
    ("老人想办身份证但行动不便", "户籍民警上门办理"),
    ("江边步道有人钓鱼占道", "巡逻队加强劝导"),
)
SPEAKERS = (
    ("李大爷", "广场晚上的音响"),
    ("王阿姨", "楼道堆放杂物"),
    ("张师傅", "江边护栏松动"),
    ("刘书记", "社区志愿者招募"),
)
LAST_MEETING_RESOLVED_SHARE = 0.5  # earlier meetings' concerns are all resolved by now
FULL_SCALE_CONCERNS_PER_MEETING = 2


def reset(station) -> None:
    council_delete_for_station(station=station)


def seed(demo: Demo) -> None:
    zone = zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)
    today = demo.now.astimezone(zone).date()
    # The Tuesday WEEKS_HELD weeks back, 15:00 local.
    last_tuesday = today - dt.timedelta(days=(today.weekday() - 1) % 7)
    first = dt.datetime.combine(last_tuesday - dt.timedelta(weeks=WEEKS_HELD - 1), dt.time(15), tzinfo=zone)
    # Councils hear everyday concerns; public-order incidents come in by other channels.
    categories = [c for c in demo.categories.values() if not c.is_public_order and c.referral_partner_id is None]
    for grid in demo.grids:
        host = demo.chiefs[grid.id]
        point = shape(grid.boundary).representative_point()
        series = series_create(
            actor=host,
            grid=grid,
            title=f"{grid.name.replace('社区网格', '')}露天议事厅",
            place=f"{grid.name.replace('社区网格', '')}广场凉亭",
            rrule="FREQ=WEEKLY;BYDAY=TU",
            first_at=first,
            lat=point.y,
            lon=point.x,
            now=demo.now,
        )
        if not demo.with_cases or not categories:
            continue
        held = [m for m in series.meetings.order_by("starts_at") if m.ends_at <= demo.now]
        for index, meeting in enumerate(held):
            for k in range(demo.rng.randint(4, 12)):
                attendance_sign_in(
                    meeting=meeting,
                    device_key=f"demo-{meeting.pk}-{k}",
                    people=demo.rng.randint(1, 3),
                    now=meeting.starts_at,
                )
            for k, (name, topic) in enumerate(demo.rng.sample(SPEAKERS, 2)):
                speaker = speaker_add(
                    meeting=meeting,
                    device_key=f"demo-{meeting.pk}-{k}",
                    name=name,
                    topic=topic,
                    now=meeting.starts_at + dt.timedelta(minutes=2 + k),
                )
                speaker_done(speaker=speaker, actor=host, now=meeting.starts_at + dt.timedelta(minutes=15 + 10 * k))
            per_meeting = FULL_SCALE_CONCERNS_PER_MEETING if demo.scale >= 0.5 else 1
            for text, promise in demo.rng.sample(CONCERNS, per_meeting):
                at = meeting.starts_at + dt.timedelta(minutes=demo.rng.randint(10, 50))
                concern = concern_raise(
                    meeting=meeting, actor=host, category=demo.rng.choice(categories), description=text, now=at
                )
                concern_commit(
                    concern=concern,
                    actor=host,
                    who=str(host),
                    what=promise,
                    due_on=(meeting.starts_at + dt.timedelta(days=7)).date(),
                )
                is_last = index == len(held) - 1
                # Only the first grid's last council leaves concerns open: a few on the desk, not a wall.
                resolved = not is_last or grid != demo.grids[0] or demo.rng.random() < LAST_MEETING_RESOLVED_SHARE
                if resolved and concern.case.status in (Status.NEW, Status.REFERRED):
                    case_transition(
                        case=concern.case,
                        actor=host,
                        to_status=Status.RESOLVED,
                        resolution=Resolution.RESOLVED_LOCALLY,
                        note=promise,
                        now=min(at + dt.timedelta(days=3), demo.now),
                    )
            meeting_minutes_save(
                meeting=meeting,
                actor=host,
                minutes=f"{meeting.place}议事，到场居民提出问题均已登记。",
                now=meeting.ends_at,
            )
