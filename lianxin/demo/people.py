"""The demo station's people: grid teams and desks, residents with valid personal data, patrols and lookouts."""

from __future__ import annotations

import datetime as dt

from lianxin.core.models import Role, Station, User
from lianxin.core.services import users_create
from lianxin.demo.base import (
    BORDER_PATROL_SIZE,
    DISABILITY_SHARE,
    ELDER_BEDRIDDEN_SHARE,
    ELDER_LIVING_ALONE_SHARE,
    ELDER_SHARE,
    LOOKOUT_COUNT,
    RESIDENT_USER_SHARE,
    RESIDENTS_AT_FULL_SCALE,
    SILVER_PATROL_SIZE,
    Demo,
    birth_date,
    demo_user,
    id_number,
    mobile_number,
)
from lianxin.people.models import Resident, Team, TeamKind
from lianxin.people.services import residents_create, residents_delete_for_station, team_create


def reset(station: Station) -> None:
    residents_delete_for_station(station=station)


def seed(demo: Demo) -> None:
    _teams(demo)
    _residents(demo)
    _volunteers(demo)


def _team(
    demo: Demo, key: str, name: str, kind: str, members: list[User], *, grid=None, joined_on: dt.date | None = None
) -> Team:
    team = team_create(station=demo.station, name=name, kind=kind, members=members, grid=grid, joined_on=joined_on)
    demo.teams[key] = team
    return team


def _teams(demo: Demo) -> None:
    u = demo.users
    since = (demo.now - dt.timedelta(days=900)).date()
    for grid in demo.grids:
        _team(
            demo,
            f"grid:{grid.code}",
            f"{grid.name.removesuffix('网格')}网格队",
            TeamKind.GRID_TEAM,
            [demo.chiefs[grid.id], *demo.grid_members[grid.id]],
            grid=grid,
            joined_on=since,
        )
    _team(demo, "duty", "值班台", TeamKind.DUTY_DESK, demo.duty_staff, joined_on=since)
    _team(demo, "registry", "户籍窗口", TeamKind.REGISTRY, demo.registry_staff, joined_on=since)
    _team(
        demo,
        "mediation",
        "矛盾纠纷调解中心",
        TeamKind.MEDIATION,
        [u["mediator"], u["mediator2"], u["mediator3"], u["mediator4"], u["lawyer"]],
        joined_on=since,
    )
    _team(demo, "antifraud", "反诈中心", TeamKind.ANTIFRAUD, [u["chief"], *demo.antifraud_staff], joined_on=since)


def _residents(demo: Demo) -> None:
    """Create the residents (bulk) and sign-in accounts for some, who file requests online."""
    rng, fake, today = demo.rng, demo.fake, demo.now.date()
    count = max(60, round(RESIDENTS_AT_FULL_SCALE * demo.scale))
    rows = []
    for i in range(count):
        is_female = rng.random() < 0.52
        is_elder = rng.random() < ELDER_SHARE
        born_on = (
            birth_date(rng, today, min_age=60, max_age=93)
            if is_elder
            else birth_date(rng, today, min_age=18, max_age=59)
        )
        grid = demo.grids[i % len(demo.grids)]
        living_alone = is_elder and rng.random() < ELDER_LIVING_ALONE_SHARE
        rows.append(
            Resident(
                station=demo.station,
                name=fake.name_female() if is_female else fake.name_male(),
                gender=Resident.Gender.FEMALE if is_female else Resident.Gender.MALE,
                born_on=born_on,
                phone=mobile_number(demo),
                id_number=id_number(rng, born_on=born_on, is_female=is_female),
                address=_address(demo, grid),
                grid=grid,
                is_living_alone=living_alone,
                is_bedridden=is_elder and rng.random() < ELDER_BEDRIDDEN_SHARE,
                has_disability=rng.random() < DISABILITY_SHARE,
            )
        )
    # Every grid has at least one elder living alone and one bedridden elder (home ID visits).
    for grid in demo.grids:
        elders = [r for r in rows[1:] if r.grid is grid and r.born_on and (today - r.born_on).days >= 60 * 366]
        if len(elders) >= 2:
            elders[0].is_living_alone = True
            elders[1].is_bedridden = True
    # The demo resident: an elder living alone in grid 1 who files online.
    demo_resident = rows[0]
    demo_resident.name, demo_resident.gender, demo_resident.is_living_alone = "马春梅", Resident.Gender.FEMALE, True
    demo_resident.born_on = dt.date(today.year - 68, 3, 8)
    demo_resident.id_number = id_number(rng, born_on=demo_resident.born_on, is_female=True)
    demo_resident.grid = demo.grids[0]
    demo_resident.user = demo.users["resident"]
    accounts = [r for r in rows[1:] if rng.random() < RESIDENT_USER_SHARE]
    users = users_create(
        station=demo.station,
        users=[demo_user(demo, f"r{i:05d}", Role.RESIDENT, r.name) for i, r in enumerate(accounts, start=1)],
    )
    for resident, user in zip(accounts, users, strict=True):
        resident.user = user
    demo.residents = residents_create(station=demo.station, residents=rows)
    demo.resident_users = [demo.users["resident"], *users]


def _address(demo: Demo, grid) -> str:
    rng = demo.rng
    street = rng.choice(demo.grid_streets[grid.id])
    return f"丹东市振兴区{street}{rng.randrange(1, 180)}号{rng.randrange(1, 7)}单元{rng.randrange(1, 7)}0{rng.randrange(1, 5)}"


def _volunteers(demo: Demo) -> None:
    """Create the silver-hair patrol, the border patrol and the lookouts: users, residents, teams."""
    rng, fake, today = demo.rng, demo.fake, demo.now.date()
    rows, people = [], []

    def person(user: User, *, is_female: bool, min_age: int, max_age: int) -> Resident:
        born_on = birth_date(rng, today, min_age=min_age, max_age=max_age)
        grid = demo.grids[0] if user.pk else rng.choice(demo.grids)
        return Resident(
            station=demo.station,
            name=user.display_name,
            born_on=born_on,
            phone=user.phone,
            gender=Resident.Gender.FEMALE if is_female else Resident.Gender.MALE,
            id_number=id_number(rng, born_on=born_on, is_female=is_female),
            address=_address(demo, grid),
            grid=grid,
            user=user if user.pk else None,
        )

    def volunteer(username: str, role: str, *, min_age: int, max_age: int, female_share: float) -> User:
        is_female = rng.random() < female_share
        user = demo_user(demo, username, role, fake.name_female() if is_female else fake.name_male())
        people.append(person(user, is_female=is_female, min_age=min_age, max_age=max_age))
        rows.append(user)
        return user

    # The demo volunteer and lookout live in grid 1.
    demo_people = [
        person(demo.users["volunteer"], is_female=True, min_age=62, max_age=70),
        person(demo.users["lookout"], is_female=False, min_age=40, max_age=50),
    ]

    for i in range(1, SILVER_PATROL_SIZE):
        volunteer(f"patrol{i:03d}", Role.VOLUNTEER, min_age=55, max_age=76, female_share=0.8)
    for i in range(1, BORDER_PATROL_SIZE + 1):
        volunteer(f"border{i:03d}", Role.VOLUNTEER, min_age=25, max_age=65, female_share=0.2)
    for i in range(1, LOOKOUT_COUNT):
        volunteer(f"lookout{i:03d}", Role.LOOKOUT, min_age=22, max_age=65, female_share=0.45)
    users = users_create(station=demo.station, users=rows)
    for resident, user in zip(people, users, strict=True):
        resident.user = user
    residents_create(station=demo.station, residents=[*demo_people, *people])
    patrol = [demo.users["volunteer"]] + [x for x in users if x.username.startswith("patrol")]
    border = [x for x in users if x.username.startswith("border")]
    lookouts = [demo.users["lookout"]] + [x for x in users if x.username.startswith("lookout")]
    since = (demo.now - dt.timedelta(days=700)).date()
    _team(demo, "patrol", "舞动平安巡逻队", TeamKind.PATROL, patrol, joined_on=since)
    _team(demo, "border", "护边义警队", TeamKind.BORDER_PATROL, border, joined_on=since)
    for i, grid in enumerate(demo.grids):
        _team(
            demo,
            f"lookouts:{grid.code}",
            f"{grid.name.removesuffix('网格')}平安瞭望哨",
            TeamKind.LOOKOUTS,
            lookouts[i :: len(demo.grids)],
            grid=grid,
            joined_on=since,
        )
    demo.patrollers, demo.lookouts = patrol, lookouts
