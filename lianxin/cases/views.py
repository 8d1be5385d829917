"""Pages of the case spine: cart intake, inboxes, the case page, residents' requests, referrals.

Every view parses its input, calls one selector or service, and renders. Writes
answer with a redirect (post/redirect/get); a service's ValidationError or Conflict
comes back as a message naming the problem, never as a server error. Scope is the
selectors' job: a case outside the user's scope is a 404 here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.cases.forms import (
    AssignForm,
    CartContactForm,
    CartStopForm,
    InboxFilterForm,
    NoteForm,
    OnlineRequestForm,
    RateForm,
    ReplyForm,
    TransitionForm,
)
from lianxin.cases.models import Case, Channel, Resolution, Status
from lianxin.cases.selectors import (
    CaseFilters,
    cart_stop_contacts_for,
    cart_stop_list_for,
    cart_stop_open_for,
    case_actions_for,
    case_get_by_token,
    case_get_for,
    case_list_for,
    case_public_timeline,
    case_requests_for,
    case_timeline_for,
    category_list_for,
    partner_departments_for,
    referral_get_for,
    referral_inbox_for,
    referral_list_for,
)
from lianxin.cases.services import (
    cart_contact_record,
    cart_stop_end,
    cart_stop_start,
    case_assign,
    case_note,
    case_open,
    case_rate,
    case_transition,
    referral_reply,
)
from lianxin.core.errors import Conflict
from lianxin.core.forms import form_errors_from, messages_from_error
from lianxin.core.models import Role
from lianxin.core.roles import ASSIGNABLE_ROLES, CASEWORKER_ROLES, GRID_ROLES, INTAKE_ROLES, has_role, may_see_whole
from lianxin.core.selectors import staff_list_for, station_list_public
from lianxin.core.services import personal_data_display, personal_data_reveal
from lianxin.places.selectors import grid_list_for

INBOX_PAGE_SIZE = 25
REQUESTS_PAGE_SIZE = 20
REFERRALS_PAGE_SIZE = 25
# Who may be picked as an assignee on the case page (the service accepts any staff member).
STATUS_LABELS = dict(Status.choices)
# The button that moves a case into each status.
TRANSITION_VERBS = {
    Status.ACCEPTED: gettext_lazy("Accept"),
    Status.IN_PROGRESS: gettext_lazy("Start work"),
    Status.REFERRED: gettext_lazy("Refer to a department"),
    Status.RESOLVED: gettext_lazy("Resolve"),
    Status.CLOSED: gettext_lazy("Close"),
    Status.REJECTED: gettext_lazy("Reject"),
    Status.MERGED: gettext_lazy("Merge as duplicate"),
}
# Transitions that need more than a click: each gets its own small form on the case page.
TRANSITIONS_WITH_INPUT = frozenset({Status.RESOLVED, Status.REJECTED, Status.REFERRED, Status.MERGED})
INBOX_BOX_LABELS = (
    ("mine", gettext_lazy("Mine")),
    ("grid", gettext_lazy("My grid")),
    ("open", gettext_lazy("Not yet done")),
    ("overdue", gettext_lazy("Overdue")),
    ("due_soon", gettext_lazy("Due soon")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("all", gettext_lazy("All")),
)
# The filing page files under the role's own channel for the station's partners (a volunteer's report
# is a patrol finding, not an online request); residents and visitors file online.
REPORTING_CHANNELS = {
    Role.VOLUNTEER: Channel.PATROL_FINDING,
    Role.LOOKOUT: Channel.LOOKOUT_TIP,
    Role.BANK_LIAISON: Channel.BANK_ALERT,
}
# Personal data a case page can show: key → (label, where it lives on the case).
PERSONAL_FIELDS = {
    "contact_phone": (gettext_lazy("Contact mobile"), lambda case: (case, "contact_phone")),
    "reporter_phone": (gettext_lazy("Reporter's mobile"), lambda case: (case.reporter, "phone")),
    "reporter_id_number": (gettext_lazy("Reporter's ID number"), lambda case: (case.reporter, "id_number")),
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to_case(case_or_pk) -> object:
    pk = case_or_pk.pk if isinstance(case_or_pk, Case) else case_or_pk
    return redirect("cases:detail", pk=pk)


def _form_problems(form) -> ValidationError:
    return ValidationError({field: list(errors) for field, errors in form.errors.items()})


# --- service cart -----------------------------------------------------------------------------


def _require_intake(user) -> None:
    if not has_role(user, INTAKE_ROLES):
        raise PermissionDenied(_("Your role may not run the service cart."))


def _cart_page(request, *, stop, stop_form=None, contact_form=None):
    saved = None
    if request.GET.get("saved"):
        try:
            saved = case_get_for(user=request.user, pk=request.GET["saved"])
        except Http404:
            saved = None
    categories = category_list_for(station_id=request.user.station_id)
    return render(
        request,
        "cases/cart_intake.html",
        {
            "stop": stop,
            "contacts": cart_stop_contacts_for(user=request.user, stop=stop) if stop is not None else [],
            "outings": cart_stop_list_for(user=request.user) if stop is None else [],
            "stop_form": stop_form or CartStopForm(),
            "contact_form": contact_form or CartContactForm(categories=categories),
            "saved": saved,
        },
    )


@login_required
def cart_intake(request):
    """The mobile service-cart page: start a stop, then record one contact after another."""
    _require_intake(request.user)
    return _cart_page(request, stop=cart_stop_open_for(user=request.user))


@login_required
@require_POST
def cart_stop_begin(request):
    _require_intake(request.user)
    form = CartStopForm(request.POST)
    if form.is_valid():
        try:
            cart_stop_start(
                actor=request.user,
                place=form.cleaned_data["place"],
                lat=form.cleaned_data["lat"],
                lon=form.cleaned_data["lon"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect("cases:cart")
    return _cart_page(request, stop=None, stop_form=form)


@login_required
@require_POST
def cart_stop_finish(request):
    stop = cart_stop_open_for(user=request.user)
    if stop is not None:
        cart_stop_end(stop=stop, actor=request.user)
        messages.success(
            request,
            _("Cart stop at %(place)s ended: %(contacts)d contacts, %(people)d people served.")
            % {"place": stop.place, "contacts": stop.contacts, "people": stop.people_served or 0},
        )
    return redirect("cases:cart")


@login_required
@require_POST
def cart_contact(request):
    """Record one contact: the pressed button says solved on the spot or for follow-up."""
    _require_intake(request.user)
    stop = cart_stop_open_for(user=request.user)
    if stop is None:
        messages.error(request, _("Start a cart stop first: say where the cart is."))
        return redirect("cases:cart")
    categories = category_list_for(station_id=request.user.station_id)
    form = CartContactForm(request.POST, categories=categories)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = cart_contact_record(
                actor=request.user,
                stop=stop,
                category=data["category"],
                description=data["description"],
                solved_on_the_spot=request.POST.get("outcome") == "solved",
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                people_served=data["people_served"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect(f"{reverse('cases:cart')}?saved={case.pk}")
    return _cart_page(request, stop=stop, contact_form=form)


# --- inbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    case: Case
    person: str
    phone: str
    is_overdue: bool
    is_due_soon: bool


@login_required
def case_list(request):
    """The staff inbox: boxes, filters, search, pages; personal data as the viewer may see it."""
    user = request.user
    categories = list(category_list_for(station_id=user.station_id))
    grids = list(grid_list_for(user=user).values_list("id", "name"))  # the boundaries are not needed here
    form = InboxFilterForm(request.GET, categories=categories, grids=grids)
    # Caseworkers open on what still needs doing; others (volunteers, partners) on all of theirs.
    filters: CaseFilters = form.filters(default_box="open" if has_role(user, CASEWORKER_ROLES) else "all")
    now = timezone.now()
    page = Paginator(case_list_for(user=user, filters=filters, now=now), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for case in page:
        reporter = case.reporter
        phone = case.contact_phone or (reporter.phone if reporter is not None else None)
        rows.append(
            InboxRow(
                case=case,
                person=case.contact_name or (reporter.name if reporter is not None else ""),
                phone=personal_data_display(viewer=user, value=phone),
                is_overdue=case.is_overdue_at(now),
                is_due_soon=case.is_due_soon_at(now),
            )
        )
    boxes = [(key, label) for key, label in INBOX_BOX_LABELS if key != "grid" or user.role in GRID_ROLES]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "boxes": boxes,
            "box": filters.box,
            "query": query.urlencode(),
        },
    )


# --- the case page ----------------------------------------------------------------------------


def _personal_fields(user, case) -> list[dict]:
    shown = []
    for key, (label, locate) in PERSONAL_FIELDS.items():
        target, attr = locate(case)
        value = getattr(target, attr) if target is not None else None
        masked = personal_data_display(viewer=user, value=value)
        if masked:
            shown.append({"key": key, "label": label, "masked": masked, "may_reveal": may_see_whole(user, value.kind)})
    return shown


@login_required
def case_detail(request, pk: int):
    """Header facts, map, personal data, the actions allowed now, referrals and the timeline."""
    user = request.user
    case = case_get_for(user=user, pk=pk)
    actions = case_actions_for(user=user, case=case)
    map_data = None
    if case.lat is not None or case.grid_id is not None:
        map_data = {
            "point": [case.lat, case.lon] if case.lat is not None else None,
            "grid": case.grid.boundary if case.grid_id else None,
            "grid_name": case.grid.name if case.grid_id else "",
        }
    transitions = [
        {"status": s, "verb": TRANSITION_VERBS[s], "needs_input": s in TRANSITIONS_WITH_INPUT}
        for s in actions.transitions
    ]
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "actions": actions,
            "transitions": transitions,
            "timeline": case_timeline_for(user=user, case=case),
            "referrals": referral_list_for(user=user, case=case),
            "personal_fields": _personal_fields(user, case),
            "partners": list(partner_departments_for(user=user)) if actions.may_refer else [],
            "staff": list(staff_list_for(user=user, roles=ASSIGNABLE_ROLES)) if actions.may_assign else [],
            "resolutions": Resolution.choices,
            "map_data": map_data,
            "is_caseworker": has_role(user, CASEWORKER_ROLES),
            "rating_choices": range(5, 0, -1),
        },
    )


def _case_post(request, pk: int, form_class, act):
    """Run act(case, cleaned_data) → success message on a case the user may see; problems become messages."""
    case = case_get_for(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages_from_error(request, _form_problems(form))
        return _to_case(case)
    try:
        done = act(case, form.cleaned_data)
    except (ValidationError, Conflict) as exc:
        messages_from_error(request, exc, status_labels=STATUS_LABELS)
    else:
        messages.success(request, done)
    return _to_case(case)


@login_required
@require_POST
def case_transition_submit(request, pk: int):
    user = request.user

    def act(case, data):
        partner = (
            partner_departments_for(user=user).filter(pk=data["partner"]).first()
            if data["partner"] is not None
            else None
        )
        merge_into = None
        if data["merge_into"].strip():
            try:
                merge_into = case_get_for(user=user, number=data["merge_into"].strip())
            except Http404:
                raise ValidationError(
                    {"merge_into": [_("There is no case %(n)s that you can see.") % {"n": data["merge_into"].strip()}]}
                ) from None
        case_transition(
            case=case,
            actor=user,
            to_status=data["to_status"],
            note=data["note"],
            resolution=data["resolution"],
            reason=data["reason"],
            partner=partner,
            merge_into=merge_into,
        )
        return _("The case is now: %(status)s.") % {"status": STATUS_LABELS[data["to_status"]]}

    return _case_post(request, pk, TransitionForm, act)


@login_required
@require_POST
def case_assign_submit(request, pk: int):
    user = request.user

    def act(case, data):
        if data["take"]:
            assignee = user
        elif data["assignee"] is not None:
            assignee = staff_list_for(user=user).filter(pk=data["assignee"]).first()
        else:
            assignee = None
        case_assign(case=case, actor=user, assignee=assignee)
        return _("Assigned to %(name)s.") % {"name": assignee}

    return _case_post(request, pk, AssignForm, act)


@login_required
@require_POST
def case_note_submit(request, pk: int):
    def act(case, data):
        case_note(case=case, actor=request.user, text=data["text"], is_public=data["is_public"])
        return _("Note added.")

    return _case_post(request, pk, NoteForm, act)


@login_required
@require_POST
def case_rate_submit(request, pk: int):
    def act(case, data):
        case_rate(case=case, actor=request.user, rating=data["rating"], comment=data["comment"])
        return _("Thank you for your rating.")

    return _case_post(request, pk, RateForm, act)


@login_required
@require_POST
def case_reveal(request, pk: int, field: str):
    """Show one whole phone or ID number to a role allowed to see it; each view is audited."""
    case = case_get_for(user=request.user, pk=pk)
    if field not in PERSONAL_FIELDS:
        raise Http404("no such field")
    label, locate = PERSONAL_FIELDS[field]
    target, attr = locate(case)
    if target is None:
        raise Http404("no such field")
    whole = personal_data_reveal(actor=request.user, target=target, field=attr)
    context = {"case": case, "label": label, "whole": whole}
    return render(request, "cases/_revealed.html" if _is_htmx(request) else "cases/case_reveal.html", context)


# --- residents --------------------------------------------------------------------------------


def _filing_station(request):
    """Return the station a request is filed with: the user's, the one named in ?station=, or the only one."""
    if request.user.is_authenticated and request.user.station_id:
        return request.user.station
    stations = station_list_public()
    code = request.GET.get("station")
    if code:
        return stations.filter(code=code).first()
    first_two = list(stations[:2])
    return first_two[0] if len(first_two) == 1 else None


def request_new(request):
    """File a request online: signed in, with a phone number, or anonymously."""
    station = _filing_station(request)
    if station is None:
        return render(request, "cases/request_station.html", {"stations": station_list_public()})
    user = request.user
    ask_contact = not user.is_authenticated
    categories = category_list_for(station_id=station.id)
    form = OnlineRequestForm(request.POST or None, categories=categories, ask_contact=ask_contact)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = REPORTING_CHANNELS.get(getattr(user, "role", None), Channel.ONLINE)
            case = case_open(
                station=station,
                actor=user if user.is_authenticated else None,
                channel=channel,
                category=data["category"],
                description=data["description"],
                address=data["address"],
                lat=data["lat"],
                lon=data["lon"],
                is_anonymous=data.get("is_anonymous", False),
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect("cases:track", token=case.public_token)
    return render(request, "cases/request_new.html", {"form": form, "station": station})


def request_track(request, token: str):
    """The share link of a request: its number, status and public events, for whoever holds the link."""
    case = case_get_by_token(token=token)
    is_reporter = request.user.is_authenticated and case.reporter_user_id == request.user.pk
    return render(
        request,
        "cases/request_track.html",
        {
            "case": case,
            "timeline": case_public_timeline(case=case),
            "is_reporter": is_reporter,
            "share_url": request.build_absolute_uri(),
        },
    )


@login_required
def request_list(request):
    """A resident's own requests with their status and public updates."""
    page = Paginator(case_requests_for(user=request.user), REQUESTS_PAGE_SIZE).get_page(request.GET.get("page"))
    # "Please rate" shows exactly where the case page offers the rating (case_actions_for decides).
    rows = [(case, case_actions_for(user=request.user, case=case).may_rate) for case in page]
    return render(request, "cases/request_list.html", {"page": page, "rows": rows})


# --- department referrals ---------------------------------------------------------------------


@login_required
def referral_list(request):
    """Referrals to my department (or my station's, for caseworkers), open ones first."""
    page = Paginator(referral_inbox_for(user=request.user), REFERRALS_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(referral, referral.is_overdue_at(now)) for referral in page]
    return render(request, "cases/referral_list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def referral_reply_submit(request, pk: int):
    referral = referral_get_for(user=request.user, pk=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages_from_error(request, _form_problems(form))
    else:
        try:
            referral_reply(referral=referral, actor=request.user, reply=form.cleaned_data["reply"])
        except (ValidationError, Conflict) as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Reply recorded on case %(n)s.") % {"n": referral.case.number})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("cases:referrals")
