"""Benchmark patrol rosters: a year of a team's shifts made, signed up for, served as a calendar feed and parsed back.

    python bench/rosters.py [--per-day 2] [--people 4]

On a fresh SQLite database (bench/out/rosters.sqlite3), in this process:
1. migrate and build the demo station without history (its patrol teams);
2. make a year of the silver-hair team's shifts through shifts_create_weekly (every day,
   --per-day shifts a day, two half-year rules each, as a leader would) and time it;
3. sign --people members up for every shift through shift_signup (one transaction each);
4. time the team's iCalendar feed (selectors.roster_calendar) over the whole year, its size,
   and icalendar parsing it back; the roster page's read (selectors.roster_for); one reminder
   sweep with a day's shifts due.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
REPEATS = 5


def best_of(fn, repeats: int = REPEATS) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-day", type=int, default=2, help="shifts a day (at 08:30, 14:00, 19:00, ...)")
    parser.add_argument("--people", type=int, default=4, help="members signed up for each shift")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    for leftover in OUT.glob("rosters.sqlite3*"):
        leftover.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'rosters.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_DEMO", "1")  # a throwaway database with the public demo keys
    os.environ.setdefault("LIANXIN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from icalendar import Calendar

    from lianxin.demo.seed import demo_seed
    from lianxin.patrols import selectors
    from lianxin.patrols.services import rosters

    call_command("migrate", verbosity=0)
    now = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    demo = demo_seed(now=now, scale=0.02, with_cases=False)
    assert demo is not None
    team, leader = demo.teams["patrol"], demo.users["volunteer"]
    members = list(team.members.order_by("id"))[: args.people]
    starts = [dt.time(8, 30), dt.time(14, 0), dt.time(19, 0), dt.time(6, 0)][: args.per_day]
    first = now.astimezone(rosters._zone()).date() + dt.timedelta(days=1)

    t0 = time.perf_counter()
    shifts = []
    for start in starts:
        for half in (0, rosters.WEEKS_MAX):
            rule = rosters.WeeklyRule(
                first_on=first + dt.timedelta(weeks=half),
                weekdays=list(range(7)),
                start=start,
                hours=2.0,
                weeks=rosters.WEEKS_MAX,
            )
            shifts += rosters.shifts_create_weekly(actor=leader, team=team, rule=rule, now=now)
    made_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for shift in shifts:
        for member in members:
            rosters.shift_signup(actor=member, shift=shift, now=now)
    signup_s = time.perf_counter() - t0
    signups = len(shifts) * len(members)

    feed_s, body = best_of(lambda: selectors.roster_calendar(team=team, member_id=leader.pk, now=now))
    assert isinstance(body, bytes)
    parse_s, parsed = best_of(lambda: Calendar.from_ical(body))
    events = len(parsed.walk("VEVENT"))
    from lianxin.patrols.models import Shift

    assert events == Shift.objects.filter(team=team).count() >= len(shifts), events
    page_s, rows = best_of(lambda: selectors.roster_for(user=leader, team=team, now=now))
    sweep_at = shifts[0].starts_at - dt.timedelta(minutes=30)
    t0 = time.perf_counter()
    reminded = rosters.shift_reminders_send(now=sweep_at)
    sweep_s = time.perf_counter() - t0

    results = {
        "shifts": len(shifts),
        "feed_events": events,
        "make_shifts_seconds": round(made_s, 2),
        "signups": signups,
        "signups_per_second": round(signups / signup_s),
        "feed_seconds": round(feed_s, 3),
        "feed_bytes": len(body),
        "parse_back_seconds": round(parse_s, 3),
        "roster_page_rows": len(rows),
        "roster_page_read_ms": round(page_s * 1000, 1),
        "reminders_sent": reminded,
        "reminder_sweep_ms": round(sweep_s * 1000, 1),
    }
    (OUT / "rosters.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
