"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the case spine.

Mapping:
- jurisdiction_id is a station code (optional when the site serves one station, or
  when the api_key's owner belongs to a station);
- a service is a category (service_code = Category.code);
- a service request is a case: service_request_id = Case.number, token = Case.public_token;
- status is "open" for OPEN_STATUSES and "closed" otherwise; status_notes is the text of
  the case's latest public event; agency_responsible is the department a referral went
  to, else the team; times are ISO 8601 in the station's zone with its offset.

The public GET never shows personal data: no reporter, no contact name or phone, no
token (that goes only to the client that filed), description and location only for
requests that were themselves filed through Open311 (other channels were not filed in
public), and every text passes through core.textmask (phone, ID and card numbers masked)
and is cut at STATUS_NOTES_MAX_CHARS. The list is paged (page, page_size: default
PAGE_SIZE_DEFAULT, at most PAGE_SIZE_MAX), cached for LIST_CACHE_SECONDS in the shared
cache, and limited per address (settings.LIANXIN_RATE_LIMITS["open311_list"]: 429). Answers are JSON or XML by the path's
suffix; errors use the GeoReport shape: [{"code": 400, "description": "..."}], or
<errors><error><code>400</code><description>...</description></error></errors>.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import zoneinfo
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lianxin.cases.models import OPEN_STATUSES, Case, CaseEvent, Channel, EventKind, Referral
from lianxin.cases.selectors import case_get_by_token, category_list_for
from lianxin.cases.services import case_open
from lianxin.cases.services.events import public_list_version
from lianxin.core.api import is_storable
from lianxin.core.models import Station
from lianxin.core.ratelimit import client_address, rate_limited
from lianxin.core.services import api_token_authenticate
from lianxin.core.textmask import mask_numbers

FORMAT_JSON = "json"
FORMAT_XML = "xml"
FORMATS = (FORMAT_JSON, FORMAT_XML)
# Characters XML 1.0 cannot carry at all; dropped from text in XML answers.
XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The spec's default window when neither start_date nor end_date is given.
DEFAULT_WINDOW_DAYS = 90
# Most requests one GET returns (the spec lets a server cap its answers).
MAX_REQUESTS_PER_QUERY = 1000
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200
PAGE_MAX = 10_000
STATUS_NOTES_MAX_CHARS = 500
LIST_CACHE_SECONDS = 30
MAX_IDS_PER_QUERY = 100
# Requests filed through these channels were filed in public: their text and place are shown.
PUBLISHED_CHANNELS = frozenset({Channel.OPEN311})
PARAM_MAX_CHARS = 5000


class Open311Error(Exception):
    """An error answered in the GeoReport shape with its HTTP status."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


@dataclass(frozen=True)
class Answer:
    """What a GeoReport view answers, before it is rendered as JSON or XML.

    In XML a list becomes <root><item>...</item>...</root> and a dict with item None
    becomes <root>...</root>, as the GeoReport examples show.
    """

    data: list | dict
    root: str = "service_requests"
    item: str | None = "request"
    status: int = 200


def _error(status: int, description: str) -> Answer:
    return Answer([{"code": status, "description": description}], root="errors", item="error", status=status)


def _render(answer: Answer, fmt: str) -> HttpResponse:
    if fmt == FORMAT_XML:
        return HttpResponse(_xml(answer), content_type="text/xml; charset=utf-8", status=answer.status)
    return JsonResponse(answer.data, status=answer.status, safe=False)


def _xml(answer: Answer) -> bytes:
    root = ElementTree.Element(answer.root)
    for record in answer.data if isinstance(answer.data, list) else [answer.data]:
        element = ElementTree.SubElement(root, answer.item) if answer.item else root
        for key, value in record.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None and not isinstance(value, list):
                child.text = XML_FORBIDDEN_RE.sub("", str(value))
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def open311_view(methods: list[str]):
    """Wrap a GeoReport view: check method and format, render its Answer, our errors in the spec's shape."""

    def decorate(view):
        @csrf_exempt  # systems POST with an api_key, not a browser session
        @require_http_methods(methods)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return _render(
                    _error(400, _("Format %(fmt)s is not supported; use .json or .xml.") % {"fmt": fmt[:10]}),
                    FORMAT_JSON,
                )
            try:
                answer = view(request, *args, **kwargs)
            except Open311Error as exc:
                answer = _error(exc.status, exc.description)
            except Http404:
                answer = _error(404, _("Not found."))
            except PermissionDenied as exc:
                answer = _error(403, str(exc) or _("You may not do this."))
            except ValidationError as exc:
                answer = _error(400, _validation_text(exc))
            return _render(answer, fmt)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{_SERVICE_TO_OPEN311_FIELD.get(field, field)}: {message}"
            for field, messages in exc.message_dict.items()
            for message in messages
        )
    return "; ".join(exc.messages)


# Our service's field names → the GeoReport parameter a client sent.
_SERVICE_TO_OPEN311_FIELD = {
    "lat": "lat",
    "lon": "long",
    "location": "lat/long",
    "contact_phone": "phone",
    "contact_name": "first_name",
    "category": "service_code",
    "address": "address_string",
    "media_url": "media_url",
}


# ---------------------------------------------------------------- parameters and reads


def _param(data, name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > PARAM_MAX_CHARS or not is_storable(value):
        raise Open311Error(400, _("%(name)s is not valid text.") % {"name": name})
    return value.strip()


def _station(data, *, owner=None) -> Station:
    """Return the jurisdiction's station: by jurisdiction_id, else the api_key owner's, else the only one."""
    code = _param(data, "jurisdiction_id")
    if code:
        station = Station.objects.filter(code=code).first()
        if station is None:
            raise Open311Error(404, _("jurisdiction_id %(code)s is not served here.") % {"code": code[:40]})
        return station
    if owner is not None and owner.station_id is not None:
        return owner.station
    stations = list(Station.objects.order_by("id")[:2])
    if len(stations) != 1:
        raise Open311Error(400, _("jurisdiction_id is required."))
    return stations[0]


def _local(moment: dt.datetime | None) -> str | None:
    """Return moment as ISO 8601 in the station's zone with its offset (2026-06-15T10:00:00+08:00)."""
    if moment is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)).isoformat(timespec="seconds")


def _parse_moment(data, name: str) -> dt.datetime | None:
    text = _param(data, name)
    if not text:
        return None
    try:
        moment = parse_datetime(text.replace(" ", "+"))  # "+08:00" arrives as " 08:00" when not URL-encoded
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValueError(text)
            moment = dt.datetime.combine(day, dt.time())
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE))
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise Open311Error(400, _("%(name)s must be an ISO 8601 date and time.") % {"name": name}) from None


def _list_param(data, name: str) -> list[str]:
    return [part.strip() for part in _param(data, name).split(",") if part.strip()]


def request_public_list(*, station: Station) -> QuerySet[Case]:
    """Return a station's cases with what the public GeoReport view needs, newest first."""
    public_events = CaseEvent.objects.filter(is_public=True).exclude(text="").order_by("-at", "-id")
    return (
        Case.objects.filter(station=station, is_restricted=False)
        .select_related("category", "team")
        .prefetch_related(
            Prefetch("events", queryset=public_events, to_attr="public_events_newest_first"),
            Prefetch(
                "referrals",
                queryset=Referral.objects.select_related("partner").order_by("-sent_at", "-id"),
                to_attr="referrals_newest_first",
            ),
        )
        .order_by("-opened_at", "-id")
    )


def request_public_filter(*, station: Station, data, now: dt.datetime) -> QuerySet[Case]:
    """Apply the GeoReport filters of data to the station's cases (service_request_id wins over the rest)."""
    cases = request_public_list(station=station)
    ids = _list_param(data, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS_PER_QUERY:
            raise Open311Error(400, _("Ask for at most %(n)d service_request_id values.") % {"n": MAX_IDS_PER_QUERY})
        return cases.filter(number__in=ids)
    codes = _list_param(data, "service_code")
    if codes:
        cases = cases.filter(category__code__in=codes)
    start, end = _parse_moment(data, "start_date"), _parse_moment(data, "end_date")
    if start is None and end is None:
        start = now - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    if start is not None:
        cases = cases.filter(opened_at__gte=start)
    if end is not None:
        cases = cases.filter(opened_at__lte=end)
    statuses = set(_list_param(data, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed."))
    if statuses == {"open"}:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        cases = cases.exclude(status__in=OPEN_STATUSES)
    return cases


def _request_json(case: Case) -> dict:
    """Return one service request of request_public_list() in GeoReport field names (no personal data)."""
    published = case.channel in PUBLISHED_CHANNELS
    # Both lists come from Prefetch(to_attr=...) in request_public_list().
    notes: list[CaseEvent] = case.public_events_newest_first  # type: ignore[attr-defined]
    referrals: list[Referral] = case.referrals_newest_first  # type: ignore[attr-defined]
    opened = next((e for e in reversed(notes) if e.kind == EventKind.OPENED), None)
    agency = referrals[0].partner.name if referrals else (case.team.name if case.team else None)
    return {
        "service_request_id": case.number,
        "status": "open" if case.status in OPEN_STATUSES else "closed",
        "status_notes": _public_text(notes[0].text) if notes else None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": _public_text(case.description) if published else None,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _local(case.opened_at),
        "updated_datetime": _local(case.updated_at),
        "expected_datetime": _local(case.due_at),
        "address": (case.address or None) if published else None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat if published else None,
        "long": case.lon if published else None,
        "media_url": (opened.data.get("media_url") if opened else None) if published else None,
    }


# ---------------------------------------------------------------- views


@open311_view(["GET"])
def service_list(request: HttpRequest):
    """services.json: the station's catalogue."""
    station = _station(request.GET)
    return Answer(
        [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.description or c.name_en,
                "metadata": False,
                "type": "realtime",
                "keywords": c.keywords,
                "group": c.group,
            }
            for c in category_list_for(station_id=station.id)
        ],
        root="services",
        item="service",
    )


@open311_view(["GET"])
def service_definition(request: HttpRequest, code: str):
    """services/{code}.json: a service's definition; ours take no extra attributes."""
    station = _station(request.GET)
    if not is_storable(code) or not category_list_for(station_id=station.id).filter(code=code).exists():
        raise Open311Error(404, _("service_code %(code)s is not served here.") % {"code": code[:40]})
    return Answer({"service_code": code, "attributes": []}, root="service_definition", item=None)


@open311_view(["GET", "POST"])
def request_list(request: HttpRequest):
    """requests.json: GET lists service requests with the standard filters; POST files one."""
    if request.method == "POST":
        return _request_create(request)
    if rate_limited(scope="open311_list", key=client_address(request)):
        raise Open311Error(429, _("Too many requests from this address; try again in a minute."))
    station = _station(request.GET)
    page, size = (
        _int_param(request.GET, "page", 1, PAGE_MAX),
        _int_param(request.GET, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
    )
    query = "&".join(f"{k}={v}" for k, v in sorted(request.GET.items()))
    # The key names the station's public-list version, which every case event bumps: fresh within a write.
    version = public_list_version(station.id)
    cache_key = "lianxin:open311:list:" + hashlib.sha256(f"{station.id}:{version}?{query}".encode()).hexdigest()
    rows = cache.get(cache_key)
    if rows is None:
        cases = request_public_filter(station=station, data=request.GET, now=timezone.now())
        rows = [_request_json(c) for c in cases[(page - 1) * size : page * size]]
        cache.set(cache_key, rows, LIST_CACHE_SECONDS)
    return Answer(rows)


def _int_param(data, name: str, default: int, maximum: int) -> int:
    text = _param(data, name)
    if not text:
        return default
    if not text.isdigit() or not (1 <= int(text) <= maximum):
        raise Open311Error(
            400, _("%(name)s must be a whole number from 1 to %(max)d.") % {"name": name, "max": maximum}
        )
    return int(text)


def _public_text(text: str) -> str:
    """Return text as the public may read it: personal numbers masked, cut at STATUS_NOTES_MAX_CHARS."""
    text = mask_numbers(text or "")
    return text if len(text) <= STATUS_NOTES_MAX_CHARS else text[: STATUS_NOTES_MAX_CHARS - 1] + "…"


def _request_create(request: HttpRequest) -> Answer:
    data = request.POST
    owner = api_token_authenticate(key=_param(data, "api_key"))
    if owner is None:
        raise Open311Error(403, _("api_key is missing or not valid."))
    station = _station(data, owner=owner)
    code = _param(data, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = category_list_for(station_id=station.id).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s is not served here.") % {"code": code[:40]})
    lat, lon = _coordinate(data, "lat", 90), _coordinate(data, "long", 180)
    address = _param(data, "address_string") or _param(data, "address_id")
    if lat is None and lon is None and not address:
        raise Open311Error(400, _("Give lat and long, or address_string."))
    name = " ".join(part for part in (_param(data, "first_name"), _param(data, "last_name")) if part)
    case = case_open(
        station=station,
        actor=owner,
        channel=Channel.OPEN311,
        category=category,
        description=_param(data, "description"),
        lat=lat,
        lon=lon,
        address=address,
        contact_name=name,
        contact_phone=_param(data, "phone"),
        media_url=_param(data, "media_url"),
    )
    return Answer(
        [{"token": case.public_token, "service_request_id": case.number, "service_notice": None, "account_id": None}],
        status=201,
    )


def _coordinate(data, name: str, limit: float) -> float | None:
    text = _param(data, name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(
            400, _("%(name)s must be between -%(limit)d and %(limit)d.") % {"name": name, "limit": limit}
        )
    return value


@open311_view(["GET"])
def request_get(request: HttpRequest, request_id: str):
    """requests/{id}.json: one service request, as a one-element list."""
    station = _station(request.GET)
    if not is_storable(request_id):
        raise Http404
    case = request_public_list(station=station).filter(number__iexact=request_id).first()
    if case is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": request_id[:40]})
    return Answer([_request_json(case)])


@open311_view(["GET"])
def token_get(request: HttpRequest, token: str):
    """tokens/{token}.json: the service_request_id a token became."""
    if not is_storable(token):
        raise Http404
    case = case_get_by_token(token=token)
    return Answer([{"service_request_id": case.number, "token": case.public_token}])
