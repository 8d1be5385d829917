"""Pages of the mediation app: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianxin.cases.selectors import category_list_for
from lianxin.core import feeds as core_feeds
from lianxin.core.forms import Outcome, attempt
from lianxin.mediation import selectors, services
from lianxin.mediation.models import PartyRole

FIGURES_DEFAULT_DAYS = 365


def _require(user):
    if not selectors.may_mediate(user):
        raise PermissionDenied(_("Your role may not work mediation cases."))


def _local_datetime(value: str, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value or "")
    except ValueError:
        raise ValidationError({field: [_("Give the date and time.")]}) from None
    return parsed.replace(tzinfo=services._zone()) if timezone.is_naive(parsed) else parsed


def _parties_from(post) -> list[dict]:
    names, roles = post.getlist("party_name"), post.getlist("party_role")
    kinds = set(post.getlist("party_enterprise"))
    return [
        {"name": n, "role": roles[i] if i < len(roles) else PartyRole.RESPONDENT, "is_enterprise": str(i) in kinds}
        for i, n in enumerate(names)
    ]


@login_required
def inbox(request):
    _require(request.user)
    return render(request, "mediation/inbox.html", selectors.inbox_for(user=request.user))


@login_required
def rooms(request):
    _require(request.user)
    return render(request, "mediation/rooms.html", {"rooms": selectors.rooms_for(user=request.user)})


@login_required
def room_calendar(request, pk):
    room = selectors.room_get_for(user=request.user, pk=pk)
    sessions = room.sessions.select_related("dispute__case", "room").order_by("starts_at")
    response = HttpResponse(
        selectors.session_ics(sessions=sessions, name=room.name, is_feed=True), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'inline; filename="room-{room.code}.ics"'
    return response


# --- private calendar links (core.feeds): a room's sessions, one's own sessions ------------------------------

FEED_URL_NAMES = {selectors.FEED_KIND_ROOM: "mediation:room_feed", selectors.FEED_KIND_MINE: "mediation:my_feed"}


def _feed_rows(user) -> list[core_feeds.FeedRow]:
    tokens = core_feeds.feed_tokens_active_for(user=user, kinds=selectors.FEED_KINDS)
    rows = [
        core_feeds.FeedRow(
            kind=selectors.FEED_KIND_MINE,
            target_id="",
            title=_("My mediation sessions"),
            detail=_("Every session of the disputes you mediate, in whichever room."),
        )
    ]
    for room in selectors.feed_rooms_for(user=user):
        rows.append(
            core_feeds.FeedRow(
                kind=selectors.FEED_KIND_ROOM,
                target_id=str(room.pk),
                title=room.name,
                detail=room.place,
            )
        )
    for row in rows:
        row.token = tokens.get((row.kind, row.target_id))
    return rows


@never_cache
@login_required
def feeds(request):
    """A mediator's private calendar links: make one, copy it, reset it (the old one stops), or stop it."""
    _require(request.user)
    rows = _feed_rows(request.user)
    if request.method == "POST":
        stopped = core_feeds.feed_links_post(
            request, rows, url_name_for=FEED_URL_NAMES.__getitem__, back="mediation:feeds"
        )
        if stopped is not None:
            return stopped
    context = {
        "mine": [r for r in rows if r.kind == selectors.FEED_KIND_MINE],
        "rooms": [r for r in rows if r.kind == selectors.FEED_KIND_ROOM],
    }
    return render(request, "mediation/feeds.html", context)


def _feed(request, token, kind):
    feed = core_feeds.feed_token_get_or_404(token=token, kind=kind)

    def link(session):
        return request.build_absolute_uri(reverse("mediation:dispute", args=[session.dispute_id]))

    body = selectors.feed_calendar_for(feed=feed, link=link)
    return core_feeds.calendar_response(body, filename="mediation.ics")


def room_feed(request, token):
    """A room's sessions as an iCalendar feed a calendar application subscribes to without signing in."""
    return _feed(request, token, selectors.FEED_KIND_ROOM)


def my_feed(request, token):
    """A mediator's own sessions as an iCalendar feed a calendar application subscribes to without signing in."""
    return _feed(request, token, selectors.FEED_KIND_MINE)


def _open_form(request, *, case=None):
    rooms_qs = selectors.rooms_for(user=request.user)
    outcome: Outcome = Outcome()
    if request.method == "POST":
        room = rooms_qs.filter(pk=request.POST.get("room") or 0).first()
        category = None
        if case is None:
            category = (
                category_list_for(station_id=request.user.station_id)
                .filter(pk=request.POST.get("category") or 0)
                .first()
            )

        def submit():
            parties = _parties_from(request.POST)
            if case is not None and case.reporter_id is not None:
                # The case's reporter is the applicant: the party is linked to the resident, not retyped.
                for party in parties:
                    if party["role"] == PartyRole.APPLICANT and party["name"].strip() == case.reporter.name:
                        party["resident"] = case.reporter
            return services.dispute_open(
                actor=request.user,
                room=room,
                claim=request.POST.get("claim", ""),
                parties=parties,
                case=case,
                category=category,
            )

        outcome = attempt(submit)
        if outcome.ok:
            messages.success(request, _("Taken into the room; schedule the first session."))
            return redirect("mediation:dispute", pk=outcome.result.pk)
    applicant = ""
    if case is not None:
        applicant = case.reporter.name if case.reporter_id else case.contact_name
    return render(
        request,
        "mediation/dispute_new.html",
        {
            "case": case,
            "rooms": rooms_qs,
            "categories": category_list_for(station_id=request.user.station_id) if case is None else [],
            "errors": outcome.errors,
            "applicant": applicant,
            "post": request.POST,
            "roles": PartyRole.choices,
        },
        status=outcome.status,
    )


@login_required
def dispute_from_case(request, case_pk):
    _require(request.user)
    return _open_form(request, case=selectors.case_for_dispute(user=request.user, pk=case_pk))


@login_required
def dispute_new(request):
    _require(request.user)
    return _open_form(request)


def _dispute_page(request, dispute, errors=None, status=200):
    agreement = services.current_agreement(dispute)
    signatures = {s.party_id: s for s in agreement.signatures.all()} if agreement else {}
    return render(
        request,
        "mediation/dispute_detail.html",
        {
            "d": dispute,
            "case": dispute.case,
            "parties": [(p, signatures.get(p.pk)) for p in dispute.parties.all()],
            "mediator_signed": signatures.get(None),
            "sessions": dispute.sessions.prefetch_related("attended").order_by("starts_at"),
            "agreement": agreement,
            "errors": errors or {},
            "roles": PartyRole.choices,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def dispute_detail(request, pk):
    return _dispute_page(request, selectors.dispute_get_for(user=request.user, pk=pk))


def _act(request, pk, action):
    dispute = selectors.dispute_get_for(user=request.user, pk=pk)
    outcome = attempt(lambda: action(dispute, request.POST), refused_status=403)
    if not outcome.ok:
        return _dispute_page(request, dispute, outcome.errors, status=outcome.status)
    messages.success(request, outcome.result)
    return redirect("mediation:dispute", pk=dispute.pk)


@login_required
@require_POST
def party_add(request, pk):
    def act(d, post):
        services.party_add(
            actor=request.user,
            dispute=d,
            name=post.get("name", ""),
            role=post.get("role", ""),
            is_enterprise=post.get("is_enterprise") == "1",
        )
        return _("Party added.")

    return _act(request, pk, act)


@login_required
@require_POST
def session_schedule(request, pk):
    def act(d, post):
        try:
            minutes = int(post.get("minutes") or 60)
        except ValueError:
            raise ValidationError({"minutes": [_("Give whole minutes.")]}) from None
        services.session_schedule(
            actor=request.user,
            dispute=d,
            starts_at=_local_datetime(post.get("starts_at", ""), "starts_at"),
            minutes=minutes,
        )
        return _("Session scheduled; send the parties the invitation.")

    return _act(request, pk, act)


@login_required
@require_POST
def session_record(request, pk, session_pk):
    def act(d, post):
        session = d.sessions.filter(pk=session_pk).first()
        if session is None:
            raise ValidationError({"session": [_("No such session.")]})
        attended = list(d.parties.filter(pk__in=[v for v in post.getlist("attended") if v.isdigit()]))
        services.session_record(
            actor=request.user,
            session=session,
            minutes=post.get("minutes", ""),
            attended=attended,
            held=post.get("held", "1") == "1",
        )
        return _("Session recorded.")

    return _act(request, pk, act)


@login_required
def session_ics(request, pk):
    session = selectors.session_get_for(user=request.user, pk=pk)
    response = HttpResponse(
        selectors.session_ics(sessions=[session], name=session.room.name), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'attachment; filename="mediation-session-{session.pk}.ics"'
    return response


@login_required
@require_POST
def agreement_draft(request, pk):
    def act(d, post):
        followup = post.get("followup_on") or ""
        try:
            followup_on = dt.date.fromisoformat(followup) if followup else None
        except ValueError:
            raise ValidationError({"followup_on": [_("Give the follow-up date as YYYY-MM-DD.")]}) from None
        services.agreement_draft(
            actor=request.user,
            dispute=d,
            terms=post.get("terms", ""),
            is_partial=post.get("is_partial") == "1",
            followup_on=followup_on,
        )
        return _("Agreement drafted; each party and the mediator sign next.")

    return _act(request, pk, act)


@login_required
@require_POST
def dispute_conclude(request, pk):
    def act(d, post):
        services.dispute_conclude(
            actor=request.user,
            dispute=d,
            outcome=post.get("outcome", ""),
            note=post.get("note", ""),
            referred_to=post.get("referred_to", ""),
        )
        return _("Dispute concluded.")

    return _act(request, pk, act)


@login_required
@require_POST
def agreement_followup(request, pk):
    def act(d, post):
        agreement = services.current_agreement(d)
        if agreement is None:
            raise ValidationError({"agreement": [_("Follow up a signed agreement.")]})
        services.followup_record(
            actor=request.user, agreement=agreement, is_kept=post.get("is_kept") == "1", note=post.get("note", "")
        )
        return _("Follow-up recorded.")

    return _act(request, pk, act)


@login_required
@require_POST
def agreement_confirmation(request, pk):
    def act(d, post):
        agreement = services.current_agreement(d)
        if agreement is None:
            raise ValidationError({"agreement": [_("Only a signed agreement can go for judicial confirmation.")]})
        sent = post.get("sent_on") or ""
        try:
            sent_on = dt.date.fromisoformat(sent) if sent else None
        except ValueError:
            raise ValidationError({"sent_on": [_("Give the date as YYYY-MM-DD.")]}) from None
        services.confirmation_record(
            actor=request.user,
            agreement=agreement,
            court=post.get("court", ""),
            sent_on=sent_on,
            answer=post.get("answer", ""),
        )
        return _("Judicial confirmation recorded.")

    return _act(request, pk, act)


@login_required
def agreement_sign(request, pk, who):
    """Sign on a phone screen: the party named by `who` (a party id) or the mediator ("mediator")."""
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    dispute = agreement.dispute
    party = None
    if who != "mediator":
        party = dispute.parties.filter(pk=int(who) if who.isdigit() else 0).first()
        if party is None:
            return HttpResponse(status=404)
    outcome: Outcome = Outcome()
    if request.method == "POST":
        outcome = attempt(
            lambda: services.signature_add(
                actor=request.user, agreement=agreement, party=party, image_data_url=request.POST.get("signature", "")
            ),
            refused_status=400,
        )
        if outcome.ok:
            messages.success(request, _("Signed. Thank you."))
            return redirect("mediation:dispute", pk=dispute.pk)
    return render(
        request,
        "mediation/agreement_sign.html",
        {
            "agreement": agreement,
            "d": dispute,
            "party": party,
            "signer": party.name if party else (dispute.mediator.display_name or dispute.mediator.username),
            "parties": dispute.parties.all(),
            "errors": outcome.errors,
        },
        status=outcome.status,
    )


@login_required
def agreement_pdf(request, pk):
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    response = HttpResponse(services.agreement_pdf(agreement), content_type="application/pdf")
    kind = "signed" if agreement.is_signed else "draft"
    response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.dispute.case.number}-{kind}.pdf"'
    return response


@login_required
def figures(request):
    _require(request.user)
    end = timezone.now()
    start = end - dt.timedelta(days=FIGURES_DEFAULT_DAYS)
    return render(
        request,
        "mediation/figures.html",
        {"f": selectors.figures_for(user=request.user, start=start, end=end), "start": start, "end": end},
    )
