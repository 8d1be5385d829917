"""The demo station's patrols: eight weeks of the silver-hair patrol's walks in the grids and the border patrol's
walks along the river bank, real-looking GPS tracks (walking pace, a few metres of noise, now and then a jump the
measure leaves out), findings taken in as cases, and today two members out: one moving, one silent long enough
for a lone-worker alert on the duty desk.

Rosters, for the weeks ahead: the silver-hair team (a silver-hair team by its roster policy; the demo
volunteer leads it) walks Monday, Wednesday and Friday mornings and Tuesday and Thursday evenings; the
border patrol walks weekend mornings along a border segment and Friday nights. The volunteer is alone on
the next evening shift (it needs a buddy), her buddy on the one after withdrew (she and the leaders were
told), and a morning shift is called off for the heat (or the cold, in winter).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

from django.conf import settings
from shapely.geometry import Point, shape

from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.demo.base import Demo
from lianxin.demo.places import RIVER_BANK_LONLAT
from lianxin.patrols.models import FindingKind
from lianxin.patrols.services import (
    PointIn,
    finding_report,
    patrol_points_add,
    patrol_start,
    patrol_stop,
    patrols_delete_for_station,
    patrols_watch,
    rosters,
)
from lianxin.places.models import Landmark

WEEKS = 8
SILVER_OUTINGS_PER_WEEK = 3
SILVER_WALKERS_PER_OUTING = 4
BORDER_OUTINGS_PER_WEEK = 4
BORDER_WALKERS_PER_OUTING = 3
FIX_SECONDS = 10
WALK_MPS = (0.9, 1.4)
GPS_NOISE_M = 4.0
JUMP_SHARE = 0.004  # one fix in 250 comes from a cell tower, hundreds of metres off
# Metres inland from the bank where the border patrol walks (the riverside path).
BORDER_PATH_INLAND_M = 60.0
FINDING_SHARE = 0.08
BORDER_GAP_DAYS = 10
BORDER_RECENT_REACH = 0.6
FINDINGS = (
    (FindingKind.FIRE_HAZARD, "fire-hazard", "楼道里电动车充电，插线板从窗户拉出来"),
    (FindingKind.DISPUTE, "neighbour-dispute", "两户人家因为占用车位在楼下争吵"),
    (FindingKind.ELDER, "elder-care", "一位老人在江边迷路，说不清家住哪里"),
    (FindingKind.BORDER, "border-safety", "江边护栏有一段断了，有人从缺口下到江滩"),
    (FindingKind.SCAM, "fraud-report", "有人在小区门口推销“保健品”，老人排队交钱"),
)
M_PER_DEG_LAT = 111_132.0


def reset(station) -> None:
    patrols_delete_for_station(station=station)


def _m_per_deg_lon(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat))


def _noisy(demo: Demo, lat: float, lon: float) -> tuple[float, float, float]:
    rng = demo.rng
    if rng.random() < JUMP_SHARE:
        return lat + rng.uniform(-0.006, 0.006), lon + rng.uniform(-0.006, 0.006), 30.0
    return (
        lat + rng.gauss(0, GPS_NOISE_M) / M_PER_DEG_LAT,
        lon + rng.gauss(0, GPS_NOISE_M) / _m_per_deg_lon(lat),
        round(rng.uniform(4, 12), 1),
    )


def _grid_walk(demo: Demo, grid, start: dt.datetime, minutes: int) -> list[PointIn]:
    """Return a walk inside a grid: streets are straight for a while, then a turn; the grid's edge turns the walker."""
    rng = demo.rng
    polygon = shape(grid.boundary)
    here = polygon.representative_point()
    lat, lon = here.y, here.x
    heading = rng.uniform(0, 360)
    speed = rng.uniform(*WALK_MPS)
    points = []
    at = start
    leg_left = rng.uniform(80, 300)
    for _ in range(minutes * 60 // FIX_SECONDS):
        step = speed * FIX_SECONDS
        if rng.random() < 0.05:
            step = 0.0  # a word with a neighbour
        leg_left -= step
        if leg_left <= 0:
            heading = (heading + rng.choice((-90, 90, 180 if rng.random() < 0.1 else 90))) % 360
            leg_left = rng.uniform(80, 300)
        n_lat = lat + step * math.cos(math.radians(heading)) / M_PER_DEG_LAT
        n_lon = lon + step * math.sin(math.radians(heading)) / _m_per_deg_lon(lat)
        if not polygon.contains(Point(n_lon, n_lat)):
            heading = (heading + 180) % 360
            continue
        lat, lon = n_lat, n_lon
        f_lat, f_lon, acc = _noisy(demo, lat, lon)
        points.append(PointIn(recorded_at=at, lat=f_lat, lon=f_lon, accuracy_m=acc))
        at += dt.timedelta(seconds=FIX_SECONDS)
    return points


def _bank_path() -> list[tuple[float, float]]:
    """Return the riverside path as (lat, lon), a little inland (north-west) of the bank."""
    path = []
    for lon, lat in RIVER_BANK_LONLAT:
        # The grids lie north-west of the bank: inland is up and to the left.
        path.append(
            (lat + BORDER_PATH_INLAND_M * 0.7 / M_PER_DEG_LAT, lon - BORDER_PATH_INLAND_M * 0.7 / _m_per_deg_lon(lat))
        )
    return path


def _bank_walk(demo: Demo, start: dt.datetime, km: float, *, reach: float = 1.0) -> list[PointIn]:
    """Return a walk of about km along the riverside path from a random place on it, back where it must turn.

    reach is the share of the path (from its south-west end) the walk keeps to.
    """
    rng = demo.rng
    path = _bank_path()
    legs = []
    for (a_lat, a_lon), (b_lat, b_lon) in zip(path, path[1:], strict=False):
        dy = (b_lat - a_lat) * M_PER_DEG_LAT
        dx = (b_lon - a_lon) * _m_per_deg_lon(a_lat)
        legs.append(((a_lat, a_lon), (b_lat, b_lon), math.hypot(dx, dy)))
    total = sum(length for *_ends, length in legs) * reach
    position = rng.uniform(0, total)
    direction = rng.choice((1, -1))
    speed = rng.uniform(1.1, 1.5)
    points = []
    at = start
    walked = 0.0

    def where(s: float) -> tuple[float, float]:
        for (a_lat, a_lon), (b_lat, b_lon), length in legs:
            if s <= length:
                t = s / length
                return a_lat + (b_lat - a_lat) * t, a_lon + (b_lon - a_lon) * t
            s -= length
        return path[-1]

    while walked < km * 1000:
        step = speed * FIX_SECONDS
        position += direction * step
        if not 0 <= position <= total:
            direction = -direction
            position = min(max(position, 0.0), total)
        walked += step
        lat, lon = where(position)
        f_lat, f_lon, acc = _noisy(demo, lat, lon)
        points.append(PointIn(recorded_at=at, lat=f_lat, lon=f_lon, accuracy_m=acc))
        at += dt.timedelta(seconds=FIX_SECONDS)
    return points


def _walk(demo: Demo, member, points: list[PointIn], *, stop: bool = True, with_finding: bool = False) -> None:
    if not points:
        return
    patrol = patrol_start(actor=member, now=points[0].recorded_at)
    patrol_points_add(patrol=patrol, actor=member, points=points, now=points[-1].recorded_at)
    if with_finding and demo.with_cases:
        kind, code, text = demo.rng.choice(FINDINGS)
        category = demo.categories.get(code)
        if category is not None:
            middle = points[len(points) // 2]
            finding = finding_report(
                patrol=patrol,
                actor=member,
                kind=kind,
                category=category,
                description=text,
                lat=middle.lat,
                lon=middle.lon,
                now=middle.recorded_at,
            )
            # Findings of earlier days were dealt with by the grid's officer; today's wait in the inbox.
            if middle.recorded_at < demo.now - dt.timedelta(days=1):
                case = finding.case
                officer = demo.chiefs.get(case.grid_id) if case.grid_id else None
                case_transition(
                    case=case,
                    actor=officer or demo.users["auxiliary"],
                    to_status=Status.RESOLVED,
                    resolution=Resolution.RESOLVED_LOCALLY,
                    note="已到现场处理",
                    now=min(middle.recorded_at + dt.timedelta(hours=demo.rng.randint(2, 20)), demo.now),
                )
    if stop:
        patrol_stop(patrol=patrol, actor=member, now=points[-1].recorded_at + dt.timedelta(seconds=30))


# The roster: (team key, weekdays, local start, hours, minimum people); four weeks ahead.
ROSTER_RULES = (
    ("patrol", (0, 2, 4), dt.time(8, 30), 2.0, 3),
    ("patrol", (1, 3), dt.time(19, 0), 2.0, 2),
    ("border", (5, 6), dt.time(9, 0), 4.0, 2),
    ("border", (4,), dt.time(20, 0), 3.0, 2),
)
ROSTER_WEEKS = 4
# A morning of the silver-hair team is called off: a heat wave in the warm half of the year, a cold snap else.
HEAT_FORECAST_C = 36.5
COLD_FORECAST_C = -18.0
WARM_MONTHS = range(4, 10)


def _rosters(demo: Demo) -> None:
    """Seed the two patrol teams' rosters through the roster services (see the module docstring)."""
    zone = zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)
    today = demo.now.astimezone(zone).date()
    silver_team, border_team = demo.teams["patrol"], demo.teams["border"]
    volunteer = demo.users["volunteer"]
    rosters.roster_policy_set(actor=volunteer, team=silver_team, is_silver_hair=True)
    segment = Landmark.objects.filter(station=demo.station, kind=Landmark.Kind.BORDER).order_by("name").first()
    made: dict[tuple[str, dt.time], list] = {}
    for key, days, start, hours, people in ROSTER_RULES:
        team = demo.teams[key]
        leader = team.memberships.filter(is_leader=True).select_related("user").get().user
        made[key, start] = rosters.shifts_create_weekly(
            actor=leader,
            team=team,
            rule=rosters.WeeklyRule(first_on=today, weekdays=days, start=start, hours=hours, weeks=ROSTER_WEEKS),
            place="" if key == "border" else "锦江山社区",
            segment=segment if key == "border" else None,
            min_people=people,
            now=demo.now,
        )
    rng = demo.rng
    silver = [m for m in silver_team.members.order_by("id") if m.pk != volunteer.pk]
    border = list(border_team.members.order_by("id"))
    for n, shift in enumerate(made["patrol", dt.time(8, 30)]):
        walkers = rng.sample(silver, 3 if n % 3 else 2)
        for member in ([volunteer] if n % 2 == 0 else []) + walkers:
            rosters.shift_signup(actor=member, shift=shift, now=demo.now)
    evenings = made["patrol", dt.time(19, 0)]
    # The next evening: the volunteer alone (needs a buddy). The one after: her buddy withdrew.
    rosters.shift_signup(actor=volunteer, shift=evenings[0], now=demo.now)
    rosters.shift_signup(actor=volunteer, shift=evenings[1], now=demo.now)
    rosters.shift_signup(actor=silver[0], shift=evenings[1], now=demo.now)
    rosters.shift_withdraw(actor=silver[0], shift=evenings[1], now=demo.now)
    for shift in evenings[2:]:
        for member in rng.sample(silver, 2):
            rosters.shift_signup(actor=member, shift=shift, now=demo.now)
    for shift in made["border", dt.time(9, 0)] + made["border", dt.time(20, 0)]:
        for member in rng.sample(border, 3):
            rosters.shift_signup(actor=member, shift=shift, now=demo.now)
    # The border team's leader moves an evening half an hour earlier and cancels a morning (path under repair):
    # the members signed up are told, their calendars get the new version.
    border_leader = border_team.memberships.filter(is_leader=True).select_related("user").get().user
    evening = made["border", dt.time(20, 0)][0]
    earlier_at = dt.datetime.combine(evening.starts_at.astimezone(zone).date(), dt.time(19, 30), tzinfo=zone)
    if earlier_at > demo.now:
        rosters.shift_edit(
            actor=border_leader,
            shift=evening,
            change=rosters.ShiftChange(
                starts_on=evening.starts_at.astimezone(zone).date(),
                start=dt.time(19, 30),
                hours=evening.hours,
                place=evening.place,
                segment=evening.segment,
                min_people=evening.min_people,
            ),
            now=demo.now,
        )
    mornings_border = made["border", dt.time(9, 0)]
    rosters.shift_cancel(
        actor=border_leader,
        shift=mornings_border[min(1, len(mornings_border) - 1)],
        reason="江边步道维修，本次暂停",
        now=demo.now,
    )
    # A heat wave or a cold snap is forecast for a morning of the silver-hair team: called off, its members told.
    mornings = made["patrol", dt.time(8, 30)]
    forecast = HEAT_FORECAST_C if today.month in WARM_MONTHS else COLD_FORECAST_C
    rosters.shift_forecast_record(
        actor=volunteer, shift=mornings[min(2, len(mornings) - 1)], temperature_c=forecast, now=demo.now
    )


def seed(demo: Demo) -> None:
    _rosters(demo)
    if not demo.with_cases:
        return  # no history asked for: the teams are there, their walks are not
    zone = zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)
    rng = demo.rng
    today = demo.now.astimezone(zone).date()
    silver = list(demo.teams["patrol"].members.order_by("id"))
    border = list(demo.teams["border"].members.order_by("id"))
    demo_volunteer = demo.users["volunteer"]
    weeks = max(1, round(WEEKS * min(1.0, demo.scale * 4)))
    walkers_silver = SILVER_WALKERS_PER_OUTING if demo.scale >= 0.5 else 2
    walkers_border = BORDER_WALKERS_PER_OUTING if demo.scale >= 0.5 else 1
    for day_back in range(weeks * 7, 0, -1):
        day = today - dt.timedelta(days=day_back)
        if day.weekday() in (0, 2, 4)[:SILVER_OUTINGS_PER_WEEK]:
            grid = demo.grids[day.toordinal() % len(demo.grids)]
            start = dt.datetime.combine(day, dt.time(8, 30), tzinfo=zone) + dt.timedelta(minutes=rng.randint(0, 60))
            team = [demo_volunteer, *rng.sample(silver[1:], walkers_silver - 1)]
            for n, member in enumerate(team):
                points = _grid_walk(demo, grid, start + dt.timedelta(seconds=rng.randint(0, 90)), rng.randint(50, 90))
                _walk(demo, member, points, with_finding=n == 0 and rng.random() < FINDING_SHARE * 4)
        if day.weekday() in (1, 3, 5, 6)[:BORDER_OUTINGS_PER_WEEK]:
            start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone) + dt.timedelta(minutes=rng.randint(0, 120))
            for n, member in enumerate(rng.sample(border, walkers_border)):
                # The far north-east stretch has gone unwalked lately: a gap on the desk's coverage.
                reach = BORDER_RECENT_REACH if day_back <= BORDER_GAP_DAYS else 1.0
                points = _bank_walk(
                    demo, start + dt.timedelta(seconds=rng.randint(0, 60)), rng.uniform(5, 9), reach=reach
                )
                _walk(demo, member, points, with_finding=n == 0 and rng.random() < FINDING_SHARE)
    # Today: a border patroller walking now, and a silver-hair member silent for 25 minutes (a lone-worker alert).
    moving = _bank_walk(demo, demo.now - dt.timedelta(minutes=40), 3.0)
    _walk(demo, border[0], [p for p in moving if p.recorded_at <= demo.now - dt.timedelta(minutes=1)], stop=False)
    silent = _grid_walk(demo, demo.grids[0], demo.now - dt.timedelta(minutes=70), 45)
    _walk(demo, silver[1], silent, stop=False)
    patrols_watch(now=demo.now)
