"""The demo station's core rows: the station, its partners, its staff and liaisons (one sign-in user per role)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from lianxin.core.models import PartnerKind, Role, Station
from lianxin.core.services import partner_create, station_create, users_create
from lianxin.demo.base import (
    DEMO_PASSWORD,
    DEMO_USERS,
    GRID_MEMBERS_PER_GRID,
    GRIDS,
    PARTNERS,
    STATION_ADDRESS,
    STATION_CODE,
    STATION_NAME,
    Demo,
    demo_user,
)


def station_new() -> Station:
    """Create the demo station itself (before every app's part)."""
    return station_create(
        code=STATION_CODE, name=STATION_NAME, address=STATION_ADDRESS, center_lat=40.1180, center_lon=124.3930
    )


def seed(demo: Demo) -> None:
    _partners(demo)
    _staff(demo)


def _partners(demo: Demo) -> None:
    for code, kind, name, reply_hours in PARTNERS:
        demo.partners[code] = partner_create(
            station=demo.station, kind=kind, code=code, name=name, reply_hours=reply_hours, contact=demo.fake.name()
        )


def _staff(demo: Demo) -> None:
    """Create the demo users (one per role) and the rest of the station's staff and liaisons."""
    # One hash for every demo user: hashing is deliberately slow and the password is public anyway.
    demo_hash = make_password(DEMO_PASSWORD)
    rows = []
    for username, role, name, partner_code in DEMO_USERS:
        rows.append(
            demo_user(
                demo,
                username,
                role,
                name,
                password=demo_hash,
                partner=demo.partners.get(partner_code) if partner_code else None,
                is_staff=username == "admin",
                is_superuser=username == "admin",
            )
        )
    fake = demo.fake
    for i in range(2, len(GRIDS) + 1):
        rows.append(demo_user(demo, f"officer{i}", Role.COMMUNITY_OFFICER, fake.name()))
    for i in range(1, len(GRIDS) + 1):
        for j in range(1, GRID_MEMBERS_PER_GRID + (0 if i == 1 else 1)):
            rows.append(demo_user(demo, f"grid{i}-{j}", Role.GRID_MEMBER, fake.name()))
    for i in range(2, 7):
        rows.append(demo_user(demo, f"auxiliary{i}", Role.AUXILIARY, fake.name()))
    for i in range(2, 4):
        rows.append(demo_user(demo, f"registry{i}", Role.REGISTRY_OFFICER, fake.name()))
    for i in range(1, 3):
        rows.append(demo_user(demo, f"antifraud{i}", Role.AUXILIARY, fake.name()))
    for i in range(2, 5):
        rows.append(demo_user(demo, f"mediator{i}", Role.MEDIATOR, fake.name()))
    for code, kind, _name, _hours in PARTNERS:
        if kind == PartnerKind.DEPARTMENT and code != "env":
            rows.append(
                demo_user(demo, f"dept-{code}", Role.DEPARTMENT_LIAISON, fake.name(), partner=demo.partners[code])
            )
        if kind == PartnerKind.BANK and code != "icbc":
            rows.append(demo_user(demo, f"bank-{code}", Role.BANK_LIAISON, fake.name(), partner=demo.partners[code]))
    for user in users_create(station=demo.station, users=rows):
        demo.users[user.username] = user
    u = demo.users
    demo.duty_staff = [u["auxiliary"]] + [u[f"auxiliary{i}"] for i in range(2, 7)]
    demo.registry_staff = [u["registry"], u["registry2"], u["registry3"]]
    demo.antifraud_staff = [u["antifraud1"], u["antifraud2"]]
    demo.liaisons = {
        p.code: next(x for x in rows if x.partner_id == p.id and x.role in (Role.DEPARTMENT_LIAISON, Role.BANK_LIAISON))
        for p in demo.partners.values()
        if p.kind in (PartnerKind.DEPARTMENT, PartnerKind.BANK)
    }
