"""Build or remove the demo station: each installed app's part comes from `lianxin.demo.<app label>`.

The parts run in INSTALLED_APPS order (core, places, people, cases, then the apps), all in
one transaction, each writing only through its app's services. A module
`lianxin/demo/<label>.py` with a `seed(demo)` function is that app's demo data; it may also
have `reset(station)`, called in reverse order when the demo station is taken down.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from types import ModuleType

from django.apps import apps
from django.db import transaction
from faker import Faker

from lianxin.core.models import Station
from lianxin.core.services import station_delete
from lianxin.demo import core as core_part
from lianxin.demo.base import DEMO_SEED, STATION_CODE, Demo

DEMO_PACKAGE = "lianxin.demo"


def demo_parts() -> list[ModuleType]:
    """Return the demo modules of the installed apps, in INSTALLED_APPS order."""
    parts = []
    for config in apps.get_app_configs():
        name = f"{DEMO_PACKAGE}.{config.label}"
        if config.name.startswith("lianxin.") and importlib.util.find_spec(name) is not None:
            parts.append(importlib.import_module(name))
    return parts


def demo_exists() -> bool:
    return Station.objects.filter(code=STATION_CODE).exists()


@transaction.atomic
def demo_reset() -> None:
    """Delete the demo station and everything that hangs off it (each app's part removes its own rows)."""
    station = Station.objects.filter(code=STATION_CODE).first()
    if station is None:
        return
    # Reverse order: later apps' rows point at earlier ones (events protect their actors,
    # users protect their station).
    for part in reversed(demo_parts()):
        if hasattr(part, "reset"):
            part.reset(station)
    station_delete(station=station)


@transaction.atomic
def demo_seed(*, now: dt.datetime, scale: float = 1.0, with_cases: bool = True) -> Demo | None:
    """Build the demo station as of `now` (aware); return None if it is already there.

    scale multiplies residents and cases (teams keep their real sizes); with_cases False
    stops after the catalogue (no history). Raises whatever the services raise; the
    transaction leaves nothing half-built.
    """
    if demo_exists():
        return None
    fake = Faker("zh_CN")
    fake.seed_instance(DEMO_SEED)
    demo = Demo(
        station=core_part.station_new(),
        now=now,
        rng=random.Random(DEMO_SEED),
        fake=fake,
        scale=scale,
        with_cases=with_cases,
    )
    for part in demo_parts():
        part.seed(demo)
    return demo
