"""Pages of the core app: the home page per role and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.live import live_topics_for, sse_response
from lianxin.core.plugins import audit_target_labels, home_url_name
from lianxin.core.selectors import audit_list_for

AUDIT_PAGE_SIZE = 50


def home(request):
    """Send a signed-in user to their role's main page; show visitors what they can do."""
    if request.user.is_authenticated:
        # Where each role's day starts is its apps' say (their plugins' `home`).
        url_name = home_url_name(request.user.role, default="")
        if url_name:
            # A home may carry a query ("cases:inbox?box=unassigned": the duty desk's inbox box).
            name, _, query = url_name.partition("?")
            return redirect(reverse(name) + (f"?{query}" if query else ""))
    return render(request, "core/home.html")


@login_required
def audit_list(request):
    """The station's audit log, newest first (station chief only: others get 403)."""
    view = request.GET.get("view", "all")
    entries = audit_list_for(user=request.user, view=view)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    labels = audit_target_labels(
        station_id=request.user.station_id, targets=[(e.target_type, e.target_id) for e in page]
    )
    for entry in page:
        entry.label, entry.url = labels.get((entry.target_type, entry.target_id), ("", ""))
    return render(request, "core/audit_list.html", {"page": page, "view": view})


async def live_stream(request):
    """The signed-in user's live events as Server-Sent Events (see lianxin.core.live); 401 for visitors."""
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"detail": "Sign in to receive live updates."}, status=401)
    return sse_response(live_topics_for(user))


# --- the second factor (TOTP) ------------------------------------------------------------------------------


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
def otp_verify(request):
    """Enter the code of one's authenticator app; the first time, set the app up from a QR code."""
    from django_otp import login as otp_login

    from lianxin.core.services import totp_device_for, totp_qr_svg

    device, is_new = totp_device_for(user=request.user)
    error = ""
    if request.method == "POST":
        token = (request.POST.get("otp_token") or "").strip().replace(" ", "")
        if not (token.isdigit() and len(token) == 6):
            error = _("Enter the 6 digits your authenticator app shows.")
        elif device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_safe_next(request))
        else:
            error = _("That code is not right or has expired; enter the current one.")
    context = {"is_new": is_new, "error": error, "next": _safe_next(request)}
    if is_new:
        context["qr_svg"] = totp_qr_svg(device)
        context["secret"] = device.bin_key.hex()
    return render(request, "core/otp.html", context, status=422 if error else 200)


# --- sign-in lockouts --------------------------------------------------------------------------------------


@login_required
def lockout_list(request):
    """Accounts and addresses locked out after wrong passwords (station chief); each can be unlocked."""
    from lianxin.core.selectors import lockout_list_for

    return render(request, "core/lockout_list.html", {"attempts": lockout_list_for(user=request.user)})


@login_required
@require_POST
def lockout_unlock(request):
    from lianxin.core.services import lockout_unlock as unlock

    username = (request.POST.get("username") or "").strip()
    if not username:
        raise PermissionDenied(_("Say which account to unlock."))
    unlock(actor=request.user, username=username)
    messages.success(request, _("%(name)s may sign in again.") % {"name": username})
    return redirect("core:lockouts")
