"""Pages of the tips app: send a tip (named or anonymous), follow it by receipt code, the officers' side."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianxin.core.models import Station
from lianxin.core.ratelimit import client_address, rate_limited
from lianxin.core.services import audit_record
from lianxin.tips import selectors, services
from lianxin.tips.models import Sensitivity, Tip, TipKind, TipOutcome, TipPhoto

# A link to a photo of an anonymous tip, given after its receipt code was checked, works this long.
FOLLOW_PHOTO_LINK_SECONDS = 600
FOLLOW_PHOTO_SALT = "tips.follow-photo"


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") else exc.messages


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {}


def _float(value, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _station_for(request) -> Station | None:
    user = request.user
    if user.is_authenticated and user.station_id:
        return user.station
    # Without an account: the one station this site serves (the first, for a multi-station demo).
    return Station.objects.order_by("id").first()


def _form_context(request, **extra) -> dict:
    user = request.user
    named = selectors.may_send_named(user)
    return {
        "kinds": TipKind.choices,
        "may_send_named": named,
        "photos_max": settings.LIANXIN_TIP_PHOTOS_MAX,
        "mine": [(t, selectors.status_for_source(tip=t)) for t in selectors.tip_list_mine(user=user)[:20]]
        if named
        else [],
        "appeals_received": selectors.appeal_list_received(user=user, now=timezone.now()) if named else [],
        **extra,
    }


@never_cache
def tip_home(request):
    """Send a tip from the phone; a lookout sees their own tips and what became of them."""
    return render(request, "tips/tip_home.html", _form_context(request))


@never_cache
@require_POST
def tip_send(request):
    user = request.user if request.user.is_authenticated else None
    anonymous = user is None or not selectors.may_send_named(user) or request.POST.get("anonymous") == "1"
    if anonymous and rate_limited(scope="anonymous_filing", key=client_address(request)):
        return render(
            request,
            "tips/tip_home.html",
            _form_context(request, errors=[_("Too many tips from here in a short time; try again later.")]),
            status=429,
        )
    station = _station_for(request)
    if station is None:
        raise PermissionDenied(_("This site serves no station yet."))
    try:
        tip, code = services.tip_send(
            station=station,
            actor=None if anonymous else user,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", ""),
            lat=_float(request.POST.get("lat"), -90, 90),
            lon=_float(request.POST.get("lon"), -180, 180),
            address=request.POST.get("address", "")[:200],
            is_anonymous=anonymous,
            photos=request.FILES.getlist("photos"),
        )
    except ValidationError as exc:
        return render(
            request,
            "tips/tip_home.html",
            _form_context(
                request,
                # The photos' problems show beside their field; the rest at the top of the form.
                errors=[m for m in _errors(exc) if m not in _field_errors(exc).get("photos", [])],
                field_errors=_field_errors(exc),
                posted=request.POST,
            ),
            status=400,
        )
    except PermissionDenied as exc:
        return render(request, "tips/tip_home.html", _form_context(request, errors=[str(exc)]), status=403)
    if code:
        # Shown once, in this answer only: it is stored nowhere in the clear.
        return render(request, "tips/tip_receipt.html", {"code": code, "status": selectors.status_for_source(tip=tip)})
    messages.success(request, _("Tip sent. The grid's officer has it."))
    return redirect("tips:mine", pk=tip.pk)


@never_cache
def tip_follow(request):
    """Follow an anonymous tip with its receipt code: its status, the thread, an answer to the officer.

    The code travels in the form body only (never in an address, so never in a log). Tries are
    rate-limited per address; a wrong code and a code of no tip get the same answer.
    """
    context: dict = {"code": ""}
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()[:64]
        if rate_limited(scope="tip_receipt", key=client_address(request)):
            return render(
                request,
                "tips/tip_follow.html",
                {"errors": [_("Too many tries; wait a few minutes and try again.")]},
                status=429,
            )
        tip = selectors.tip_get_by_receipt(code=code) if code else None
        if tip is None:
            return render(request, "tips/tip_follow.html", {"errors": [_("No tip has this receipt code.")]}, status=404)
        errors: list[str] = []
        if request.POST.get("text"):
            try:
                services.tip_source_write(tip=tip, text=request.POST["text"])
            except ValidationError as exc:
                errors = _errors(exc)
        context = {
            "code": code,
            "tip": tip,
            "status": selectors.status_for_source(tip=tip),
            "thread": selectors.thread_for(tip=tip),
            "photo_urls": [_follow_photo_url(tip, photo) for photo in selectors.photo_list_of(tip=tip)],
            "errors": errors,
        }
    return render(request, "tips/tip_follow.html", context)


def _follow_photo_url(tip: Tip, photo: TipPhoto) -> str:
    # A signed, short-lived token of (tip, photo): the receipt code itself never goes into an address.
    token = signing.dumps([tip.pk, photo.pk], salt=FOLLOW_PHOTO_SALT, compress=True)
    return reverse("tips:follow_photo", args=[token])


def _photo_response(photo: TipPhoto) -> FileResponse:
    try:
        handle = default_storage.open(photo.image.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("photo file missing") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
def follow_photo(request, token):
    """A photo of an anonymous tip, for the tipster who just opened the tip with its receipt code."""
    try:
        tip_id, photo_id = signing.loads(token, salt=FOLLOW_PHOTO_SALT, max_age=FOLLOW_PHOTO_LINK_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404("no such photo") from None
    photo = TipPhoto.objects.filter(pk=photo_id, tip_id=tip_id, tip__is_anonymous=True).first()
    if photo is None:
        raise Http404("no such photo")
    return _photo_response(photo)


@login_required
@never_cache
def mine_photo(request, pk, photo_pk):
    """A photo of a tip the signed-in lookout sent under their name."""
    tip = selectors.tip_get_mine(user=request.user, pk=pk)
    return _photo_response(selectors.photo_of(tip=tip, pk=photo_pk))


@login_required
@never_cache
def desk_photo(request, pk, photo_pk):
    """A photo of a tip, for an officer who may see the tip (another grid's or station's: 404); each view is audited."""
    tip = selectors.tip_get_for(user=request.user, pk=pk)
    photo = selectors.photo_of(tip=tip, pk=photo_pk)
    audit_record(actor=request.user, action="tip_photo_view", target=photo, station_id=tip.station_id)
    return _photo_response(photo)


@login_required
def tip_mine(request, pk):
    """A lookout's own tip: its status and the thread with the station, under their name."""
    tip = selectors.tip_get_mine(user=request.user, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.tip_source_write(tip=tip, actor=request.user, text=request.POST.get("text", ""))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect("tips:mine", pk=tip.pk)
    return render(
        request,
        "tips/tip_mine.html",
        {
            "tip": tip,
            "photos": selectors.photo_list_of(tip=tip),
            "status": selectors.status_for_source(tip=tip),
            "thread": selectors.thread_for(tip=tip),
            "errors": errors,
        },
    )


@login_required
def desk(request):
    if not selectors.may_read_tips(request.user):
        raise PermissionDenied(_("Your role may not read tips."))
    tips = selectors.tip_list_for(user=request.user).order_by("-sent_on", "-id")
    kind = request.GET.get("kind", "")
    if kind in TipKind.values:
        tips = tips.filter(kind=kind)
    return render(request, "tips/desk.html", {"tips": tips[:100], "kinds": TipKind.choices, "kind": kind})


@login_required
def desk_tip(request, pk):
    """An officer's view of one tip: the thread (ask the source), the outcome, the source's record."""
    user = request.user
    tip = selectors.tip_get_for(user=user, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            if "outcome" in request.POST:
                services.tip_outcome_set(tip=tip, actor=user, outcome=request.POST["outcome"])
                messages.success(request, _("Outcome saved."))
            else:
                services.tip_station_write(tip=tip, actor=user, text=request.POST.get("text", ""))
                messages.success(request, _("Sent to the source under the station's name."))
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        if not errors:
            return redirect("tips:desk_tip", pk=tip.pk)
    return render(
        request,
        "tips/desk_tip.html",
        {
            "tip": tip,
            "photos": selectors.photo_list_of(tip=tip),
            "thread": selectors.thread_for(tip=tip),
            "reliability": selectors.reliability_for(tip=tip),
            "sensitivity_label": Sensitivity(tip.rule.sensitivity).label,
            "outcomes": TipOutcome.choices,
            "status": selectors.status_for_source(tip=tip),
            "errors": errors,
        },
        status=400 if errors else 200,
    )
