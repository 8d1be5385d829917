"""An officer draws a lookout's beat area on the map on a phone: three taps make the polygon that is saved."""

# ruff: noqa: F811 (the browser fixture is imported from test_journey and used as a parameter)
from __future__ import annotations

import pytest
from shapely.geometry import Point, shape

from lianxin.tips.coverage import lookout_ids_covering
from lianxin.tips.models import Beat
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]


def test_the_officer_draws_a_beat_area_by_tapping_corners(transactional_db, live_server, net, browser):
    world = net
    errors: list[str] = []
    page = phone(browser, live_server.url, errors)
    sign_in(page, "a_officer")
    page.goto(f"/tips/posts/{world.post.pk}/beats/new/")
    page.locator("select[name=lookout]").select_option(str(world.lookout.pk))
    page.locator("#beat-map").scroll_into_view_if_needed()
    box = page.locator("#beat-map").bounding_box()
    assert box is not None
    # Three corners of a triangle in the middle of the map, then a fourth taken back.
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (0, 60), (80, 80)):
        page.mouse.click(cx + dx, cy + dy)
    page.get_by_role("button", name="撤销上一个角").click()
    shot(page, "tips-beat-draw-360")
    page.get_by_role("button", name="保存责任区").click()
    page.wait_for_url(lambda url: "/beats/new/" not in url)
    beat = Beat.objects.get(lookout=world.lookout)
    polygon = shape(beat.area)
    assert beat.area["type"] == "Polygon" and len(beat.area["coordinates"][0]) == 4  # three corners, closed
    assert polygon.is_valid and polygon.area > 0
    # What was drawn is what coverage uses: the triangle's centre is covered by the lookout.
    centre = polygon.centroid
    assert world.lookout.pk in lookout_ids_covering(station_id=world.station.pk, lat=centre.y, lon=centre.x)
    assert not polygon.contains(Point(centre.x + 1, centre.y))
    assert errors == []
