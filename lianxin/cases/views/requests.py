"""Residents' requests: filing online (signed in or not), following them by link, their own list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lianxin.cases.forms import (
    OnlineRequestForm,
)
from lianxin.cases.models import Channel
from lianxin.cases.selectors import (
    case_actions_for,
    case_get_by_token,
    case_public_timeline,
    case_requests_for,
    category_list_for,
)
from lianxin.cases.services import (
    case_open,
)
from lianxin.cases.views.common import (
    REPORT_FORM_WORDING,
    REQUESTS_PAGE_SIZE,
    reporting_channel,
)
from lianxin.core.api import is_storable
from lianxin.core.forms import form_errors_from
from lianxin.core.plugins import report_page
from lianxin.core.ratelimit import client_address, rate_limited
from lianxin.core.selectors import station_list_public

# --- residents --------------------------------------------------------------------------------


STATION_CODE_MAX_CHARS = 32


def _filing_station(request):
    """Return the station a request is filed with: the user's, the one named in ?station=, or the only one."""
    if request.user.is_authenticated and request.user.station_id:
        return request.user.station
    stations = station_list_public()
    code = request.GET.get("station")
    if code:
        return stations.filter(code=code).first() if is_storable(code) and len(code) <= STATION_CODE_MAX_CHARS else None
    first_two = list(stations[:2])
    return first_two[0] if len(first_two) == 1 else None


def request_new(request):
    """File a request online: signed in, with a phone number, or anonymously."""
    station = _filing_station(request)
    if station is None:
        return render(request, "cases/request_station.html", {"stations": station_list_public()})
    user = request.user
    if user.is_authenticated and report_page(user.role):
        # An app records this role's reports itself (a lookout's is a tip): its form, not this one.
        return redirect(report_page(user.role))
    ask_contact = not user.is_authenticated
    channel = reporting_channel(user)
    heading, prompt = REPORT_FORM_WORDING.get(channel, REPORT_FORM_WORDING[Channel.ONLINE])
    categories = category_list_for(station_id=station.id, channel=channel)
    form = OnlineRequestForm(request.POST or None, categories=categories, ask_contact=ask_contact)
    form.fields["description"].label = prompt
    if (
        request.method == "POST"
        and not user.is_authenticated
        and rate_limited(scope="anonymous_filing", key=client_address(request))
    ):
        form.is_valid()
        form.add_error(None, _("Too many requests were filed from this address; please try again later or call us."))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
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
    return render(request, "cases/request_new.html", {"form": form, "station": station, "heading": heading})


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
