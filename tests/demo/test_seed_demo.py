"""seed_demo builds a believable border station, the same every time, through the services."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from itertools import combinations

import pytest
from django.core.management import call_command
from shapely.geometry import shape

from lianxin.cases.models import CartStop, Case, CaseEvent, Category, Channel, EventKind, Resolution, Status
from lianxin.core import pii
from lianxin.core.models import Partner, Role, Station, User
from lianxin.demo.base import DEMO_PASSWORD, DEMO_USERS, LOOKOUT_COUNT, SILVER_PATROL_SIZE, STATION_CODE
from lianxin.demo.places import grid_polygons
from lianxin.demo.seed import demo_reset
from lianxin.people.models import Resident, Team, TeamKind
from lianxin.places.geometry import grid_cache_clear, grid_id_for_point
from lianxin.places.models import Grid

NOW_TEXT = "2026-06-15T10:00+08:00"
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
TEST_SCALE = 0.05


def seed(*args: str, scale: float = TEST_SCALE) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, scale=scale, now=NOW_TEXT, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module (committed), and remove it all afterwards."""
    with django_db_blocker.unblock():
        grid_cache_clear()
        seed()
        yield Station.objects.get(code=STATION_CODE)
        demo_reset()
        grid_cache_clear()


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def test_grid_polygons_are_valid_and_do_not_overlap():
    polygons = [shape(p) for p in grid_polygons()]
    assert len(polygons) == 8
    assert all(p.is_valid and p.area > 0 for p in polygons)
    for a, b in combinations(polygons, 2):
        assert a.intersection(b).area == pytest.approx(0, abs=1e-12)
    # Strung along the river: each grid shares an edge with the next one.
    for a, b in zip(polygons, polygons[1:]):
        assert a.intersection(b).length > 0
    # On the Dandong bank of the Yalu (WGS84 lon, lat).
    for p in polygons:
        lon, lat = p.centroid.x, p.centroid.y
        assert 124.30 < lon < 124.50 and 40.05 < lat < 40.20


def test_seed_builds_grids_staff_and_teams(seeded):
    grids = list(Grid.objects.filter(station=seeded).select_related("police_chief").order_by("code"))
    assert len(grids) == 8
    for grid in grids:
        assert grid.police_chief.role == Role.COMMUNITY_OFFICER
        assert grid.members.filter(role=Role.GRID_MEMBER).count() >= 3
        assert Team.objects.filter(station=seeded, kind=TeamKind.GRID_TEAM, grid=grid).count() == 1
        centre = shape(grid.boundary).representative_point()
        assert grid_id_for_point(station_id=seeded.id, lat=centre.y, lon=centre.x) == grid.id
    # One sign-in user per role, all with the documented password.
    for username, role, _name, _partner in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.station_id == seeded.id and user.role == role
        assert user.check_password(DEMO_PASSWORD)
    assert {u.role for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])} == set(Role.values)
    assert User.objects.get(username="admin").is_superuser
    assert Grid.objects.get(code="g01", station=seeded).police_chief.username == "officer"
    assert User.objects.get(username="dept").partner.code == "env"
    # Everyone else has an unusable password.
    assert not User.objects.get(username="patrol001").has_usable_password()
    patrol = Team.objects.get(station=seeded, kind=TeamKind.PATROL)
    assert patrol.name == "舞动平安巡逻队"
    assert patrol.members.filter(role=Role.VOLUNTEER).count() == SILVER_PATROL_SIZE == 91
    # The tip line (tips app: the account anonymous tips are opened under) is a lookout nobody signs in as.
    lookouts = User.objects.filter(station=seeded, role=Role.LOOKOUT, is_active=True)
    assert lookouts.count() == LOOKOUT_COUNT == 694
    assert sum(t.members.count() for t in Team.objects.filter(station=seeded, kind=TeamKind.LOOKOUTS)) == 694
    assert Team.objects.filter(station=seeded, kind=TeamKind.BORDER_PATROL).get().members.count() > 0
    for kind in (TeamKind.DUTY_DESK, TeamKind.MEDIATION, TeamKind.ANTIFRAUD, TeamKind.REGISTRY):
        assert Team.objects.filter(station=seeded, kind=kind).get().members.exists()
    departments = set(Partner.objects.filter(station=seeded, kind="department").values_list("name", flat=True))
    assert any("生态环境局" in n for n in departments) and any("住房和城乡建设局" in n for n in departments)
    assert Partner.objects.filter(station=seeded, kind="bank").count() >= 3


def test_seed_people_have_valid_personal_data(seeded):
    residents = list(Resident.objects.filter(station=seeded))
    assert len(residents) > 100
    phones = [r.phone.reveal() for r in residents]
    assert len(set(phones)) == len(phones)
    for resident in residents:
        assert pii.validate(pii.KIND_PHONE, resident.phone.reveal())
        number = pii.validate(pii.KIND_ID_CARD, resident.id_number.reveal())  # checksum included
        assert number[6:14] == resident.born_on.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 0) == (resident.gender == Resident.Gender.FEMALE)
        assert resident.grid_id is not None and resident.address.startswith("丹东市")
    today = NOW.date()
    elders = [r for r in residents if r.is_elder_on(today)]
    assert len(elders) > len(residents) * 0.2
    assert any(r.is_living_alone for r in elders) and all(
        not r.is_living_alone for r in residents if not r.is_elder_on(today)
    )
    assert Resident.objects.filter(station=seeded, is_bedridden=True).exists()
    me = Resident.objects.get(user__username="resident")
    assert me.is_living_alone and me.grid.code == "g01"
    # Volunteers and lookouts are residents too.
    assert Resident.objects.filter(user__role=Role.LOOKOUT).count() == 694


def test_seed_catalogue_routes_noise_to_the_environment_bureau(seeded):
    categories = Category.objects.filter(station=seeded)
    assert categories.count() >= 20
    assert categories.filter(is_public_order=True).count() >= 3
    noise = categories.get(code="noise")
    assert noise.name == "噪声扰民" and noise.name_en == "Noise"
    assert "生态环境局" in noise.referral_partner.name
    assert categories.get(code="id-card").default_team.kind == TeamKind.REGISTRY
    assert all(c.sla_hours > 0 and c.name_en for c in categories)


def test_seed_history_looks_like_the_station(seeded):
    cases = Case.objects.filter(station=seeded)
    total = cases.count()
    assert total > 100
    assert set(cases.values_list("channel", flat=True)) == set(Channel.values)
    assert set(cases.values_list("category__code", flat=True)) == set(
        Category.objects.filter(station=seeded).values_list("code", flat=True)
    )
    # Every case has its timeline: opened and routed, times not before it opened.
    opened = Counter(
        CaseEvent.objects.filter(case__station=seeded, kind=EventKind.OPENED).values_list("case_id", flat=True)
    )
    assert len(opened) == total and set(opened.values()) == {1}
    assert not CaseEvent.objects.filter(case__station=seeded, at__gt=NOW).exists()
    assert CaseEvent.objects.filter(case__station=seeded, kind=EventKind.REFERRAL_REPLY).exists()
    assert cases.filter(opened_at__lt=NOW - dt.timedelta(days=700)).exists()
    # Most finished, a few open, some of those overdue.
    statuses = Counter(cases.values_list("status", flat=True))
    finished = statuses[Status.CLOSED] + statuses[Status.RESOLVED] + statuses[Status.REJECTED] + statuses[Status.MERGED]
    assert finished / total > 0.9
    assert 0 < sum(statuses[s] for s in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REFERRED))
    assert cases.filter(
        status__in=[Status.IN_PROGRESS, Status.REFERRED, Status.NEW, Status.ACCEPTED], due_at__lt=NOW
    ).exists()
    # Ratings mostly 4 or 5.
    ratings = list(cases.exclude(rating=None).values_list("rating", flat=True))
    assert ratings and sum(r >= 4 for r in ratings) / len(ratings) > 0.9
    # The cart: outings with contacts, most solved on the spot.
    assert CartStop.objects.filter(station=seeded).count() >= 10
    cart = cases.filter(channel=Channel.SERVICE_CART)
    assert cart.filter(resolution=Resolution.ON_THE_SPOT, status=Status.CLOSED).count() > cart.count() / 2
    assert not cart.filter(cart_stop=None).exists()
    # The demo resident can see a closed rated request, one awaiting a rating and a new one.
    mine = cases.filter(reporter_user__username="resident")
    assert {c.status for c in mine} >= {Status.CLOSED, Status.RESOLVED, Status.NEW}
    assert mine.filter(rating=5).exists()


def test_seed_public_order_incidents_fall_year_on_year(seeded):
    incidents = Case.objects.filter(station=seeded, is_public_order=True)
    year_ago = NOW - dt.timedelta(days=365)
    first = incidents.filter(opened_at__gte=NOW - dt.timedelta(days=730), opened_at__lt=year_ago).count()
    second = incidents.filter(opened_at__gte=year_ago).count()
    assert first > 0
    assert 0.5 <= 1 - second / first <= 0.75  # the station's own figure is -62%


def test_seed_is_idempotent_and_reset_rebuilds_the_same(seeded):
    def counts():
        return {
            model.__name__: model.objects.count()
            for model in (Station, User, Grid, Team, Resident, Category, Case, CaseEvent, CartStop, Partner)
        }

    first = counts()
    names = list(Resident.objects.order_by("id").values_list("name", flat=True)[:50])
    numbers = list(
        Case.objects.order_by("opened_at", "id").values_list("number", "channel", "category__code", "status")
    )
    assert "already loaded" in seed()
    assert counts() == first
    grid_cache_clear()
    seed("--reset")
    grid_cache_clear()
    assert counts() == first
    assert list(Resident.objects.order_by("id").values_list("name", flat=True)[:50]) == names
    assert (
        list(Case.objects.order_by("opened_at", "id").values_list("number", "channel", "category__code", "status"))
        == numbers
    )


def test_the_demo_day_is_believable_with_something_in_every_inbox(seeded):
    from lianxin.cases.models import OPEN_STATUSES, Referral
    from lianxin.cases.selectors import CaseFilters, case_list_for, referral_inbox_for
    from lianxin.core.models import User

    open_cases = list(Case.objects.filter(station=seeded, status__in=OPEN_STATUSES))
    overdue = [c for c in open_cases if c.is_overdue_at(NOW)]
    # A few overdue, most on time.

    assert 0 < len(overdue) < 0.4 * len(open_cases)

    def waiting(username: str) -> int:
        user = User.objects.get(username=username)
        return case_list_for(user=user, filters=CaseFilters(box="open"), now=NOW).count()

    for username in ("mediator", "lawyer", "volunteer", "lookout", "bank", "officer", "chief"):
        assert waiting(username) > 0, username
    dept = User.objects.get(username="dept")
    assert referral_inbox_for(user=dept).filter(state=Referral.State.SENT).exists()


def test_the_demo_shows_the_police_bank_channel_at_work(seeded):
    from lianxin.antifraud.models import FraudLoss, FundTrace, LossStatus, RequestStatus
    from lianxin.antifraud.selectors import bank_inbox_for, loss_clock, requests_needing_attention
    from lianxin.demo.antifraud_bank import FARMER_ACCOUNT, STORY_FEN

    story = FraudLoss.objects.get(station=seeded, transfers__txn_ref="ICBC0001")
    assert story.status == LossStatus.SETTLED and story.refunded_fen == STORY_FEN == story.total_fen
    trace = FundTrace.objects.filter(loss=story).earliest("created_at")  # the first, the story's own
    farmer = next(r for r in trace.result["accounts"] if r["account"] == FARMER_ACCOUNT)
    assert farmer["level"] == 2 and farmer["bank"] == "建设银行"
    held = {m.key: m.seconds for m in loss_clock(loss=story)}
    assert held["first_held"] < held["first_trace"] < 2 * 3600  # money held within the "two hours"
    assert sum(story.requests.values_list("held_fen", flat=True)) == STORY_FEN
    bank = User.objects.get(username="bank")
    waiting = list(bank_inbox_for(user=bank))
    assert waiting and all(not r.is_answer_overdue(NOW) for r in waiting)
    officer = User.objects.get(username="officer")
    attention = requests_needing_attention(user=officer, now=NOW)
    assert any(r.status == RequestStatus.SENT and r.is_answer_overdue(NOW) for r in attention)
    assert len(attention) < 5
    joint = FundTrace.objects.filter(loss=story, other_losses__isnull=False).get()  # two parents traced together
    second = joint.other_losses.get()
    assert second.status == LossStatus.SETTLED and second.refunds.get().trace == joint
    assert len({r.loss_id for r in joint.refunds.all()}) == 2
    closed = set(
        FraudLoss.objects.filter(station=seeded).exclude(status=LossStatus.OPEN).values_list("status", flat=True)
    )
    assert closed == {LossStatus.SETTLED, LossStatus.WRITTEN_OFF}  # history: returned, and written off


def test_the_demo_rosters_show_a_night_shift_needing_a_buddy_to_the_volunteer(seeded):
    from lianxin.patrols.models import NoticeKind, Shift, ShiftNotice, ShiftStatus
    from lianxin.patrols.selectors import roster_for, roster_teams_for

    volunteer = User.objects.get(username="volunteer")
    silver = Team.objects.get(station=seeded, kind=TeamKind.PATROL)
    border = Team.objects.get(station=seeded, kind=TeamKind.BORDER_PATROL)
    assert silver in roster_teams_for(user=volunteer)
    rows = roster_for(user=volunteer, team=silver, now=NOW)
    assert any(r.needs_buddy and r.is_mine for r in rows)
    assert any(r.shift.status == ShiftStatus.CALLED_OFF_HEAT for r in rows)  # June: a heat wave
    told = set(ShiftNotice.objects.filter(user=volunteer).values_list("kind", flat=True))
    assert {NoticeKind.ALONE, NoticeKind.CALLED_OFF} <= told
    assert Shift.objects.filter(team=border, segment__isnull=False).exists()
    assert Shift.objects.filter(team=border, signups__isnull=False).exists()


def test_the_demo_shows_the_lookout_network_and_a_tip_photo_without_exif(seeded):
    from django.core.files.storage import default_storage
    from PIL import Image

    from lianxin.tips.coverage import coverage_for
    from lianxin.tips.models import Beat, TipPhoto, TradePost

    assert TradePost.objects.filter(station=seeded).count() >= 6
    assert Beat.objects.filter(post__station=seeded, weekdays="24", month_days="15").exists()  # the meter route
    picture = coverage_for(user=User.objects.get(username="chief"))
    statuses = {g.code: picture.coverage.grids[g.pk].status for g in picture.grids}
    assert statuses["g01"] == "covered" and statuses["g07"] == statuses["g08"] == "gap"
    assert "partial" in statuses.values()
    photo = TipPhoto.objects.get(tip__source_user__username="lookout")
    with default_storage.open(photo.image.name, "rb") as handle, Image.open(handle) as image:
        assert not image.getexif() and image.format == "JPEG"


def test_the_demo_plays_one_video_from_its_own_file_and_keeps_the_others_as_links(seeded, client):
    from django.core.files.storage import default_storage

    from lianxin.antifraud.models import Campaign
    from lianxin.antifraud.services.campaigns import video_kind_of

    videos = list(Campaign.objects.filter(station=seeded, kind="video").order_by("id"))
    with_file = [v for v in videos if v.video]
    assert len(with_file) == 1 and all(v.link for v in videos if not v.video)
    with default_storage.open(with_file[0].video.name) as handle:
        assert video_kind_of(handle.read(512)) == ("video/webm", "webm")
    answer = client.get(f"/fraud/v/{with_file[0].pk}/file", headers={"Range": "bytes=0-99"})
    assert answer.status_code == 206 and len(b"".join(answer)) == 100
