"""`lianxin seed_demo`: load the demo border station (idempotent; --reset rebuilds it)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lianxin.demo.base import DEMO_PASSWORD, DEMO_USERS, STATION_NAME
from lianxin.demo.seed import demo_reset, demo_seed


class Command(BaseCommand):
    help = "Load the demo station (grids, people, teams, two years of cases). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete the demo station first, then rebuild it")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="multiply residents and cases by this (0.02 for a quick test load; default 1)",
        )
        parser.add_argument(
            "--now", default="", help="ISO time the history ends at (default: now); same --now, same data"
        )
        parser.add_argument("--no-cases", action="store_true", help="build the station and people only")

    def handle(self, *args, reset: bool, scale: float, now: str, no_cases: bool, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10")
        at = _parse_now(now) if now else timezone.now().replace(second=0, microsecond=0)
        if reset:
            demo_reset()
        started = time.monotonic()
        demo = demo_seed(now=at, scale=scale, with_cases=not no_cases)
        if demo is None:
            self.stdout.write(f"{STATION_NAME} is already loaded; nothing changed (use --reset to rebuild).")
            return
        from lianxin.cases.models import Case, CaseEvent

        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {STATION_NAME}: {len(demo.grids)} grids, {len(demo.residents)} residents, "
                f"{Case.objects.filter(station=demo.station).count()} cases with "
                f"{CaseEvent.objects.filter(case__station=demo.station).count()} events "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        users = ", ".join(username for username, *_rest in DEMO_USERS)
        self.stdout.write(f"Demo users ({users}) sign in with the password {DEMO_PASSWORD!r}.")


def _parse_now(text: str) -> dt.datetime:
    value = parse_datetime(text)
    if value is None:
        raise CommandError("--now must be an ISO time such as 2026-06-15T10:00+08:00")
    if timezone.is_naive(value):
        raise CommandError("--now needs a time zone, e.g. 2026-06-15T10:00+08:00")
    return value.astimezone(dt.UTC)
