"""Reads of the tips app: a lookout's own tips, a tip by its receipt code, the officers' tips, status and reliability."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Resolution, Status
from lianxin.cases.selectors import case_base_for
from lianxin.core.models import Role, User
from lianxin.core.roles import CASEWORKER_ROLES, SUPERVISOR_ROLES, has_role
from lianxin.tips.models import Appeal, AppealMessage, Beat, Tip, TipMessage, TipOutcome, TipPhoto, TradePost
from lianxin.tips.services import receipt_digest

# Roles that send tips under their name (the lookouts; anyone, signed in or not, may send one anonymously).
SENDER_ROLES = frozenset({Role.LOOKOUT})
# A source's reliability is shown once this many of their tips were assessed.
RELIABILITY_MIN_ASSESSED = 3


def may_send_named(user) -> bool:
    return has_role(user, SENDER_ROLES)


def may_read_tips(user) -> bool:
    return has_role(user, CASEWORKER_ROLES)


# Roles that set up trade posts and beats (a community officer for the posts in the grids they lead).
POST_EDITOR_ROLES = SUPERVISOR_ROLES


def may_manage_posts(user) -> bool:
    return has_role(user, POST_EDITOR_ROLES)


def may_see_coverage(user) -> bool:
    return has_role(user, CASEWORKER_ROLES)


def may_edit_post(user, post: TradePost) -> bool:
    """Return True if user may edit post: a post editor of its station; a community officer only in their grids."""
    if not may_manage_posts(user) or (user.station_id != post.station_id and not user.is_superuser):
        return False
    if user.role == Role.COMMUNITY_OFFICER and not user.is_superuser:
        return post.grid is not None and post.grid.police_chief_id == user.pk
    return True


def trade_post_list_for(*, user: User) -> QuerySet[TradePost]:
    """Return the trade posts of user's station (for the roles that see the network's coverage)."""
    if not may_see_coverage(user):
        return TradePost.objects.none()
    return (
        TradePost.objects.filter(station_id=user.station_id)
        .select_related("grid", "grid__police_chief")
        .annotate(lookout_count=Count("lookouts", distinct=True), beat_count=Count("beats", distinct=True))
        .order_by("grid__code", "name")
    )


def trade_post_get_for(*, user: User, pk) -> TradePost:
    try:
        return trade_post_list_for(user=user).get(pk=pk)
    except (TradePost.DoesNotExist, ValueError, TypeError):
        raise Http404("no such post") from None


def beat_list_of(*, post: TradePost) -> QuerySet[Beat]:
    return post.beats.select_related("lookout").prefetch_related("buildings", "grids")


def beat_get_for(*, user: User, post: TradePost, pk) -> Beat:
    try:
        return beat_list_of(post=post).get(pk=pk)
    except (Beat.DoesNotExist, ValueError, TypeError):
        raise Http404("no such beat") from None


def photo_list_of(*, tip: Tip) -> list[TipPhoto]:
    """Return the photos of a tip the caller already got through one of the scoped tip selectors."""
    return list(tip.photos.all())


def photo_of(*, tip: Tip, pk) -> TipPhoto:
    try:
        return tip.photos.get(pk=pk)
    except (TipPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("no such photo") from None


def tip_list_mine(*, user: User) -> QuerySet[Tip]:
    """Return the tips user sent under their name (anonymous ones are nobody's), newest first.

    Each carries `is_question_waiting`: the station wrote last, so the source has something to answer.
    """
    if not getattr(user, "is_authenticated", False):
        return Tip.objects.none()
    last_from_station = TipMessage.objects.filter(tip=OuterRef("pk")).order_by("-id").values("is_from_station")[:1]
    return (
        Tip.objects.filter(source_user_id=user.pk, station_id=user.station_id)
        .select_related("case")
        .annotate(is_question_waiting=Coalesce(Subquery(last_from_station), Value(False), output_field=BooleanField()))
    )


def tip_get_mine(*, user: User, pk) -> Tip:
    try:
        return tip_list_mine(user=user).get(pk=pk)
    except (Tip.DoesNotExist, ValueError, TypeError):
        raise Http404("no such tip") from None


def tip_get_by_receipt(*, code: str) -> Tip | None:
    """Return the anonymous tip whose receipt code this is, or None (one indexed lookup of the code's HMAC)."""
    return Tip.objects.filter(receipt_digest=receipt_digest(code), is_anonymous=True).select_related("case").first()


def tip_list_for(*, user: User) -> QuerySet[Tip]:
    """Return the tips whose case user may see (an officer: their grids'; station-wide roles: all)."""
    if not may_read_tips(user):
        return Tip.objects.none()
    return Tip.objects.filter(case__in=case_base_for(user=user).values("id")).select_related(
        "case", "case__grid", "case__category", "safety_case"
    )


def tip_get_for(*, user: User, pk) -> Tip:
    try:
        return tip_list_for(user=user).get(pk=pk)
    except (Tip.DoesNotExist, ValueError, TypeError):
        raise Http404("no such tip") from None


def thread_for(*, tip: Tip) -> list[TipMessage]:
    return list(tip.messages.all())


@dataclass(frozen=True)
class SourceStatus:
    """What the tipster is told about their tip: a stage, never the case's internals."""

    stage: str
    label: str
    is_acted_on: bool


def status_for_source(*, tip: Tip) -> SourceStatus:
    """Return the stage of a tip for its source: received, being handled, acted on, or closed."""
    case = tip.case
    if tip.outcome in (TipOutcome.CONFIRMED, TipOutcome.USEFUL) or (
        case.status in (Status.RESOLVED, Status.CLOSED) and case.resolution != Resolution.NO_ACTION_NEEDED
    ):
        return SourceStatus("acted_on", str(_("Your tip led to an action. Thank you.")), True)
    if case.status == Status.NEW:
        return SourceStatus("received", str(_("Received; an officer will look at it.")), False)
    if case.is_open:
        return SourceStatus("handling", str(_("An officer is looking into it.")), False)
    return SourceStatus("closed", str(_("Looked into; no action was needed this time.")), False)


@dataclass(frozen=True)
class Reliability:
    assessed: int
    confirmed_or_useful: int

    @property
    def share(self) -> float | None:
        return self.confirmed_or_useful / self.assessed if self.assessed >= RELIABILITY_MIN_ASSESSED else None


def reliability_for(*, tip: Tip) -> Reliability:
    """Return the source's record from their earlier assessed tips (a named source only; anonymous has none).

    The officer sees the figure, not the person behind an anonymous tip: there is nothing to join on.
    """
    if tip.source_user_id is None:
        return Reliability(0, 0)
    rows = (
        Tip.objects.filter(source_user_id=tip.source_user_id)
        .exclude(pk=tip.pk)
        .exclude(outcome=TipOutcome.PENDING)
        .aggregate(n=Count("id"), good=Count("id", filter=Q(outcome__in=[TipOutcome.CONFIRMED, TipOutcome.USEFUL])))
    )
    return Reliability(rows["n"] or 0, rows["good"] or 0)


def appeal_list_for(*, user: User) -> QuerySet[Appeal]:
    """Return the station's appeals to lookouts, newest first, with their recipients and replies counted (officers)."""
    if not may_read_tips(user):
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(station_id=user.station_id)
        .select_related("author", "grid")
        .annotate(
            recipient_count=Count("recipients", distinct=True),
            reply_count=Count("messages", filter=Q(messages__is_from_station=False), distinct=True),
        )
    )


def appeal_get_for(*, user: User, pk) -> Appeal:
    try:
        return appeal_list_for(user=user).get(pk=pk)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404("no such appeal") from None


def appeal_list_received(*, user: User, now) -> QuerySet[Appeal]:
    """Return the appeals sent to user (a lookout whose beat covers their area) that still hold, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Appeal.objects.none()
    return Appeal.objects.filter(recipients=user, station_id=user.station_id, expires_at__gt=now).select_related("grid")


def appeal_get_received(*, user: User, pk) -> Appeal:
    """Return one appeal sent to user (ended ones too, to read the thread); Http404 for any other."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("no such appeal")
    try:
        return Appeal.objects.select_related("grid").get(pk=pk, recipients=user, station_id=user.station_id)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404("no such appeal") from None


def appeal_thread_for(*, user: User, appeal: Appeal) -> list[AppealMessage]:
    """Return the thread as user may read it: officers all of it; a lookout the station's words and their own replies.

    One lookout does not see another's replies (nor who else was asked).
    """
    messages = appeal.messages.select_related("author")
    if not (may_read_tips(user) and user.station_id == appeal.station_id):
        messages = messages.filter(Q(is_from_station=True) | Q(author_id=user.pk))
    return list(messages)
