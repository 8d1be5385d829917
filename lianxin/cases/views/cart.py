"""The service cart's pages: start and end an outing, record contacts (solved on the spot or sent on)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.cases.forms import (
    CartContactForm,
    CartStopForm,
)
from lianxin.cases.selectors import (
    cart_stop_contacts_for,
    cart_stop_list_for,
    cart_stop_open_for,
    case_get_for,
    category_list_for,
)
from lianxin.cases.services import (
    cart_contact_record,
    cart_stop_end,
    cart_stop_start,
)
from lianxin.core.forms import form_errors_from
from lianxin.core.roles import INTAKE_ROLES, has_role

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
