"""Pages of the core app: the home page per role and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render

from lianxin.core.live import live_topics_for, sse_response
from lianxin.core.plugins import home_url_name
from lianxin.core.selectors import audit_list_for

AUDIT_PAGE_SIZE = 50


def home(request):
    """Send a signed-in user to their role's main page; show visitors what they can do."""
    if request.user.is_authenticated:
        # Where each role's day starts is its apps' say (their plugins' `home`).
        url_name = home_url_name(request.user.role, default="")
        if url_name:
            return redirect(url_name)
    return render(request, "core/home.html")


@login_required
def audit_list(request):
    """The station's audit log, newest first (station chief only: others get 403)."""
    entries = audit_list_for(user=request.user)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page})


async def live_stream(request):
    """The signed-in user's live events as Server-Sent Events (see lianxin.core.live); 401 for visitors."""
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"detail": "Sign in to receive live updates."}, status=401)
    return sse_response(live_topics_for(user))
