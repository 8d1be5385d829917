"""The inbox and the case page with its actions (transition, assign, note, rate, reveal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianxin.cases.forms import (
    AssignForm,
    InboxFilterForm,
    NoteForm,
    RateForm,
    TransitionForm,
)
from lianxin.cases.models import Case
from lianxin.cases.selectors import (
    MOBILE_SEARCH_RE,
    CaseFilters,
    case_actions_for,
    case_get_for,
    case_list_for,
    case_timeline_for,
    category_list_for,
    partner_departments_for,
    referral_list_for,
)
from lianxin.cases.services import (
    case_assign,
    case_note,
    case_rate,
    case_transition,
)
from lianxin.cases.transitions import resolutions_for
from lianxin.cases.views.common import (
    INBOX_BOX_LABELS,
    INBOX_PAGE_SIZE,
    PERSONAL_FIELDS,
    STATUS_LABELS,
    TRANSITION_VERBS,
    TRANSITIONS_WITH_INPUT,
    _form_problems,
    _is_htmx,
    _to_case,
)
from lianxin.core import pii
from lianxin.core.errors import Conflict
from lianxin.core.forms import messages_from_error
from lianxin.core.pii import KIND_ID_CARD
from lianxin.core.roles import ASSIGNABLE_ROLES, CASEWORKER_ROLES, GRID_ROLES, has_role, may_see_whole
from lianxin.core.selectors import staff_list_for
from lianxin.core.services import REVEAL_REASONS, personal_data_display, personal_data_reveal, text_numbers_reveal
from lianxin.core.textmask import KIND_CARD, kinds_in
from lianxin.places.selectors import base_map_for, grid_list_for

# --- inbox ------------------------------------------------------------------------------------


if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


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
    q = request.GET.get("q", "").strip()
    if q and MOBILE_SEARCH_RE.match(q):
        # A whole mobile number never stays in the address bar, the history or the access log:
        # the search goes on under its keyed digest.
        try:
            token = pii.search_token(pii.KIND_PHONE, pii.validate(pii.KIND_PHONE, q))
        except ValidationError:
            token = ""
        if token:
            query = request.GET.copy()
            query["q"] = token
            return redirect(f"{request.path}?{query.urlencode()}")
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
        if masked and value is not None:
            shown.append({"key": key, "label": label, "masked": masked, "may_reveal": may_see_whole(user, value.kind)})
    return shown


def _description_reveal(user, case) -> dict | None:
    """The reveal control for numbers typed into the description, for a role allowed them whole."""
    kinds = kinds_in(case.description)
    if not kinds:
        return None
    if not all(may_see_whole(user, KIND_ID_CARD if kind == KIND_CARD else kind) for kind in kinds):
        return None
    return {"key": "description", "masked": ""}


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
            "grid": case.grid.boundary if case.grid else None,
            "grid_name": case.grid.name if case.grid else "",
            "base": base_map_for(station_id=case.station_id),
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
            "outcome_note_visible": actions.may_note_internal or case.is_outcome_note_public,
            "transitions": transitions,
            "timeline": case_timeline_for(user=user, case=case),
            "referrals": referral_list_for(user=user, case=case),
            "personal_fields": _personal_fields(user, case),
            "partners": list(partner_departments_for(user=user)) if actions.may_refer else [],
            "staff": list(staff_list_for(user=user, roles=ASSIGNABLE_ROLES)) if actions.may_assign else [],
            "resolutions": resolutions_for(case, timezone.now()),
            "map_data": map_data,
            "is_caseworker": has_role(user, CASEWORKER_ROLES),
            "rating_choices": range(5, 0, -1),
            "reasons": REVEAL_REASONS,
            "description_reveal": _description_reveal(user, case),
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
            note_is_public=data["note_is_public"],
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


@never_cache
@login_required
@require_POST
def case_reveal(request, pk: int, field: str):
    """Show one whole phone or ID number to a role allowed to see it; each view is audited."""
    case = case_get_for(user=request.user, pk=pk)
    reason = request.POST.get("reason_text", "").strip() or request.POST.get("reason", "")
    label: StrOrPromise
    if field == "description":
        label, target, attr, reveal = _("Description"), case, "description", text_numbers_reveal
    elif field in PERSONAL_FIELDS:
        label, locate = PERSONAL_FIELDS[field]
        target, attr = locate(case)
        reveal = personal_data_reveal
    else:
        raise Http404("no such field")
    if target is None:
        raise Http404("no such field")
    try:
        whole = reveal(actor=request.user, target=target, field=attr, reason=reason)
    except ValidationError as exc:
        if _is_htmx(request):
            return render(
                request,
                "cases/_reveal_form.html",
                {
                    "case": case,
                    "item": {"key": field, "masked": ""},
                    "reasons": REVEAL_REASONS,
                    "error": exc.messages[0],
                },
                status=422,
            )
        messages_from_error(request, exc)
        return redirect("cases:detail", pk=case.pk)
    context = {"case": case, "label": label, "whole": whole}
    return render(request, "cases/_revealed.html" if _is_htmx(request) else "cases/case_reveal.html", context)
