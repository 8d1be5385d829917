"""Pages of the core app: the home page per role and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from lianxin.core.models import Role
from lianxin.core.selectors import audit_list_for

AUDIT_PAGE_SIZE = 50
# Each role's main page; roles not listed work from the case inbox.
ROLE_HOME_URL = {
    Role.RESIDENT: "cases:mine",
    Role.DEPARTMENT_LIAISON: "cases:referrals",
    Role.AUXILIARY: "cases:cart",
}


def home(request):
    """Send a signed-in user to their role's main page; show visitors what they can do."""
    if request.user.is_authenticated:
        return redirect(ROLE_HOME_URL.get(request.user.role, "cases:inbox"))
    return render(request, "core/home.html")


@login_required
def audit_list(request):
    """The station's audit log, newest first (station chief only: others get 403)."""
    entries = audit_list_for(user=request.user)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page})
