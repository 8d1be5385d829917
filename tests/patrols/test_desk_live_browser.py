"""The desk's live map in a real browser, served by uvicorn so the live stream flows.

A member on patrol uploads a new fix; the desk's open page moves the member's marker and shows
the new distance from the live event itself — the picture endpoint is blocked here, so only the
event can have brought it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.patrols import services
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401
from tests.care.test_browser import asgi_server  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]


def test_a_new_fix_moves_the_member_on_the_desk_map_from_the_live_event(world, asgi_server, browser):  # noqa: F811
    started = timezone.now() - dt.timedelta(minutes=10)
    patrol = services.patrol_start(actor=world.volunteer, now=started)
    lat, lon = world.in_grid1
    fixes = [services.PointIn(started + dt.timedelta(seconds=10 * i), lat + i * 0.0001, lon, 5.0) for i in range(20)]
    services.patrol_points_add(patrol=patrol, actor=world.volunteer, points=fixes, now=timezone.now())
    patrol.refresh_from_db()
    errors: list[str] = []
    desk = phone(browser, asgi_server, errors)
    sign_in(desk, world.auxiliary.username)
    blocked: list[str] = []
    desk.goto("/patrols/desk/")
    desk.locator("#desk-map .leaflet-interactive").first.wait_for()
    row = desk.locator(f"[data-distance='{patrol.pk}']")
    assert row.inner_text() == f"{patrol.km:.2f} km"
    marker = desk.locator("#desk-map path.leaflet-interactive[stroke='#1d5fa8'][fill='#42a5f5']")
    before = marker.get_attribute("d")
    desk.wait_for_timeout(500)  # the stream is open

    def block(route):
        blocked.append(route.request.url)
        route.abort()

    desk.route("**/api/v1/patrols/desk", block)
    later = fixes[-1].recorded_at + dt.timedelta(seconds=10)
    services.patrol_points_add(
        patrol=patrol,
        actor=world.volunteer,
        points=[services.PointIn(later, lat + 0.0021, lon + 0.0005, 5.0)],
        now=timezone.now(),
    )
    patrol.refresh_from_db()
    desk.wait_for_function(
        "([id, text]) => document.querySelector(`[data-distance='${id}']`).textContent === text",
        arg=[patrol.pk, f"{patrol.km:.2f} km"],
        timeout=5000,
    )
    assert marker.get_attribute("d") != before  # the marker moved
    shot(desk, "desk-live-point")
    assert errors == []
