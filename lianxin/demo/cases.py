"""The demo station's two years of case history, and today's work waiting in the inboxes.

Every case is opened and worked through cases.services with an explicit `now`, so
its timeline (opened, routed, assigned, notes, referrals and replies, transitions,
ratings) is real event rows with real times. The history is shaped like the
station's own account: most requests resolved and closed, a few open and overdue,
ratings mostly 4–5 (about 98% satisfied), cart outings with contacts solved on
the spot, and public-order incidents (治安案件) falling by about 62% from the first
year to the second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from shapely.geometry import shape

from lianxin.cases.models import Case, Channel, Resolution, Status
from lianxin.cases.services import (
    cart_contact_record,
    cart_stop_end,
    cart_stop_start,
    case_assign,
    case_note,
    case_open,
    case_rate,
    case_transition,
    cases_delete_for_station,
    referral_reply,
)
from lianxin.core.models import Station, User
from lianxin.demo.base import Demo
from lianxin.demo.catalogue import CATALOGUE, CHANNEL_CATEGORIES, catalogue_create
from lianxin.places.layout import random_point_in as point_in

HISTORY_DAYS = 730
DAY_SECONDS = 86400
# Cases per year at full scale, besides the service cart.
CASES_PER_YEAR_AT_FULL_SCALE = 750
PUBLIC_ORDER_FIRST_YEAR_AT_FULL_SCALE = 160
PUBLIC_ORDER_SECOND_YEAR_SHARE = 0.38  # a 62% fall year on year
CART_OUTINGS_PER_WEEK = 1
CART_CONTACTS_PER_OUTING = (2, 5)
CART_ON_THE_SPOT_SHARE = 0.8
OUTSIDE_GRID_SHARE = 0.05
REJECTED_SHARE = 0.012
MERGED_SHARE = 0.004
LATE_SHARE = 0.05
ACCEPTED_FIRST_SHARE = 0.4  # the others go straight to "in progress"
STUCK_SHARE = 0.01  # of the last two months' cases: left in progress, so overdue now (a few, not a wall)
STUCK_AT_LEAST = 3
FRESH_DAYS = 10
FRESH_UNTOUCHED_SHARE = 0.5  # of the last ten days' cases: still new, waiting in the inboxes
FRESH_UNTOUCHED_SLA_SHARE = 0.7  # ...if no more than this share of their service level has passed
RATED_SHARE = 0.85  # of resolved cases whose reporter signed in
CASEWORKER_CLOSES_SHARE = 0.5  # of the others; the rest wait for the auto-close sweep
AUTO_CLOSE_DAYS = 7
# Ratings 5..1: about 98% give 4 or 5.
RATING_WEIGHTS = {5: 84, 4: 14, 3: 1.2, 2: 0.5, 1: 0.3}

# Where residents bring requests from, at full scale per year (the cart is separate).
CHANNEL_WEIGHTS = {
    Channel.ONLINE: 24,
    Channel.HOTLINE: 18,
    Channel.WALK_IN: 16,
    Channel.LOOKOUT_TIP: 10,
    Channel.PATROL_FINDING: 7,
    Channel.COUNCIL: 6,
    Channel.DEVICE_ALARM: 4,
    Channel.FRAUD_SCREENING: 5,
    Channel.OPEN311: 4,
    Channel.BANK_ALERT: 2,
    Channel.REFERRAL_IN: 2,
}

CART_CATEGORIES = (
    "id-card",
    "household-registration",
    "residence-permit",
    "certificate",
    "fraud-consult",
    "legal-consult",
    "neighbour-dispute",
    "suggestion",
)
CART_PLACES = (
    "江边公园广场",
    "锦江山公园门口",
    "站前广场",
    "滨江中路早市",
    "帽盔山社区文化广场",
    "月亮岛",
    "花园小区门口",
)
RESOLUTION_BY_GROUP = {
    "户政": Resolution.SERVICE_DONE,
    "纠纷": Resolution.MEDIATED,
    "法律": Resolution.ADVICE_GIVEN,
    "反诈": Resolution.ADVICE_GIVEN,
    "治安案件": Resolution.HANDLED_AS_INCIDENT,
}
RATING_COMMENTS = {
    5: ("民警很耐心，办得很快", "非常满意，谢谢", "服务很好，给你们点赞", ""),
    4: ("挺好的，就是等的时间有点长", "满意", ""),
    3: ("还行吧",),
    2: ("处理得太慢了",),
    1: ("问题没有真正解决",),
}


def reset(station: Station) -> None:
    cases_delete_for_station(station=station)


def seed(demo: Demo) -> None:
    catalogue_create(demo)
    if demo.with_cases:
        history_create(demo)


@dataclass
class Plan:
    """One case to open: when, how and what; the fate decides how far it is worked."""

    at: dt.datetime
    channel: str
    code: str  # "" for a cart outing
    fate: str = "normal"  # normal | rejected | merged | stuck | rated | resolved (awaits a rating) | new | waiting
    reporter_user: User | None = None  # a resident who files online; None picks one at random
    actor: User | None = None  # who files it (a lookout's tip, a patrol finding, a bank alert); None: at random
    assignee: User | None = None  # for fate "waiting": in progress with this person today


class History:
    """Opens and works the demo cases in time order; one instance per seed."""

    def __init__(self, demo: Demo):
        self.demo = demo
        self.rng = demo.rng
        self.now = demo.now
        # Midnight UTC, so that _moment's hour offsets land on the intended local hours whatever time it is now.
        self.start = (
            (demo.now - dt.timedelta(days=HISTORY_DAYS))
            .astimezone(dt.UTC)
            .replace(hour=0, minute=0, second=0, microsecond=0)
        )
        self.shapes = {g.id: shape(g.boundary) for g in demo.grids}
        self.by_group = {spec[0]: spec for spec in CATALOGUE}
        self.elders_alone = [r for r in demo.residents if r.is_living_alone] or demo.residents
        self.previous: Case | None = None

    # -- planning -------------------------------------------------------------------------------------------------

    def _moment(self, day_from: float, day_to: float) -> dt.datetime:
        """Return a random time between two day offsets from the start, mostly in local daytime (UTC+8)."""
        day = int(self.rng.uniform(day_from, day_to))
        local_hour = self.rng.choices(
            range(24), weights=[1, 1, 1, 1, 1, 2, 4, 7, 10, 10, 10, 9, 7, 8, 9, 9, 9, 8, 7, 6, 5, 4, 2, 1]
        )[0]
        seconds = day * DAY_SECONDS + (local_hour - 8) * 3600 + self.rng.randrange(3600)
        return self.start + dt.timedelta(seconds=seconds)

    def plans(self) -> list[Plan]:
        scale, rng = self.demo.scale, self.rng
        regular = [c for c in CATALOGUE if not c[5]]
        public_order = [c for c in CATALOGUE if c[5]]
        plans = []
        per_year = round(CASES_PER_YEAR_AT_FULL_SCALE * scale)
        po_first = max(5, round(PUBLIC_ORDER_FIRST_YEAR_AT_FULL_SCALE * scale))
        po_counts = (po_first, round(po_first * PUBLIC_ORDER_SECOND_YEAR_SHARE))
        channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
        for year in (0, 1):
            # Every channel and every category at least once a year, whatever the scale.
            for code in (c[0] for c in regular):
                plans.append(Plan(self._moment(year * 365, year * 365 + 365), Channel.WALK_IN, code))
            extra = rng.choices(channels, weights=channel_weights, k=max(0, per_year - len(regular) - len(channels)))
            for channel in [*channels, *extra]:
                allowed = CHANNEL_CATEGORIES.get(channel)
                specs = [c for c in regular if allowed is None or c[0] in allowed]
                code = rng.choices([c[0] for c in specs], weights=[c[8] for c in specs])[0]
                plans.append(Plan(self._moment(year * 365, year * 365 + 365), channel, code))
            po_codes = [c[0] for c in public_order] if year == 0 else []
            po_codes += rng.choices(
                [c[0] for c in public_order],
                weights=[c[8] for c in public_order],
                k=max(0, po_counts[year] - len(po_codes)),
            )
            for code in po_codes:
                channel = rng.choices(
                    (Channel.HOTLINE, Channel.WALK_IN, Channel.ONLINE, Channel.LOOKOUT_TIP, Channel.PATROL_FINDING),
                    weights=(50, 15, 10, 15, 10),
                )[0]
                plans.append(Plan(self._moment(year * 365, year * 365 + 365), channel, code))
        for plan in plans:
            age_days = (self.now - plan.at).total_seconds() / DAY_SECONDS
            roll = rng.random()
            if roll < REJECTED_SHARE:
                plan.fate = "rejected"
            elif roll < REJECTED_SHARE + MERGED_SHARE:
                plan.fate = "merged"
            elif age_days < 60 and rng.random() < STUCK_SHARE:
                plan.fate = "stuck"
            elif (
                age_days < FRESH_DAYS
                and rng.random() < FRESH_UNTOUCHED_SHARE
                and age_days * 24 < FRESH_UNTOUCHED_SLA_SHARE * self.demo.categories[plan.code].sla_hours
            ):
                # Still new only while it is still within its service level: a believable inbox.
                plan.fate = "new"
        # Whatever the scale, a few cases from the last two months are still in progress: overdue now.
        recent = [p for p in plans if FRESH_DAYS < (self.now - p.at).days < 60 and p.fate == "normal"]
        for plan in rng.sample(recent, min(len(recent), STUCK_AT_LEAST)):
            plan.fate = "stuck"
        # The demo resident's own requests: one closed with a rating, one awaiting it, one new.
        user = self.demo.users["resident"]
        plans += [
            Plan(self.now - dt.timedelta(days=days_ago), Channel.ONLINE, code, fate, reporter_user=user)
            for days_ago, code, fate in ((40, "id-card", "rated"), (5, "noise", "resolved"), (0.3, "suggestion", "new"))
        ]
        plans += self._todays_work()
        weeks = round(HISTORY_DAYS / 7 * CART_OUTINGS_PER_WEEK * min(1.0, scale * 4))
        span_days = HISTORY_DAYS / weeks
        plans += [
            Plan(self._moment(w * span_days, (w + 1) * span_days), Channel.SERVICE_CART, "") for w in range(weeks)
        ]
        plans = [p for p in plans if p.at + dt.timedelta(hours=3) < self.now]
        plans.sort(key=lambda p: p.at)
        return plans

    def _todays_work(self) -> list[Plan]:
        """Something waiting in every demo role's inbox this working day (hours ago, within service levels)."""
        u = self.demo.users
        hours = dt.timedelta(hours=1)
        return [
            # A noise complaint referred this morning: the environment bureau's liaison has it waiting.
            Plan(self.now - 5 * hours, Channel.ONLINE, "noise", "new", reporter_user=u["resident"]),
            Plan(self.now - 26 * hours, Channel.WALK_IN, "neighbour-dispute", "waiting", assignee=u["mediator"]),
            Plan(self.now - 6 * hours, Channel.HOTLINE, "legal-consult", "waiting", assignee=u["lawyer"]),
            Plan(self.now - 4 * hours, Channel.PATROL_FINDING, "fire-hazard", "new", actor=u["volunteer"]),
            Plan(self.now - 7 * hours, Channel.LOOKOUT_TIP, "help", "new", actor=u["lookout"]),
            Plan(self.now - 3.3 * hours, Channel.BANK_ALERT, "fraud-report", "new", actor=u["bank"]),
        ]

    # -- people ---------------------------------------------------------------------------------------------------

    def _location(self, grid=None) -> tuple[float | None, float | None, str]:
        """Return (lat, lon, address): inside grid (or a random grid), sometimes outside every grid."""
        demo, rng = self.demo, self.rng
        if grid is None and rng.random() < OUTSIDE_GRID_SHARE:
            # Along the riverside road downstream of the station's grids: the duty desk's.
            return round(40.0700 + rng.random() * 0.01, 6), round(124.3050 + rng.random() * 0.02, 6), "丹东市浪头港区"
        grid = grid or rng.choice(demo.grids)
        lat, lon = point_in(self.shapes[grid.id], rng)
        street = rng.choice(demo.grid_streets[grid.id])
        return lat, lon, f"丹东市振兴区{street}{rng.randrange(1, 180)}号附近"

    def _worker_for(self, case: Case, code: str):
        """Return who works case: registry cases the registry window, else the grid's chief, else the desk."""
        demo, rng = self.demo, self.rng
        if self.by_group[code][3] == "户政":
            return rng.choice(demo.registry_staff)
        if case.grid_id is not None:
            return demo.chiefs[case.grid_id]
        if self.by_group[code][3] == "反诈":
            return rng.choice(demo.antifraud_staff)
        return rng.choice(demo.duty_staff)

    # -- opening --------------------------------------------------------------------------------------------------

    def open(self, plan: Plan) -> Case:
        """Open plan's case through case_open with the actor its channel implies."""
        demo, rng = self.demo, self.rng
        category = demo.categories[plan.code]
        description = rng.choice(self.by_group[plan.code][9])
        kw: dict = {}
        actor: User | None = None
        if plan.channel in (Channel.ONLINE, Channel.OPEN311):
            actor = plan.reporter_user or rng.choice(demo.resident_users)
            if plan.channel == Channel.OPEN311 and rng.random() < 0.5:
                actor = None  # an anonymous Open311 client
            resident = getattr(actor, "resident", None) if actor is not None else None
            lat, lon, address = self._location(resident.grid if resident is not None else None)
        elif plan.channel == Channel.LOOKOUT_TIP:
            actor = plan.actor or rng.choice(demo.lookouts)
            lat, lon, address = self._location()
            kw["is_anonymous"] = rng.random() < 0.2
        elif plan.channel == Channel.PATROL_FINDING:
            actor = plan.actor or rng.choice(demo.patrollers)
            lat, lon, address = self._location()
        elif plan.channel == Channel.BANK_ALERT:
            actor = plan.actor or demo.liaisons[rng.choice(("icbc", "ccb", "abc", "bankofdandong"))]
            lat, lon, address = None, None, ""
        elif plan.channel == Channel.REFERRAL_IN:
            actor = demo.liaisons[rng.choice(("civil", "hrss", "housing"))]
            lat, lon, address = self._location()
        else:
            reporter = rng.choice(demo.residents)
            if plan.channel == Channel.DEVICE_ALARM:
                reporter = rng.choice(self.elders_alone)
            actor = rng.choice(
                demo.antifraud_staff
                if plan.channel == Channel.FRAUD_SCREENING
                else [*demo.duty_staff, *demo.chiefs.values()]
            )
            kw.update(
                reporter=reporter,
                contact_name=reporter.name,
                contact_phone=reporter.phone.reveal() if reporter.phone else "",
            )
            lat, lon, address = (
                (None, None, reporter.address)
                if plan.channel == Channel.HOTLINE and rng.random() < 0.4
                else self._location(reporter.grid)
            )
        if plan.code in ("neighbour-dispute", "family-dispute") and rng.random() < 0.5:
            kw["subjects"] = rng.sample(demo.residents[:300], 2)
        return case_open(
            station=demo.station,
            actor=actor,
            channel=plan.channel,
            category=category,
            description=description,
            lat=lat,
            lon=lon,
            address=address,
            priority=3 if category.sla_hours <= 12 else 2,
            now=plan.at,
            **kw,
        )

    # -- working --------------------------------------------------------------------------------------------------

    def _step(self, at: dt.datetime, low_minutes: float, high_minutes: float) -> dt.datetime:
        return at + dt.timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    def work(self, case: Case, plan: Plan) -> Case:
        """Work case from its opening as far as its fate and `now` allow; return it as it ends."""
        rng, now = self.rng, self.now
        code = plan.code
        worker = self._worker_for(case, code)
        t = self._step(plan.at, 5, 120)
        if plan.fate == "new" or t >= now:
            return case
        if plan.fate == "waiting" and plan.assignee is not None:
            # Today's work in someone's hands: a mediator's dispute, a lawyer's consultation.
            case_assign(case=case, actor=self.demo.users["chief"], assignee=plan.assignee, now=t)
            return case_transition(case=case, actor=self.demo.users["chief"], to_status=Status.IN_PROGRESS, now=t)
        if plan.fate == "rejected" and case.status != Status.REFERRED:
            return case_transition(
                case=case,
                actor=worker,
                to_status=Status.REJECTED,
                now=t,
                reason=rng.choice(("不属于公安机关管辖，已告知当事人向相关部门反映", "信息不实，经核实无此情况")),
            )
        if (
            plan.fate == "merged"
            and self.previous is not None
            and self.previous.status != Status.MERGED
            and case.status != Status.REFERRED
        ):
            return case_transition(
                case=case,
                actor=self.demo.chiefs.get(case.grid_id or 0, self.demo.users["chief"]),
                to_status=Status.MERGED,
                merge_into=self.previous,
                now=t,
            )
        was_referred = case.status == Status.REFERRED
        if was_referred:
            replied_at = self._referral_replied(case, t)
            if replied_at is None:
                return case
            t = replied_at
        else:
            if rng.random() < ACCEPTED_FIRST_SHARE:
                case = case_transition(case=case, actor=worker, to_status=Status.ACCEPTED, now=t)
            if rng.random() < 0.4 and case.grid_id is not None and self.demo.grid_members.get(case.grid_id):
                case_assign(
                    case=case,
                    actor=worker,
                    assignee=rng.choice(self.demo.grid_members[case.grid_id]),
                    now=self._step(t, 1, 10),
                )
            elif rng.random() < 0.5:
                case_assign(case=case, actor=worker, assignee=worker, now=self._step(t, 1, 10))
            t = self._step(t, 15, 360)
            if t >= now:
                return case
            case = case_transition(case=case, actor=worker, to_status=Status.IN_PROGRESS, now=t)
            if rng.random() < 0.15:
                case_note(case=case, actor=worker, text="已电话联系当事人，了解具体情况", now=self._step(t, 1, 30))
            if plan.fate == "stuck":
                return case
        sla_minutes = self.demo.categories[code].sla_hours * 60
        late = rng.random() < LATE_SHARE
        t = max(
            t,
            plan.at
            + dt.timedelta(
                minutes=sla_minutes * rng.uniform(1.05, 2.0) if late else sla_minutes * rng.uniform(0.05, 0.9)
            ),
        )
        if t >= now:
            return case
        group = self.by_group[code][3]
        resolution = (
            Resolution.REFERRED
            if was_referred
            else RESOLUTION_BY_GROUP.get(
                group, rng.choice((Resolution.RESOLVED_LOCALLY, Resolution.RESOLVED_LOCALLY, Resolution.ADVICE_GIVEN))
            )
        )
        case = case_transition(
            case=case,
            actor=worker,
            to_status=Status.RESOLVED,
            resolution=resolution,
            now=t,
            note=rng.choice(("已处理完毕", "已现场处置并告知当事人", "已协调解决，当事人表示认可")),
        )
        return self.finish(
            case, worker, resolved_at=t, must_rate=plan.fate == "rated", keep_resolved=plan.fate == "resolved"
        )

    def _referral_replied(self, case: Case, t: dt.datetime) -> dt.datetime | None:
        """Let the department reply to the case's referral; return when, or None if not yet."""
        referral = case.referrals.select_related("partner").first()
        if referral is None:
            return None
        reply_at = referral.sent_at + dt.timedelta(hours=referral.partner.reply_hours * self.rng.uniform(0.2, 1.2))
        if reply_at >= self.now:
            return None
        liaison = self.demo.liaisons.get(referral.partner.code)
        if liaison is None:
            return None
        referral_reply(
            referral=referral,
            actor=liaison,
            now=reply_at,
            reply=self.rng.choice(
                ("已派执法人员到现场核查，责令整改", "已立案调查，将依法处理", "已约谈相关负责人，问题已整改")
            ),
        )
        return reply_at

    def finish(
        self, case: Case, worker, *, resolved_at: dt.datetime, must_rate: bool = False, keep_resolved: bool = False
    ) -> Case:
        """After resolving: the reporter rates it, a caseworker closes it, or the sweep would."""
        rng, now = self.rng, self.now
        if keep_resolved:
            return case
        if case.reporter_user is not None and (must_rate or rng.random() < RATED_SHARE):
            rated_at = self._step(resolved_at, 30, 3 * 24 * 60)
            if rated_at >= now:
                return case
            rating = 5 if must_rate else rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
            return case_rate(
                case=case,
                actor=case.reporter_user,
                rating=rating,
                comment=rng.choice(RATING_COMMENTS[rating]),
                now=rated_at,
            )
        if case.reporter_user_id is None and rng.random() < CASEWORKER_CLOSES_SHARE:
            closed_at = self._step(resolved_at, 10, 24 * 60)
            if closed_at >= now:
                return case
            return case_transition(case=case, actor=worker, to_status=Status.CLOSED, now=closed_at)
        # What the worker's auto-close sweep (cases.services.cases_auto_close) would have done.
        closed_at = resolved_at + dt.timedelta(days=AUTO_CLOSE_DAYS, minutes=rng.uniform(1, 60))
        if closed_at >= now:
            return case
        return case_transition(
            case=case,
            actor=None,
            to_status=Status.CLOSED,
            now=closed_at,
            note=_("Closed automatically after waiting for a rating."),
        )

    # -- the service cart -----------------------------------------------------------------------------------------

    def cart_outing(self, plan: Plan) -> None:
        """Run one outing of the cart: a stop in a grid, a few contacts, most solved on the spot."""
        demo, rng = self.demo, self.rng
        grid = rng.choice(demo.grids)
        officer = demo.chiefs[grid.id]
        lat, lon = point_in(self.shapes[grid.id], rng)
        stop = cart_stop_start(actor=officer, place=rng.choice(CART_PLACES), lat=lat, lon=lon, now=plan.at)
        t = plan.at
        for _contact in range(rng.randint(*CART_CONTACTS_PER_OUTING)):
            t = self._step(t, 5, 25)
            code = rng.choice(CART_CATEGORIES)
            resident = rng.choice(demo.residents)
            on_the_spot = rng.random() < CART_ON_THE_SPOT_SHARE
            group_size = rng.choice((1, 1, 1, 2, 3)) if code != "fraud-consult" else rng.randint(5, 40)
            case = cart_contact_record(
                actor=officer,
                category=demo.categories[code],
                stop=stop,
                now=t,
                description=rng.choice(self.by_group[code][9]),
                solved_on_the_spot=on_the_spot,
                contact_name=resident.name,
                contact_phone=resident.phone.reveal() if resident.phone else "",
                people_served=group_size,
            )
            if not on_the_spot:
                self.work(case, Plan(t, Channel.SERVICE_CART, code))
        cart_stop_end(stop=stop, actor=officer, now=self._step(t, 20, 60))


def history_create(demo: Demo) -> None:
    """Open and work two years of cases (and cart outings) in time order."""
    history = History(demo)
    for plan in history.plans():
        if plan.channel == Channel.SERVICE_CART:
            history.cart_outing(plan)
        else:
            history.previous = history.work(history.open(plan), plan)
