"""Every read of the desk that depends on who asks; another station's user gets Http404."""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.http import Http404

from lianxin.antifraud.models import (
    OPEN_REQUEST_STATUSES,
    BankLedger,
    BankMessage,
    BankRequest,
    BlacklistEntry,
    BlacklistHit,
    Campaign,
    CampaignKind,
    Consultation,
    EntryStatus,
    FraudLoss,
    FraudWarning,
    FundTrace,
    LossStatus,
    MessageDirection,
    MessageStatus,
    Outcome,
    Refund,
    RequestStatus,
    RequestStep,
    RequestStepKind,
    ScreeningTally,
    Screenshot,
    WarningStatus,
    WarningStep,
)
from lianxin.antifraud.roles import (
    BANK_ANSWER_ROLES,
    BANK_DESK_ROLES,
    BLACKLIST_ROLES,
    DESK_ROLES,
    RESPONDER_ROLES,
    freeze_warn_days,
    stop_warn_hours,
)
from lianxin.core.models import Partner, PartnerKind, Role, User
from lianxin.core.roles import STATION_WIDE_ROLES, has_role
from lianxin.places.selectors import grid_ids_owned_by


def warning_scope_q(user: User) -> Q | None:
    if not has_role(user, RESPONDER_ROLES | DESK_ROLES):
        return None
    station = Q(station_id=user.station_id)
    if has_role(user, STATION_WIDE_ROLES):
        return station
    # Sent to me now or before (a warning escalated past me stays on my list).
    mine = Q(responder_id=user.pk) | Q(pk__in=WarningStep.objects.filter(responder_id=user.pk).values("warning_id"))
    if user.role in (Role.COMMUNITY_OFFICER, Role.GRID_MEMBER):
        return station & (mine | Q(grid_id__in=grid_ids_owned_by(user=user)))
    return station & mine


def warning_list_for(*, user: User, open_only: bool = False, ids: list[int] | None = None) -> QuerySet[FraudWarning]:
    scope = warning_scope_q(user)
    if scope is None:
        return FraudWarning.objects.none()
    qs = FraudWarning.objects.filter(scope).select_related("case", "resident", "grid", "responder")
    if open_only:
        qs = qs.exclude(status=WarningStatus.CLOSED)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs


def warning_get_for(*, user: User, pk: int) -> FraudWarning:
    scope = warning_scope_q(user)
    found = None
    if scope is not None:
        found = FraudWarning.objects.filter(scope, pk=pk).select_related("case", "resident", "grid").first()
    if found is None:
        raise Http404("no such warning")
    return found


def blacklist_list_for(*, user: User, status: str = "", kind: str = "", q: str = "") -> QuerySet[BlacklistEntry]:
    if not has_role(user, DESK_ROLES):
        return BlacklistEntry.objects.none()
    qs = BlacklistEntry.objects.filter(station_id=user.station_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(shown__icontains=q.strip())
    return qs


def blacklist_entry_get_for(*, user: User, pk: int) -> BlacklistEntry:
    entry = blacklist_list_for(user=user).filter(pk=pk).first()
    if entry is None:
        raise Http404("no such entry")
    return entry


def may_manage_blacklist(user: User) -> bool:
    return has_role(user, BLACKLIST_ROLES)


def screenshot_get_for(*, user: User, token: str = "", pk: int | None = None) -> Screenshot:
    """The uploader reaches their screenshot by its token; the desk's roles by id within their station."""
    if token:
        shot = Screenshot.objects.filter(token=token).first()
        if shot is not None:
            return shot
    elif pk is not None and has_role(user, DESK_ROLES):
        shot = Screenshot.objects.filter(pk=pk, station_id=user.station_id).first()
        if shot is not None:
            return shot
    raise Http404("no such screenshot")


def consultation_list_for(*, user: User, ids: list[int] | None = None) -> QuerySet[Consultation]:
    if not has_role(user, DESK_ROLES):
        return Consultation.objects.none()
    qs = Consultation.objects.filter(station_id=user.station_id).select_related("case", "resident", "officer")
    return qs.filter(pk__in=ids) if ids is not None else qs


def tally_list_for(*, user: User, ids: list[int]) -> QuerySet[ScreeningTally]:
    """The day, grid and band counts of screened messages (the records behind 'messages screened')."""
    if not has_role(user, DESK_ROLES):
        return ScreeningTally.objects.none()
    return (
        ScreeningTally.objects.filter(station_id=user.station_id, pk__in=ids)
        .select_related("grid")
        .order_by("-on", "grid__code", "band")
    )


def campaign_list_for(*, user: User) -> QuerySet[Campaign]:
    if not has_role(user, DESK_ROLES):
        return Campaign.objects.none()
    return Campaign.objects.filter(station_id=user.station_id).select_related("grid")


# --- figures ------------------------------------------------------------------------------------------------


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month in the station's zone, as aware datetimes."""
    start = dt.datetime(year, month, 1, tzinfo=_zone())
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=_zone())
    return start, end


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | float | None
    unit: str
    record_ids: tuple[int, ...] = ()
    records: str = ""  # "warnings", "consultations", "blacklist", "campaigns", "tallies", "losses" or ""


def _warnings(station_id: int, start, end, grid_id) -> QuerySet[FraudWarning]:
    qs = FraudWarning.objects.filter(station_id=station_id, received_at__gte=start, received_at__lt=end)
    return qs.filter(grid_id=grid_id) if grid_id else qs


def figures(*, station_id: int, start: dt.datetime, end: dt.datetime, grid_id: int | None = None) -> dict[str, Figure]:
    """The desk's figures over [start, end), for the whole station or one grid."""
    tallies = ScreeningTally.objects.filter(
        station_id=station_id, on__gte=start.astimezone(_zone()).date(), on__lt=end.astimezone(_zone()).date()
    )
    if grid_id:
        tallies = tallies.filter(grid_id=grid_id)
    tally_rows = list(tallies.values_list("pk", "band", "count"))
    by_band: dict[str, int] = {}
    for _pk, band, count in tally_rows:
        by_band[band] = by_band.get(band, 0) + count
    consultations = Consultation.objects.filter(station_id=station_id, at__gte=start, at__lt=end)
    if grid_id:
        consultations = consultations.filter(resident__grid_id=grid_id)
    warnings = list(
        _warnings(station_id, start, end, grid_id).values_list(
            "pk", "received_at", "contacted_at", "deadline_at", "outcome", "amount_protected_fen"
        )
    )
    reached = [w for w in warnings if w[2] is not None and (w[3] is None or w[2] <= w[3])]
    dissuaded = [w for w in warnings if w[4] == Outcome.DISSUADED]
    contact_seconds = [(w[2] - w[1]).total_seconds() for w in warnings if w[2] is not None]
    hits = BlacklistHit.objects.filter(station_id=station_id, at__gte=start, at__lt=end)
    if grid_id:
        hits = hits.filter(grid_id=grid_id)
    trainings = Campaign.objects.filter(
        station_id=station_id,
        kind=CampaignKind.TRAINING,
        held_on__gte=start.astimezone(_zone()).date(),
        held_on__lt=end.astimezone(_zone()).date(),
    )
    if grid_id:
        trainings = trainings.filter(grid_id=grid_id)
    training_rows = list(trainings.values_list("pk", "attendance"))
    consultation_ids = tuple(consultations.values_list("pk", flat=True))
    return {
        **bank_figures(station_id=station_id, start=start, end=end, grid_id=grid_id),
        # Nothing a resident pastes is kept: behind these two figures are the day, grid and band counts.
        "screened": Figure("screened", sum(by_band.values()), "count", tuple(t[0] for t in tally_rows), "tallies"),
        "high_risk": Figure(
            "high_risk", by_band.get("high", 0), "count", tuple(t[0] for t in tally_rows if t[1] == "high"), "tallies"
        ),
        "consultations": Figure("consultations", len(consultation_ids), "count", consultation_ids, "consultations"),
        "warnings": Figure("warnings", len(warnings), "count", tuple(w[0] for w in warnings), "warnings"),
        "reached_in_time": Figure("reached_in_time", len(reached), "count", tuple(w[0] for w in reached), "warnings"),
        "dissuaded": Figure("dissuaded", len(dissuaded), "count", tuple(w[0] for w in dissuaded), "warnings"),
        "protected_fen": Figure(
            "protected_fen", sum(w[5] for w in dissuaded), "fen", tuple(w[0] for w in dissuaded), "warnings"
        ),
        "median_contact_seconds": Figure(
            "median_contact_seconds",
            statistics.median(contact_seconds) if contact_seconds else None,
            "seconds",
            tuple(w[0] for w in warnings if w[2] is not None),
            "warnings",
        ),
        "blacklist_hits": Figure(
            "blacklist_hits",
            hits.count(),
            "count",
            tuple(hits.values_list("entry_id", flat=True).distinct()),
            "blacklist",
        ),
        "trainings": Figure("trainings", len(training_rows), "count", tuple(t[0] for t in training_rows), "campaigns"),
        "trained": Figure(
            "trained", sum(t[1] for t in training_rows), "count", tuple(t[0] for t in training_rows), "campaigns"
        ),
    }


def reach_per_grid(*, station_id: int) -> list[dict]:
    """Residents reached by campaigns, per grid."""
    return list(
        Campaign.objects.filter(station_id=station_id)
        .values("grid__name")
        .annotate(reached=Sum("residents_reached"), n=Count("id"))
        .order_by("grid__name")
    )


def review_queue_count(*, user: User) -> int:
    return blacklist_list_for(user=user, status=EntryStatus.PROPOSED).count()


def _public_videos() -> QuerySet[Campaign]:
    # Only videos are public, and only those with something to play; talks and trainings carry
    # attendance lists and are the desk's own.
    return Campaign.objects.filter(kind=CampaignKind.VIDEO).exclude(link="", video="")


def campaign_video_get(*, pk: int) -> Campaign:
    """A video for its public page (anyone may watch); 404 if it is not a video or has nothing to play."""
    campaign = _public_videos().filter(pk=pk).first()
    if campaign is None:
        raise Http404("no such video")
    return campaign


def campaign_video_list(*, station_id: int) -> QuerySet[Campaign]:
    """A station's videos for residents, newest first."""
    return _public_videos().filter(station_id=station_id)


def campaign_get_for(*, user: User, pk: int) -> Campaign:
    """One campaign of the user's station (the desk's roles); 404 otherwise."""
    campaign = campaign_list_for(user=user).filter(pk=pk).first()
    if campaign is None:
        raise Http404("no such campaign")
    return campaign


# --- the police–bank channel ------------------------------------------------------------------------------


def loss_list_for(*, user: User, open_only: bool = False, ids: list[int] | None = None) -> QuerySet[FraudLoss]:
    """Fraud losses of the user's station (the desk's roles; losses are station-wide urgent work)."""
    if not has_role(user, BANK_DESK_ROLES):
        return FraudLoss.objects.none()
    qs = FraudLoss.objects.filter(station_id=user.station_id).select_related("case", "resident")
    if open_only:
        qs = qs.filter(status=LossStatus.OPEN)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("-reported_at", "-id")


def loss_get_for(*, user: User, pk: int) -> FraudLoss:
    found = loss_list_for(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such loss")
    return found


def request_scope_q(user: User) -> Q | None:
    """A bank's liaison sees the requests sent to their bank; the desk every request of the station."""
    if has_role(user, BANK_ANSWER_ROLES):
        if not user.partner_id:
            return None
        return Q(station_id=user.station_id, bank_id=user.partner_id)
    if has_role(user, BANK_DESK_ROLES):
        return Q(station_id=user.station_id)
    return None


def bank_request_list_for(*, user: User, open_only: bool = False) -> QuerySet[BankRequest]:
    scope = request_scope_q(user)
    if scope is None:
        return BankRequest.objects.none()
    qs = BankRequest.objects.filter(scope).select_related("bank", "loss__case", "requested_by")
    if open_only:
        qs = qs.filter(status__in=OPEN_REQUEST_STATUSES)
    return qs


def bank_inbox_for(*, user: User) -> QuerySet[BankRequest]:
    """Requests waiting for the bank's answer, the oldest deadline first."""
    return bank_request_list_for(user=user).filter(status=RequestStatus.SENT).order_by("answer_due_at", "id")


def bank_request_get_for(*, user: User, pk: int) -> BankRequest:
    found = bank_request_list_for(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such request")
    return found


def ledger_get_for(*, user: User, pk: int) -> BankLedger:
    """The desk sees every ledger of its station; a bank's liaison those of its own bank."""
    qs = BankLedger.objects.select_related("loss__case", "bank", "request")
    if has_role(user, BANK_ANSWER_ROLES):
        found = qs.filter(pk=pk, station_id=user.station_id, bank_id=user.partner_id or -1).first()
    elif has_role(user, BANK_DESK_ROLES):
        found = qs.filter(pk=pk, station_id=user.station_id).first()
    else:
        found = None
    if found is None:
        raise Http404("no such ledger")
    return found


def open_losses_besides(*, station_id: int, loss_id: int) -> list[FraudLoss]:
    """The station's open losses other than one, newest first: other victims to trace together with it."""
    return list(
        FraudLoss.objects.filter(station_id=station_id, status=LossStatus.OPEN)
        .exclude(pk=loss_id)
        .select_related("case")
        .order_by("-reported_at")[:200]
    )


def trace_get_for(*, user: User, pk: int) -> FundTrace:
    found = None
    if has_role(user, BANK_DESK_ROLES):
        found = (
            FundTrace.objects.filter(pk=pk, station_id=user.station_id)
            .select_related("loss__case", "ledger__bank")
            .first()
        )
    if found is None:
        raise Http404("no such trace")
    return found


def requests_needing_attention(*, user: User, now: dt.datetime) -> list[BankRequest]:
    """For the desk: requests a bank has not answered in time and holds that end soon or have lapsed unseen."""
    if not has_role(user, BANK_DESK_ROLES):
        return []
    qs = bank_request_list_for(user=user)
    overdue = Q(status=RequestStatus.SENT, answer_due_at__lte=now)
    ending = Q(status=RequestStatus.HELD, kind="stop", hold_until__lte=now + dt.timedelta(hours=stop_warn_hours())) | Q(
        status=RequestStatus.HELD, kind="freeze", hold_until__lte=now + dt.timedelta(days=freeze_warn_days())
    )
    return list(qs.filter(overdue | ending).order_by("answer_due_at")[:50])


@dataclass(frozen=True)
class Milestone:
    key: str
    at: dt.datetime | None
    seconds: float | None  # from the report


def loss_clock(*, loss: FraudLoss) -> list[Milestone]:
    """The case clock from the report: first stop request, first bank answer, first trace, money held, returned."""
    requests = BankRequest.objects.filter(loss=loss)
    steps = RequestStep.objects.filter(request__loss=loss)
    first_sent = requests.order_by("sent_at").values_list("sent_at", flat=True).first()
    first_answer = steps.filter(kind=RequestStepKind.ANSWERED).order_by("at").values_list("at", flat=True).first()
    first_trace = (
        FundTrace.objects.filter(loss=loss, status="done")
        .order_by("finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    first_held = (
        requests.filter(answered_at__isnull=False, held_fen__gt=0)
        .order_by("answered_at")
        .values_list("answered_at", flat=True)
        .first()
    )
    first_refund = (
        Refund.objects.filter(loss=loss).order_by("returned_at").values_list("returned_at", flat=True).first()
    )
    marks = [
        ("reported", loss.reported_at),
        ("first_request", first_sent),
        ("first_answer", first_answer),
        ("first_trace", first_trace),
        ("first_held", first_held),
        ("first_refund", first_refund),
        ("closed", loss.closed_at),
    ]
    return [
        Milestone(key, at, (at - loss.reported_at).total_seconds() if at is not None else None) for key, at in marks
    ]


def partner_banks(*, station_id: int) -> QuerySet[Partner]:
    return Partner.objects.filter(station_id=station_id, kind=PartnerKind.BANK).order_by("name")


HELD_WITHIN_SECONDS = 2 * 3600  # the station's "two hours" from report to money held


def bank_figures(*, station_id: int, start: dt.datetime, end: dt.datetime, grid_id: int | None = None) -> dict:
    """The channel's figures over [start, end): requests sent, money held, money returned, held within two hours."""
    requests = BankRequest.objects.filter(station_id=station_id, sent_at__gte=start, sent_at__lt=end)
    refunds = Refund.objects.filter(station_id=station_id, returned_at__gte=start, returned_at__lt=end)
    losses = FraudLoss.objects.filter(station_id=station_id, reported_at__gte=start, reported_at__lt=end)
    if grid_id:
        requests = requests.filter(loss__case__grid_id=grid_id)
        refunds = refunds.filter(loss__case__grid_id=grid_id)
        losses = losses.filter(case__grid_id=grid_id)
    request_rows = list(requests.values_list("loss_id", "held_fen"))
    refund_rows = list(refunds.values_list("loss_id", "amount_fen"))
    loss_rows = list(losses.values_list("pk", "reported_at"))
    first_held = dict(
        BankRequest.objects.filter(loss_id__in=[pk for pk, _at in loss_rows], held_fen__gt=0)
        .values("loss_id")
        .annotate(first=Min("answered_at"))
        .values_list("loss_id", "first")
    )
    in_time = tuple(
        pk
        for pk, at in loss_rows
        if first_held.get(pk) is not None and (first_held[pk] - at).total_seconds() <= HELD_WITHIN_SECONDS
    )
    return {
        "losses": Figure("losses", len(loss_rows), "count", tuple(pk for pk, _at in loss_rows), "losses"),
        "requests_sent": Figure(
            "requests_sent", len(request_rows), "count", tuple(sorted({r[0] for r in request_rows})), "losses"
        ),
        "held_fen": Figure(
            "held_fen",
            sum(r[1] for r in request_rows),
            "fen",
            tuple(sorted({r[0] for r in request_rows if r[1]})),
            "losses",
        ),
        "returned_fen": Figure(
            "returned_fen", sum(r[1] for r in refund_rows), "fen", tuple(sorted({r[0] for r in refund_rows})), "losses"
        ),
        "held_in_two_hours": Figure("held_in_two_hours", len(in_time), "count", in_time, "losses"),
    }


def dead_letters_for(*, user: User) -> list[BankMessage]:
    """Requests the station could not deliver to a bank's system: the desk sends them by phone or the web inbox."""

    if not has_role(user, BANK_DESK_ROLES):
        return []
    return list(
        BankMessage.objects.filter(
            request__station_id=user.station_id, direction=MessageDirection.OUT, status=MessageStatus.DEAD
        )
        .select_related("bank", "request__loss__case")
        .order_by("-created_at")[:50]
    )
