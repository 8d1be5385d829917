"""The demo station: a border-town police station on the Yalu river, with its people.

`demo_seed` builds, in one transaction, a station (连心边境派出所) on the Dandong
riverfront with eight community grids along the bank, its staff (one sign-in user
per role with the documented DEMO_PASSWORD), partner departments and banks, a
category catalogue, residents with valid personal data, the silver-hair patrol
(91) and the safety lookouts (694) as users and teams, and then two years of cases
(lianxin.core.demo_cases) opened and worked through cases.services so every case
has its timeline.

Everything random comes from one seeded generator, so two databases seeded with
the same `now` and scale hold the same people and the same history (tokens and
ciphertext nonces excepted). Running it on a database that already holds the demo
station changes nothing; `reset` deletes the demo station first.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from lianxin.core import pii
from lianxin.core.models import AuditEntry, Partner, PartnerKind, Role, Station, User
from lianxin.people.models import Resident, Team, TeamKind, TeamMembership
from lianxin.places.services import grid_save

DEMO_PASSWORD = "lianxin-demo"
DEMO_SEED = 6262
STATION_CODE = "lianxin-border"
STATION_NAME = "连心边境派出所"
STATION_ADDRESS = "辽宁省丹东市振兴区滨江中路88号"
# The Chinese bank of the Yalu along the Dandong riverfront, south-west to north-east
# (WGS84 lon, lat). Grids lie on the north-west side, between the two offsets below.
RIVER_BANK_LONLAT = (
    (124.3350, 40.0830),
    (124.3620, 40.0985),
    (124.3936, 40.1160),
    (124.4230, 40.1335),
    (124.4550, 40.1520),
)
GRID_BANK_OFFSET_DEG = 0.0008
GRID_INLAND_OFFSET_DEG = 0.0130
COORD_DECIMALS = 6

SILVER_PATROL_SIZE = 91
LOOKOUT_COUNT = 694
BORDER_PATROL_SIZE = 36
GRID_MEMBERS_PER_GRID = 3
RESIDENTS_AT_FULL_SCALE = 3000
RESIDENT_USER_SHARE = 0.12
ELDER_SHARE = 0.30
ELDER_LIVING_ALONE_SHARE = 0.16
ELDER_BEDRIDDEN_SHARE = 0.03
DISABILITY_SHARE = 0.02

# (code, name, streets used for addresses)
GRIDS = (
    ("g01", "浪头社区网格", ("浪头路", "江城大街")),
    ("g02", "江沿社区网格", ("江沿街", "兴五路")),
    ("g03", "滨江社区网格", ("滨江中路", "七经街")),
    ("g04", "锦江社区网格", ("锦山大街", "六纬路")),
    ("g05", "帽盔社区网格", ("帽盔山路", "九纬路")),
    ("g06", "六道口社区网格", ("六道口街", "站前路")),
    ("g07", "临江社区网格", ("临江后街", "沿江开发路")),
    ("g08", "花园社区网格", ("花园路", "月亮岛路")),
)
# Districts of Dandong for ID numbers (GB/T 2260): 振兴区, 元宝区, 振安区.
ID_AREA_CODES = ("210603", "210603", "210602", "210604")
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)

# (code, kind, name, reply hours)
PARTNERS = (
    ("env", PartnerKind.DEPARTMENT, "丹东市生态环境局振兴分局", 72),
    ("housing", PartnerKind.DEPARTMENT, "振兴区住房和城乡建设局", 120),
    ("market", PartnerKind.DEPARTMENT, "振兴区市场监督管理局", 72),
    ("hrss", PartnerKind.DEPARTMENT, "振兴区人力资源和社会保障局", 120),
    ("civil", PartnerKind.DEPARTMENT, "振兴区民政局", 96),
    ("icbc", PartnerKind.BANK, "中国工商银行丹东分行", 2),
    ("ccb", PartnerKind.BANK, "中国建设银行丹东分行", 2),
    ("abc", PartnerKind.BANK, "中国农业银行丹东分行", 2),
    ("bankofdandong", PartnerKind.BANK, "丹东银行", 2),
    ("lawfirm", PartnerKind.LAW_FIRM, "辽宁鸭江律师事务所", 72),
)

# One sign-in user per role, all with DEMO_PASSWORD: (username, role, name, partner code).
DEMO_USERS = (
    ("admin", Role.STATION_CHIEF, "系统管理员", None),
    ("chief", Role.STATION_CHIEF, "赵建国", None),
    ("officer", Role.COMMUNITY_OFFICER, "李明辉", None),
    ("registry", Role.REGISTRY_OFFICER, "孙丽娜", None),
    ("auxiliary", Role.AUXILIARY, "王磊", None),
    ("gridmember", Role.GRID_MEMBER, "刘桂芳", None),
    ("volunteer", Role.VOLUNTEER, "陈淑琴", None),
    ("lookout", Role.LOOKOUT, "张海波", None),
    ("mediator", Role.MEDIATOR, "周德福", None),
    ("lawyer", Role.LAWYER, "吴敏", "lawfirm"),
    ("bank", Role.BANK_LIAISON, "郑晓燕", "icbc"),
    ("dept", Role.DEPARTMENT_LIAISON, "何志强", "env"),
    ("resident", Role.RESIDENT, "马春梅", None),
)


@dataclass
class Demo:
    """Handles to what the seed built, for the case history and for tests."""

    station: Station
    now: dt.datetime
    rng: random.Random
    fake: Faker
    scale: float
    users: dict[str, User] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)
    grids: list = field(default_factory=list)
    grid_streets: dict[int, tuple[str, ...]] = field(default_factory=dict)
    chiefs: dict[int, User] = field(default_factory=dict)
    grid_members: dict[int, list[User]] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    liaisons: dict[str, User] = field(default_factory=dict)
    duty_staff: list[User] = field(default_factory=list)
    registry_staff: list[User] = field(default_factory=list)
    antifraud_staff: list[User] = field(default_factory=list)
    patrollers: list[User] = field(default_factory=list)
    lookouts: list[User] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    resident_users: list[User] = field(default_factory=list)
    categories: dict = field(default_factory=dict)
    phones_used: set[str] = field(default_factory=set)


def demo_exists() -> bool:
    return Station.objects.filter(code=STATION_CODE).exists()


@transaction.atomic
def demo_reset() -> None:
    """Delete the demo station and everything that hangs off it."""
    from lianxin.cases.models import CartStop, Case

    station = Station.objects.filter(code=STATION_CODE).first()
    if station is None:
        return
    # Order matters: events protect their actors, users protect their station.
    Case.objects.filter(station=station).delete()
    CartStop.objects.filter(station=station).delete()
    AuditEntry.objects.filter(station=station).delete()
    Resident.objects.filter(station=station).delete()
    User.objects.filter(station=station).delete()
    station.delete()


@transaction.atomic
def demo_seed(*, now: dt.datetime, scale: float = 1.0, with_cases: bool = True) -> Demo | None:
    """Build the demo station as of `now` (aware); return None if it is already there.

    scale multiplies residents and cases (teams keep their real sizes). Raises
    whatever the services raise; the transaction leaves nothing half-built.
    """
    if demo_exists():
        return None
    fake = Faker("zh_CN")
    fake.seed_instance(DEMO_SEED)
    demo = Demo(
        station=Station.objects.create(
            code=STATION_CODE, name=STATION_NAME, address=STATION_ADDRESS, center_lat=40.1180, center_lon=124.3930
        ),
        now=now,
        rng=random.Random(DEMO_SEED),
        fake=fake,
        scale=scale,
    )
    _partners(demo)
    _staff(demo)
    _grids(demo)
    _teams(demo)
    _residents(demo)
    _volunteers(demo)
    from lianxin.core.demo_cases import catalogue_create, history_create

    catalogue_create(demo)
    if with_cases:
        history_create(demo)
    return demo


# --- geometry ---------------------------------------------------------------------------------------------------


def _bank_points(count: int) -> list[tuple[float, float]]:
    """Return count+1 points evenly spaced (by vertex parameter) along the river bank polyline."""
    segments = len(RIVER_BANK_LONLAT) - 1
    points = []
    for i in range(count + 1):
        t = i * segments / count
        k = min(int(t), segments - 1)
        f = t - k
        (x0, y0), (x1, y1) = RIVER_BANK_LONLAT[k], RIVER_BANK_LONLAT[k + 1]
        points.append((x0 + (x1 - x0) * f, y0 + (y1 - y0) * f))
    return points


def _inland_normals(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Return a unit normal at each point, pointing away from the river (north-west)."""
    normals = []
    for i in range(len(points)):
        (xa, ya), (xb, yb) = points[max(i - 1, 0)], points[min(i + 1, len(points) - 1)]
        dx, dy = xb - xa, yb - ya
        length = (dx * dx + dy * dy) ** 0.5
        normals.append((-dy / length, dx / length))  # left of the downstream-to-upstream direction = NW
    return normals


def grid_polygons(count: int = len(GRIDS)) -> list[dict]:
    """Return count GeoJSON polygons strung along the bank; neighbours share an edge, none overlap."""
    points = _bank_points(count)
    normals = _inland_normals(points)

    def at(i: int, offset: float) -> tuple[float, float]:
        return (points[i][0] + normals[i][0] * offset, points[i][1] + normals[i][1] * offset)

    polygons = []
    for i in range(count):
        ring = [
            at(i, GRID_BANK_OFFSET_DEG),
            at(i + 1, GRID_BANK_OFFSET_DEG),
            at(i + 1, GRID_INLAND_OFFSET_DEG),
            at(i, GRID_INLAND_OFFSET_DEG),
        ]
        ring = [(round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)) for x, y in ring]
        exterior = list(orient(Polygon(ring), sign=1.0).exterior.coords)  # RFC 7946: counter-clockwise
        polygons.append({"type": "Polygon", "coordinates": [[list(c) for c in exterior]]})
    return polygons


def point_in(polygon: Polygon, rng: random.Random) -> tuple[float, float]:
    """Return a random (lat, lon) inside polygon (rejection sampling in its bounds)."""
    from shapely.geometry import Point

    minx, miny, maxx, maxy = polygon.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)


# --- personal data ----------------------------------------------------------------------------------------------


def id_number(rng: random.Random, *, born_on: dt.date, is_female: bool) -> str:
    """Return a valid 18-character resident ID number (GB 11643 checksum) for a Dandong resident."""
    sequence = rng.randrange(0, 500) * 2 + (0 if is_female else 1)  # the 17th digit is odd for men
    first17 = f"{rng.choice(ID_AREA_CODES)}{born_on:%Y%m%d}{sequence:03d}"
    return first17 + pii.id_card_check_char(first17)


def mobile_number(demo: Demo) -> str:
    """Return a mainland mobile number not yet used in this seed."""
    while True:
        number = demo.rng.choice(MOBILE_PREFIXES) + f"{demo.rng.randrange(10**8):08d}"
        if number not in demo.phones_used:
            demo.phones_used.add(number)
            return number


def _birth_date(rng: random.Random, today: dt.date, *, min_age: int, max_age: int) -> dt.date:
    age_days = rng.randrange(min_age * 365 + 1, max_age * 365 + 1)
    return today - dt.timedelta(days=age_days)


# --- builders ---------------------------------------------------------------------------------------------------


def _partners(demo: Demo) -> None:
    for code, kind, name, reply_hours in PARTNERS:
        demo.partners[code] = Partner.objects.create(
            station=demo.station, kind=kind, code=code, name=name, reply_hours=reply_hours, contact=demo.fake.name()
        )


def _user(
    demo: Demo,
    username: str,
    role: str,
    name: str,
    *,
    password: str | None = None,
    partner: Partner | None = None,
    **extra,
) -> User:
    """Return an unsaved user of the demo station (password: a hash, or unusable)."""
    return User(
        username=username,
        role=role,
        display_name=name,
        station=demo.station,
        partner=partner,
        password=password or make_password(None),
        phone=mobile_number(demo),
        date_joined=demo.now - dt.timedelta(days=800),
        **extra,
    )


def _staff(demo: Demo) -> None:
    """Create the demo users (one per role) and the rest of the station's staff and liaisons."""
    # One hash for every demo user: hashing is deliberately slow and the password is public anyway.
    demo_hash = make_password(DEMO_PASSWORD)
    rows = []
    for username, role, name, partner_code in DEMO_USERS:
        rows.append(
            _user(
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
        rows.append(_user(demo, f"officer{i}", Role.COMMUNITY_OFFICER, fake.name()))
    for i in range(1, len(GRIDS) + 1):
        for j in range(1, GRID_MEMBERS_PER_GRID + (0 if i == 1 else 1)):
            rows.append(_user(demo, f"grid{i}-{j}", Role.GRID_MEMBER, fake.name()))
    for i in range(2, 7):
        rows.append(_user(demo, f"auxiliary{i}", Role.AUXILIARY, fake.name()))
    for i in range(2, 4):
        rows.append(_user(demo, f"registry{i}", Role.REGISTRY_OFFICER, fake.name()))
    for i in range(1, 3):
        rows.append(_user(demo, f"antifraud{i}", Role.AUXILIARY, fake.name()))
    for i in range(2, 5):
        rows.append(_user(demo, f"mediator{i}", Role.MEDIATOR, fake.name()))
    for code, kind, _name, _hours in PARTNERS:
        if kind == PartnerKind.DEPARTMENT and code != "env":
            rows.append(_user(demo, f"dept-{code}", Role.DEPARTMENT_LIAISON, fake.name(), partner=demo.partners[code]))
        if kind == PartnerKind.BANK and code != "icbc":
            rows.append(_user(demo, f"bank-{code}", Role.BANK_LIAISON, fake.name(), partner=demo.partners[code]))
    for user in User.objects.bulk_create(rows):
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


def _grids(demo: Demo) -> None:
    u = demo.users
    for i, ((code, name, streets), boundary) in enumerate(zip(GRIDS, grid_polygons(), strict=True), start=1):
        chief = u["officer"] if i == 1 else u[f"officer{i}"]
        grid = grid_save(actor=None, station=demo.station, code=code, name=name, boundary=boundary, police_chief=chief)
        members = [u[f"grid{i}-{j}"] for j in range(1, GRID_MEMBERS_PER_GRID + (0 if i == 1 else 1))]
        if i == 1:
            members.insert(0, u["gridmember"])
        grid.members.add(*members)
        demo.grids.append(grid)
        demo.grid_streets[grid.id] = streets
        demo.chiefs[grid.id] = chief
        demo.grid_members[grid.id] = members


def _team(
    demo: Demo, key: str, name: str, kind: str, members: list[User], *, grid=None, joined_on: dt.date | None = None
) -> Team:
    team = Team.objects.create(station=demo.station, name=name, kind=kind, grid=grid)
    TeamMembership.objects.bulk_create(
        TeamMembership(team=team, user=m, is_leader=i == 0, joined_on=joined_on) for i, m in enumerate(members)
    )
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
            _birth_date(rng, today, min_age=60, max_age=93)
            if is_elder
            else _birth_date(rng, today, min_age=18, max_age=59)
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
        elders = [r for r in rows[1:] if r.grid is grid and (today - r.born_on).days >= 60 * 366]
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
    users = User.objects.bulk_create(
        _user(demo, f"r{i:05d}", Role.RESIDENT, r.name) for i, r in enumerate(accounts, start=1)
    )
    for resident, user in zip(accounts, users, strict=True):
        resident.user = user
    demo.residents = Resident.objects.bulk_create(rows)
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
        born_on = _birth_date(rng, today, min_age=min_age, max_age=max_age)
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
        user = _user(demo, username, role, fake.name_female() if is_female else fake.name_male())
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
    users = User.objects.bulk_create(rows)
    for person, user in zip(people, users, strict=True):
        person.user = user
    Resident.objects.bulk_create([*demo_people, *people])
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
