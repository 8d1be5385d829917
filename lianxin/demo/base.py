"""The demo station: a border-town police station on the Yalu river; the handles and helpers every part shares.

`lianxin.demo.seed.demo_seed` builds, in one transaction, a station (连心边境派出所) on the Dandong
riverfront with eight community grids along the bank, its staff (one sign-in user
per role with the documented DEMO_PASSWORD), partner departments and banks, a
category catalogue, residents with valid personal data, the silver-hair patrol
(91) and the safety lookouts (694) as users and teams, and then two years of cases
(lianxin.demo.cases, drawn from the catalogue in lianxin.demo.catalogue) opened and
worked through cases.services so every case has its timeline.

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
from faker import Faker

from lianxin.core import pii
from lianxin.core.models import Partner, PartnerKind, Role, Station, User
from lianxin.people.models import Resident, Team

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
    with_cases: bool = True
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


def birth_date(rng: random.Random, today: dt.date, *, min_age: int, max_age: int) -> dt.date:
    age_days = rng.randrange(min_age * 365 + 1, max_age * 365 + 1)
    return today - dt.timedelta(days=age_days)


def demo_user(
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
