"""Every persona follows every same-site link from the home page: no server error, no leaked number.

A bounded breadth-first walk over links and GET forms as they are filled in (sign-out, the language switch and the admin are left
alone) over a station with cases in most states. Whole phone and ID numbers are shown only by
the audited reveal POST, so no GET page may carry one; roles that may not even see the masked
form (volunteers, lookouts, liaisons, residents, visitors) must not get that either.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.test import Client

from lianxin.core.pii import KIND_ID_CARD, KIND_PHONE, mask
from lianxin.core.roles import may_see_masked

PAGE_LIMIT = 120
SKIPPED_PREFIXES = ("/logout/", "/i18n/", "/admin/", "/static/", "/media/")
WHOLE_NUMBERS = {"13812345678": KIND_PHONE, "11010519491231002X": KIND_ID_CARD, "13900000001": KIND_PHONE}
PERSONAS = [
    "chief",
    "officer",
    "registry",
    "auxiliary",
    "grid_member",
    "volunteer",
    "lookout",
    "mediator",
    "dept_liaison",
    "bank_liaison",
    "resident_user",
    None,
]


class LinkParser(HTMLParser):
    """Collect the href of every <a>, and each GET form as the URL it submits with its current values."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form = (attrs.get("action") or "", [])
        elif self._form is not None and tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio", "submit") or "checked" in attrs:
                self._form[1].append((attrs["name"], attrs.get("value") or ""))
        elif self._form is not None and tag == "select":
            self._select = attrs.get("name")
        elif self._select and tag == "option" and "selected" in attrs:
            self._form[1].append((self._select, attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            action, fields = self._form
            self.links.append(f"{action}?{urlencode(fields)}")
            self._form = None


def same_site_target(base: str, href: str) -> str | None:
    """Return the path?query that href leads to on this site, or None for other sites and skipped paths."""
    url, _fragment = urldefrag(urljoin(f"http://testserver{base}", href))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, start: str = "/", limit: int = PAGE_LIMIT) -> dict[str, tuple[int, str]]:
    """Return {url: (status, body)} for the pages reached from start, breadth first, at most limit pages."""
    seen: dict[str, tuple[int, str]] = {}
    queue, queued = deque([start]), {start}
    while queue and len(seen) < limit:
        url = queue.popleft()
        response = client.get(url)
        body = (
            response.content.decode(errors="replace")
            if response.get("Content-Type", "").startswith(("text/html", "application/json"))
            else ""
        )
        seen[url] = (response.status_code, body)
        targets = []
        if response.status_code in (301, 302, 303, 307, 308):
            targets.append(response["Location"])
        elif "text/html" in response.get("Content-Type", ""):
            parser = LinkParser()
            parser.feed(body)
            targets = parser.links
        for href in targets:
            target = same_site_target(url, href)
            if target is not None and target not in queued:
                queued.add(target)
                queue.append(target)
    return seen


@pytest.fixture
def busy_station(world, open_case):
    """Station A with cases new, accepted, in progress, referred, resolved, closed and rated, rejected,
    merged, at the duty desk, filed by a volunteer, a lookout and a bank; one case in station B."""
    from lianxin.cases.models import Channel
    from lianxin.cases.services import (
        cart_contact_record,
        cart_stop_start,
        case_assign,
        case_note,
        case_open,
        case_rate,
        case_transition,
    )
    from lianxin.core.services import personal_data_reveal

    w, person = world, world.resident
    new = open_case(reporter=person, contact_name="王秀兰", contact_phone="13812345678", subjects=[person])
    working = open_case(contact_phone="13812345678", subjects=[person], description="楼道灯坏了")
    case_transition(case=working, actor=w.officer, to_status="accepted")
    case_assign(case=working, actor=w.officer, assignee=w.grid_member)
    case_transition(case=working, actor=w.officer, to_status="in_progress")
    case_note(case=working, actor=w.officer, text="已联系物业", is_public=True)
    case_note(case=working, actor=w.officer, text="内部：物业电话已核实", is_public=False)
    open_case(category=w.cat_noise, contact_phone="13812345678", description="夜里装修噪声")  # referred
    filed = case_open(
        station=w.station,
        actor=w.resident_user,
        channel=Channel.ONLINE,
        category=w.cat_papers,
        description="想补办身份证",
        lat=w.in_grid1[0],
        lon=w.in_grid1[1],
        contact_phone="13812345678",
    )
    case_transition(case=filed, actor=w.officer, to_status="accepted")
    case_transition(case=filed, actor=w.officer, to_status="resolved", resolution="advice_given")
    case_rate(case=filed, actor=w.resident_user, rating=5, comment="很好")
    resolved = case_open(
        station=w.station,
        actor=w.resident_user,
        channel=Channel.ONLINE,
        category=w.cat_papers,
        description="户口本丢了",
        lat=w.in_grid1[0],
        lon=w.in_grid1[1],
    )
    case_transition(case=resolved, actor=w.officer, to_status="accepted")
    case_transition(case=resolved, actor=w.officer, to_status="resolved", resolution="service_done")
    rejected = open_case(description="与派出所无关的事")
    case_transition(case=rejected, actor=w.officer, to_status="rejected", reason="不属于公安职责")
    duplicate = open_case(description="同一件事又报了一次", contact_phone="13812345678")
    case_transition(case=duplicate, actor=w.officer, to_status="merged", merge_into=new)
    open_case(point=w.outside, category=w.cat_fight, description="河边有人打架")  # duty desk
    open_case(actor=w.volunteer, channel=Channel.PATROL_FINDING, description="巡逻发现井盖缺失")
    open_case(actor=w.lookout, channel=Channel.LOOKOUT_TIP, description="有陌生车辆徘徊")
    open_case(actor=w.bank_liaison, channel=Channel.BANK_ALERT, description="老人大额转账", subjects=[person])
    stop = cart_stop_start(actor=w.officer, place="东市场广场")
    cart_contact_record(
        actor=w.officer,
        category=w.cat_papers,
        description="咨询居住证",
        solved_on_the_spot=True,
        stop=stop,
        contact_phone="13812345678",
    )
    personal_data_reveal(actor=w.chief, target=person, field="phone", reason="call_back")  # an audit row to list
    case_open(
        station=w.b.station,
        actor=w.b.officer,
        channel=Channel.WALK_IN,
        category=w.b.cat_papers,
        description="乙所的案件",
        lat=w.b.in_grid1[0],
        lon=w.b.in_grid1[1],
    )
    return w


def leaks(body: str, user) -> list[str]:
    """Return what body shows of the fixture's numbers that user may not see through a GET page."""
    found = [number for number in WHOLE_NUMBERS if number in body]
    found += [
        mask(kind, number)
        for number, kind in WHOLE_NUMBERS.items()
        if not may_see_masked(user, kind) and mask(kind, number) in body
    ]
    return found


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_reachable_page_answers_and_keeps_numbers_hidden(busy_station, persona):
    from django.contrib.auth.models import AnonymousUser

    user = getattr(busy_station, persona) if persona else AnonymousUser()
    client = Client(raise_request_exception=False)
    if persona:
        client.force_login(user)

    pages = crawl(client)

    errors = {url: status for url, (status, _body) in pages.items() if status >= 500}
    assert not errors, f"server errors for {persona}: {errors}"
    leaked = {url: found for url, (_status, body) in pages.items() if (found := leaks(body, user))}
    assert not leaked, f"{persona} gets numbers only the audited reveal may show: {leaked}"
    if persona:  # a visitor picks a station to file with, so sees every station's name
        other_station = busy_station.b.station.name
        assert not [url for url, (_s, body) in pages.items() if other_station in body], "another station shows"
    assert len(pages) >= (2 if persona is None else 3), f"{persona} reached almost nothing: {list(pages)}"


@pytest.mark.parametrize("persona", ["officer", "chief", "grid_member", "resident_user"])
def test_the_walk_reaches_case_pages(busy_station, persona):
    """The walk is not vacuous: caseworkers and the resident reach case pages and can open them."""
    client = Client(raise_request_exception=False)
    client.force_login(getattr(busy_station, persona))
    pages = crawl(client)
    case_pages = [url for url in pages if url.startswith("/cases/") and url.split("/")[2].isdigit()]
    assert case_pages, list(pages)
    assert all(pages[url][0] == 200 for url in case_pages)


def test_same_site_target_keeps_pages_and_drops_the_rest():
    assert same_site_target("/cases/", "?box=mine#top") == "/cases/?box=mine"
    assert same_site_target("/cases/", "3/") == "/cases/3/"
    assert same_site_target("/", "https://example.org/") is None
    assert same_site_target("/", "mailto:x@example.org") is None
    assert same_site_target("/", "/i18n/setlang/") is None
    assert same_site_target("/", "/static/vendor/leaflet/leaflet.css") is None


def test_link_parser_submits_get_forms_with_their_values():
    parser = LinkParser()
    parser.feed(
        '<a href="/x/">x</a><form method="post" action="/p/"><input name="a"></form>'
        '<form action="/cases/"><input type="hidden" name="box" value="mine"><input name="q">'
        '<select name="status"><option value="">any</option><option value="new" selected>new</option>'
        '</select><input type="checkbox" name="c" value="1"><button>go</button></form>'
    )
    assert parser.links == ["/x/", "/cases/?box=mine&q=&status=new"]
