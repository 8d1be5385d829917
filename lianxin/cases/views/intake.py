"""Staff intake: one page for a hotline call, a walk-in, a council or a device alarm, on a resident's behalf."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.cases.forms import StaffIntakeForm
from lianxin.cases.selectors import case_get_for, category_list_for
from lianxin.cases.services import STAFF_INTAKE_CHANNELS, staff_intake_record
from lianxin.core.forms import form_errors_from
from lianxin.core.roles import INTAKE_ROLES, has_role
from lianxin.core.services import personal_data_display
from lianxin.people.selectors import resident_get_for, resident_list_for

WHO_MAX_CHARS = 40
WHO_RESULTS = 8


def _residents_found(user, who: str) -> list[dict]:
    """Residents matching a name or an exact phone number, as the user may see them (masked)."""
    who = (who or "").strip()[:WHO_MAX_CHARS]
    if not who:
        return []
    found = resident_list_for(user=user, q=who).select_related("grid")[:WHO_RESULTS]
    return [
        {
            "resident": r,
            "phone": personal_data_display(viewer=user, value=r.phone),
            "grid": r.grid.name if r.grid is not None else "",
        }
        for r in found
    ]


@login_required
def staff_intake(request):
    """Record what a resident brought in: the channel is chosen and recorded, on their behalf if known."""
    user = request.user
    if not has_role(user, INTAKE_ROLES):
        raise PermissionDenied(_("Your role may not record intake."))
    categories = category_list_for(station_id=user.station_id)
    data = request.POST if request.method == "POST" else None
    initial = {"channel": request.GET.get("channel") or STAFF_INTAKE_CHANNELS[0]}
    form = StaffIntakeForm(data, categories=categories, channels=STAFF_INTAKE_CHANNELS, initial=initial)
    who = request.GET.get("who", "")
    chosen = None
    chosen_id = request.POST.get("on_behalf_of") or request.GET.get("resident")
    if chosen_id:
        try:
            chosen = resident_get_for(user=user, pk=int(chosen_id))
        except (Http404, ValueError):
            chosen = None
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            case = staff_intake_record(
                actor=user,
                channel=cleaned["channel"],
                category=cleaned["category"],
                description=cleaned["description"],
                solved_on_the_spot=request.POST.get("outcome") == "solved",
                on_behalf_of=chosen,
                contact_name=cleaned["contact_name"],
                contact_phone=cleaned["contact_phone"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            return redirect(f"{reverse('cases:intake')}?saved={case.pk}&channel={cleaned['channel']}")
    saved = None
    if request.GET.get("saved"):
        try:
            saved = case_get_for(user=user, pk=request.GET["saved"])
        except Http404:
            saved = None
    return render(
        request,
        "cases/staff_intake.html",
        {
            "form": form,
            "who": who,
            "found": _residents_found(user, who) if who and chosen is None else [],
            "chosen": chosen,
            "chosen_phone": personal_data_display(viewer=user, value=chosen.phone) if chosen else "",
            "saved": saved,
        },
    )
