"""Shared fixtures: the personas of STYLE.md and a small station world.

Station A has two square grids (g1 led by officer_a, g2 led by officer_a2) with a
grid team each, a duty desk, a noise category that refers to the environment bureau
and a plain "ID papers" category. Station B mirrors it minimally. Engine tests never
touch these fixtures and need no database.
"""

from __future__ import annotations

import datetime as dt

import pytest

DEMO_PASSWORD = "test-pass-123"
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai


def square(x0: float, y0: float, size: float = 0.01) -> dict:
    """Return a GeoJSON square polygon with its south-west corner at lon x0, lat y0."""
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]],
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache (rate-limit counters, the cached Open311 list)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with a cheap hasher; the real PBKDF2 cost is for production."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """Handles to the rows built by the `world` fixture."""


def _build_station(code: str, name: str, lon0: float, lat0: float):
    from lianxin.cases.models import Category
    from lianxin.core.models import Partner, Role, Station, User
    from lianxin.people.models import Resident, Team, TeamKind, TeamMembership
    from lianxin.places.services import grid_save

    w = World()
    w.station = Station.objects.create(code=code, name=name, center_lat=lat0 + 0.01, center_lon=lon0 + 0.01)

    def user(username, role, **extra):
        u = User(username=f"{code}_{username}", station=w.station, role=role, display_name=f"{name}{username}", **extra)
        u.set_password(DEMO_PASSWORD)
        u.save()
        return u

    w.chief = user("chief", Role.STATION_CHIEF)
    w.officer = user("officer", Role.COMMUNITY_OFFICER, phone="13900000001")
    w.officer2 = user("officer2", Role.COMMUNITY_OFFICER)
    w.registry = user("registry", Role.REGISTRY_OFFICER)
    w.auxiliary = user("auxiliary", Role.AUXILIARY)
    w.grid_member = user("gridmember", Role.GRID_MEMBER)
    w.volunteer = user("volunteer", Role.VOLUNTEER)
    w.lookout = user("lookout", Role.LOOKOUT)
    w.mediator = user("mediator", Role.MEDIATOR)
    w.env_bureau = Partner.objects.create(
        station=w.station, kind="department", code="env", name="生态环境局", reply_hours=72
    )
    w.bank = Partner.objects.create(station=w.station, kind="bank", code="bank", name="合作银行")
    w.dept_liaison = user("deptliaison", Role.DEPARTMENT_LIAISON, partner=w.env_bureau)
    w.bank_liaison = user("bankliaison", Role.BANK_LIAISON, partner=w.bank)
    w.resident_user = user("resident", Role.RESIDENT)
    w.grid1 = grid_save(
        actor=None,
        station=w.station,
        code="g1",
        name=f"{name}一网格",
        boundary=square(lon0, lat0),
        police_chief=w.officer,
    )
    w.grid2 = grid_save(
        actor=None,
        station=w.station,
        code="g2",
        name=f"{name}二网格",
        boundary=square(lon0 + 0.01, lat0),
        police_chief=w.officer2,
    )
    w.grid1.members.add(w.grid_member)
    w.team1 = Team.objects.create(station=w.station, name="一网格队", kind=TeamKind.GRID_TEAM, grid=w.grid1)
    w.team2 = Team.objects.create(station=w.station, name="二网格队", kind=TeamKind.GRID_TEAM, grid=w.grid2)
    w.duty = Team.objects.create(station=w.station, name="值班台", kind=TeamKind.DUTY_DESK)
    TeamMembership.objects.create(team=w.team1, user=w.officer, is_leader=True)
    TeamMembership.objects.create(team=w.team1, user=w.grid_member)
    TeamMembership.objects.create(team=w.team2, user=w.officer2, is_leader=True)
    w.resident = Resident.objects.create(
        station=w.station,
        name="王秀兰",
        phone="13812345678",
        id_number="11010519491231002X",
        grid=w.grid1,
        user=w.resident_user,
        is_living_alone=True,
        born_on=dt.date(1949, 12, 31),
    )
    w.cat_papers = Category.objects.create(
        station=w.station, code="id-papers", name="证件办理", name_en="ID papers", sla_hours=72
    )
    w.cat_noise = Category.objects.create(
        station=w.station, code="noise", name="噪声扰民", name_en="Noise", sla_hours=48, referral_partner=w.env_bureau
    )
    w.cat_fight = Category.objects.create(
        station=w.station, code="fight", name="打架斗殴", name_en="Fight", sla_hours=4, is_public_order=True
    )
    # A point inside grid 1 and one outside every grid.
    w.in_grid1 = (lat0 + 0.005, lon0 + 0.005)
    w.in_grid2 = (lat0 + 0.005, lon0 + 0.015)
    w.outside = (lat0 + 0.5, lon0 + 0.5)
    return w


@pytest.fixture
def world(db):
    """Station A (w) with station B as w.b; see the module docstring."""
    from lianxin.places.geometry import grid_cache_clear

    grid_cache_clear()
    a = _build_station("a", "边城所", 124.38, 40.12)
    a.b = _build_station("b", "河口所", 125.00, 41.00)
    yield a
    grid_cache_clear()


@pytest.fixture
def open_case(world):
    """Return a factory opening a case in station A through the service layer."""
    from lianxin.cases.services import case_open

    def make(*, actor=None, category=None, point=None, channel="walk_in", now=NOW, **kw):
        lat, lon = point if point is not None else world.in_grid1
        return case_open(
            station=world.station,
            actor=actor or world.officer,
            channel=channel,
            category=category or world.cat_papers,
            description=kw.pop("description", "需要补办身份证"),
            lat=lat,
            lon=lon,
            now=now,
            **kw,
        )

    return make


@pytest.fixture
def api_as(world):
    """Return a factory: api_as(user) gives an ApiClient authenticated as user (None: anonymous)."""
    from lianxin.core.services import api_token_create
    from tests.clients import ApiClient

    def make(user):
        if user is None:
            return ApiClient(None)
        _token, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


@pytest.fixture
def client_for(db):
    """Return a factory of test clients signed in as the given user (Chinese UI, the default)."""
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def with_vendor(monkeypatch):
    """Pretend the browser libraries are installed (the default suite runs without `make static`)."""
    from lianxin.core import context_processors

    monkeypatch.setattr(
        context_processors, "vendor_available", lambda: {"htmx": True, "leaflet": True, "echarts": True}
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say in one line how many tests were skipped because the shared data sets are absent."""
    from tests.shared_data import SHARED_DATA

    missing = 0
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        if "shared" in reason.lower():
            missing += 1
    if missing:
        terminalreporter.write_line(
            f"{missing} tests skipped: the shared data sets are not at {SHARED_DATA} "
            "(laws, fraud messages, AMLSim ledgers; see the README's 'Data' section)",
            yellow=True,
        )
