"""Every read of cases that depends on who asks. The only place a user becomes a filter.

A case outside the asker's scope does not exist for them: case_get_for raises Http404.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from lianxin.cases.models import (
    DUE_SOON_HOURS,
    OPEN_STATUSES,
    CartStop,
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Referral,
    Status,
)
from lianxin.cases.transitions import RATEABLE, TRANSITION_ROLES, allowed_from
from lianxin.core import pii
from lianxin.core.models import Partner, Role, User
from lianxin.core.roles import CASEWORKER_ROLES, GRID_ROLES, STATION_WIDE_ROLES, SUPERVISOR_ROLES, has_role
from lianxin.people.models import TeamMembership
from lianxin.places.selectors import grid_ids_owned_by

CASE_NUMBER_RE = re.compile(r"^LX-\d{4}-\d{1,6}$", re.IGNORECASE)
MOBILE_SEARCH_RE = re.compile(r"^\+?[\d\s-]{11,16}$")

TOKEN_MAX_CHARS = 64
# The partners' own report channels, whose forms list only their categories.
REPORTER_CHANNELS = frozenset(
    {Channel.PATROL_FINDING, Channel.LOOKOUT_TIP, Channel.BANK_ALERT, Channel.REFERRAL_IN, Channel.DEVICE_ALARM}
)
# Roles that see a station's restricted cases whatever their grid (see Case.is_restricted).
RESTRICTED_READER_ROLES = frozenset({Role.STATION_CHIEF})
INBOX_BOXES = ("all", "mine", "grid", "overdue", "due_soon", "unassigned", "open")


def case_scope_q(user: User) -> Q | None:
    """Return the filter of cases user may see, or None for no case at all."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser and user.station_id is None:
        return Q()
    station = Q(station_id=user.station_id)
    if user.is_superuser or user.role in RESTRICTED_READER_ROLES:
        return station
    # Whoever opened a case always sees it and its number (a cart contact outside the officer's
    # grid, a patrol finding, a tip). CaseEvent.actor is indexed as a foreign key.
    opened_by_me = CaseEvent.objects.filter(kind=EventKind.OPENED, actor_id=user.pk).values("case_id")
    own = Q(assignee_id=user.pk) | Q(reporter_user_id=user.pk) | Q(id__in=opened_by_me)
    # A restricted case: besides the chief, only its own people and the officer leading its grid.
    led = Q(grid_id__in=grid_ids_owned_by(user=user)) if user.role == Role.COMMUNITY_OFFICER else Q(pk__in=[])
    unrestricted = Q(is_restricted=False) | own | led
    if has_role(user, STATION_WIDE_ROLES):
        return station & unrestricted
    if user.role in GRID_ROLES:
        team_ids = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
        return station & (Q(grid_id__in=grid_ids_owned_by(user=user)) | Q(team_id__in=team_ids) | own) & unrestricted
    if user.role == Role.DEPARTMENT_LIAISON and user.partner_id:
        referred = Referral.objects.filter(partner_id=user.partner_id).values("case_id")
        return station & (Q(id__in=referred) | own)
    return station & own


def case_base_for(*, user: User) -> QuerySet[Case]:
    """Return all cases user may see, with what lists need joined in."""
    scope = case_scope_q(user)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(scope).select_related("category", "grid", "assignee", "team", "reporter")


@dataclass(frozen=True)
class CaseFilters:
    box: str = "all"
    status: str = ""
    category: str = ""
    channel: str = ""
    grid: int | None = None
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    q: str = ""


def case_list_for(*, user: User, filters: CaseFilters | None = None, now: dt.datetime | None = None) -> QuerySet[Case]:
    """Return user's cases for an inbox box and filters, newest first.

    Boxes: mine (assigned to me), grid (my grids), overdue, due_soon (within
    DUE_SOON_HOURS), unassigned, open, all. Search q matches a case number, an exact
    mobile number (through its keyed digest), or part of a name.
    """
    filters = filters or CaseFilters()
    now = now or timezone.now()
    cases = case_base_for(user=user)
    box = filters.box if filters.box in INBOX_BOXES else "all"
    if box == "mine":
        cases = cases.filter(assignee_id=user.pk)
    elif box == "grid":
        cases = cases.filter(grid_id__in=grid_ids_owned_by(user=user))
    elif box == "overdue":
        cases = cases.filter(status__in=OPEN_STATUSES, clock_paused_at__isnull=True, due_at__lt=now)
    elif box == "due_soon":
        cases = cases.filter(
            status__in=OPEN_STATUSES,
            clock_paused_at__isnull=True,
            due_at__gte=now,
            due_at__lt=now + dt.timedelta(hours=DUE_SOON_HOURS),
        )
    elif box == "unassigned":
        cases = cases.filter(status__in=OPEN_STATUSES, assignee__isnull=True)
    elif box == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.category:
        cases = cases.filter(category__code=filters.category)
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.grid:
        cases = cases.filter(grid_id=filters.grid)
    if filters.opened_from:
        cases = cases.filter(opened_at__date__gte=filters.opened_from)
    if filters.opened_to:
        cases = cases.filter(opened_at__date__lte=filters.opened_to)
    q = (filters.q or "").strip()
    if q:
        cases = cases.filter(_search_q(user, q))
    return cases.order_by("-opened_at", "-id")


def _search_q(user: User, q: str) -> Q:
    if CASE_NUMBER_RE.match(q):
        return Q(number__iexact=q)
    token = pii.search_token_digest(q)
    if token is not None:
        if not has_role(user, CASEWORKER_ROLES) or token[0] != pii.KIND_PHONE:
            return Q(pk__in=[])
        return Q(contact_phone_digest=token[1]) | Q(reporter__phone_digest=token[1])
    if MOBILE_SEARCH_RE.match(q) and has_role(user, CASEWORKER_ROLES):
        try:
            pii.validate(pii.KIND_PHONE, q)
        except Exception:
            pass
        else:
            phone_digests = pii.digests(pii.KIND_PHONE, q)
            return Q(contact_phone_digest__in=phone_digests) | Q(reporter__phone_digest__in=phone_digests)
    by_text = Q(number__icontains=q) | Q(title__icontains=q)
    if has_role(user, CASEWORKER_ROLES):
        by_text |= Q(contact_name__icontains=q) | Q(reporter__name__icontains=q)
    return by_text


def case_get_for(*, user: User, pk: int | None = None, number: str | None = None) -> Case:
    """Return one case user may see by id or number; Http404 otherwise (also for other stations)."""
    cases = case_base_for(user=user).select_related("cart_stop", "merged_into", "reporter_user")
    try:
        if number is not None:
            return cases.get(number__iexact=number)
        return cases.get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("no such case") from None
    except Case.MultipleObjectsReturned:
        # Numbers are unique per station; a user of no station (a superuser) must open it by id.
        raise Http404("that number is used by several stations; open the case by its id") from None


def case_get_by_token(*, token: str) -> Case:
    """Return a case by its public token (Open311 tokens and residents' share links); Http404 otherwise."""
    if "\x00" in token or len(token) > TOKEN_MAX_CHARS:
        raise Http404("no such request")
    try:
        return Case.objects.select_related("category").get(public_token=token)
    except Case.DoesNotExist:
        raise Http404("no such request") from None


def case_requests_for(*, user: User) -> QuerySet[Case]:
    """Return the requests user filed, newest first, each with `public_events` (what a reporter may see)."""
    public = CaseEvent.objects.filter(is_public=True).order_by("at", "id")
    return (
        case_base_for(user=user)
        .filter(reporter_user_id=user.pk)
        .order_by("-opened_at", "-id")
        .prefetch_related(Prefetch("events", queryset=public, to_attr="public_events"))
    )


def case_public_timeline(*, case: Case) -> list[CaseEvent]:
    """Return the events of case anyone holding its share link may see (public ones, no actor names)."""
    return list(case.events.filter(is_public=True).order_by("at", "id"))


def case_timeline_for(*, user: User, case: Case) -> list[CaseEvent]:
    """Return the events of case that user may see: all for caseworkers, public ones for others."""
    events = case.events.select_related("actor").order_by("at", "id")
    if not has_role(user, CASEWORKER_ROLES):
        events = events.filter(is_public=True)
    return list(events)


@dataclass(frozen=True)
class CaseActions:
    transitions: list[str]
    may_assign: bool
    may_take: bool
    may_note: bool
    may_note_internal: bool
    may_rate: bool
    may_refer: bool


def case_actions_for(*, user: User, case: Case) -> CaseActions:
    """Return what user may do to case now: only these are shown and accepted."""
    transitions = [s for s in allowed_from(case.status) if has_role(user, TRANSITION_ROLES[s])]
    if user.role == Role.RESIDENT:
        transitions = []
    is_caseworker = has_role(user, CASEWORKER_ROLES)
    is_reporter = case.reporter_user_id is not None and case.reporter_user_id == user.pk
    filed_it = is_reporter or (not is_caseworker and case.was_filed_by(user))
    return CaseActions(
        transitions=transitions,
        may_assign=case.is_open and has_role(user, SUPERVISOR_ROLES),
        may_take=case.is_open and is_caseworker and case.assignee_id != user.pk,
        may_note=is_caseworker or case.assignee_id == user.pk or (filed_it and case.status != Status.CLOSED),
        may_note_internal=is_caseworker,
        may_rate=is_reporter and case.status in RATEABLE and case.rating is None,
        may_refer="referred" in transitions,
    )


def category_list_for(*, station_id: int, include_inactive: bool = False, channel: str = "") -> QuerySet[Category]:
    """Return a station's catalogue in display order (public: Open311 lists it).

    With a partner's report channel (a patrol finding, a lookout tip, a bank alert, a
    department's referral in), only the categories naming it in reporter_channels; a
    station that named none for that channel offers the whole catalogue there too.
    """
    categories = Category.objects.filter(station_id=station_id)
    if not include_inactive:
        categories = categories.filter(is_active=True)
    categories = categories.order_by("sort_order", "code")
    if channel in REPORTER_CHANNELS:
        named = [pk for pk, channels in categories.values_list("pk", "reporter_channels") if channel in channels]
        if named:
            categories = categories.filter(pk__in=named)
    return categories


def referral_list_for(*, user: User, case: Case) -> list[Referral]:
    """Return case's referrals for caseworkers and department liaisons; others see the public events only."""
    if not has_role(user, CASEWORKER_ROLES) and user.role != Role.DEPARTMENT_LIAISON:
        return []
    return list(case.referrals.select_related("partner", "replied_by"))


def partner_departments_for(*, user: User) -> QuerySet[Partner]:
    return Partner.objects.filter(station_id=user.station_id, kind="department").order_by("name")


def referral_inbox_for(*, user: User) -> QuerySet[Referral]:
    """Return the referrals user answers: their department's (liaison) or their station's (caseworker).

    Waiting ones first, soonest due first; then the answered ones, latest first.
    """
    waiting_due = SqlCase(When(state=Referral.State.SENT, then="reply_due_at"))
    referrals = Referral.objects.select_related("case", "case__category", "case__grid", "partner").order_by(
        "-state", waiting_due.asc(nulls_last=True), "-sent_at", "-id"
    )
    if user.is_authenticated and user.role == Role.DEPARTMENT_LIAISON and user.partner_id:
        return referrals.filter(partner_id=user.partner_id, case__station_id=user.station_id)
    if has_role(user, CASEWORKER_ROLES):
        return referrals.filter(case__in=case_base_for(user=user).values("id"))
    return referrals.none()


def referral_get_for(*, user: User, pk: int) -> Referral:
    """Return one referral user answers; Http404 otherwise."""
    try:
        return referral_inbox_for(user=user).get(pk=pk)
    except (Referral.DoesNotExist, ValueError, TypeError):
        raise Http404("no such referral") from None


def _cart_stop_counts(stops: QuerySet[CartStop]) -> QuerySet[CartStop]:
    return stops.annotate(
        contacts=Count("cases"),
        people_served=Sum("cases__people_served"),
        solved_on_the_spot=Count("cases", filter=Q(cases__resolution="on_the_spot")),
    )


def cart_stop_list_for(*, user: User, limit: int = 10) -> list[CartStop]:
    """Return recent cart outings with their counts: the station's for station-wide roles, else user's own."""
    if not has_role(user, CASEWORKER_ROLES):
        return []
    stops = CartStop.objects.filter(station_id=user.station_id).select_related("officer")
    if not has_role(user, STATION_WIDE_ROLES):
        stops = stops.filter(officer_id=user.pk)
    return list(_cart_stop_counts(stops).order_by("-started_at", "-id")[:limit])


def cart_stop_contacts_for(*, user: User, stop: CartStop, limit: int = 10) -> list[Case]:
    """Return the latest contacts recorded at stop that user may see, newest first."""
    return list(case_base_for(user=user).filter(cart_stop_id=stop.pk).order_by("-opened_at", "-id")[:limit])


def cart_stop_open_for(*, user: User) -> CartStop | None:
    """Return user's open cart stop with `contacts` and `people_served` counted, or None."""
    if not user.is_authenticated:
        return None
    return (
        _cart_stop_counts(CartStop.objects.filter(officer_id=user.pk, ended_at__isnull=True))
        .order_by("-started_at")
        .first()
    )


def case_audit_labels(*, station_id: int | None, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Return {case id: (number, url)} for the audit log (its rows name cases by id)."""
    pks = [int(i) for i in ids if str(i).isdigit()]
    cases = Case.objects.filter(pk__in=pks)
    if station_id is not None:
        cases = cases.filter(station_id=station_id)
    return {str(pk): (number, reverse("cases:detail", args=[pk])) for pk, number in cases.values_list("pk", "number")}


STATION_MAP_MAX_POINTS = 500


def station_map_for(*, user: User, now: dt.datetime | None = None) -> dict:
    """Open cases user may see, counted by grid (open, overdue) and the latest as points, for the station map."""
    now = now or timezone.now()
    open_cases = case_base_for(user=user).filter(status__in=OPEN_STATUSES)
    counts = {
        row["grid_id"]: row
        for row in open_cases.values("grid_id").annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(clock_paused_at__isnull=True, due_at__lt=now)),
        )
    }
    points = [
        {
            "lat": c.lat,
            "lon": c.lon,
            "number": c.number,
            "category": c.category.name,
            "url": reverse("cases:detail", args=[c.pk]),
            "overdue": c.is_overdue_at(now),
        }
        for c in open_cases.filter(lat__isnull=False).order_by("-opened_at")[:STATION_MAP_MAX_POINTS]
    ]
    return {"counts": counts, "points": points}
