"""Referrals to partner departments: the department's inbox and its reply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.cases.forms import (
    ReplyForm,
)
from lianxin.cases.selectors import (
    referral_get_for,
    referral_inbox_for,
)
from lianxin.cases.services import (
    referral_reply,
)
from lianxin.cases.views.common import (
    REFERRALS_PAGE_SIZE,
    _form_problems,
)
from lianxin.core.api import is_storable
from lianxin.core.errors import Conflict
from lianxin.core.forms import messages_from_error

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
    # Only a path of this site: "abc" or "//evil" would otherwise be taken for a URL name or a host.
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and is_storable(target)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return HttpResponseRedirect(target)
    return redirect("cases:referrals")
