"""A grid name typed in the admin is shown on the maps as text, never run as markup (issue 16 item 13).

Grid names reach Leaflet tooltips on the case page and the station map; Leaflet treats a string
tooltip as HTML, so the page must hand it a text node. A name carrying an <img onerror> payload is
drawn in Chromium and must show literally without the handler ever running.
"""

# ruff: noqa: F811 (the browser fixture is imported from test_journey and used as a parameter)
from __future__ import annotations

import pytest

from tests.browser.test_journey import CHROMIUM, browser, phone, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]

PAYLOAD = '浪头<img src=x onerror="window.__xss=1">'


def test_a_grid_name_with_markup_is_drawn_as_text_on_every_map(
    transactional_db, live_server, world, browser, open_case
):
    world.grid1.name = PAYLOAD
    world.grid1.save(update_fields=["name"])
    case = open_case()
    errors: list[str] = []
    page = phone(browser, live_server.url, errors)
    sign_in(page, "a_officer")
    for path in (f"/cases/{case.pk}/", "/cases/map/"):
        page.goto(path)
        if path != "/cases/map/":  # the case page names its grid on hover
            page.locator("#case-map").scroll_into_view_if_needed()
            box = page.locator("#case-map").bounding_box()
            assert box is not None
            for dx in (-40, 40, -20, 20):
                page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + 25)
                if page.locator(".leaflet-tooltip", has_text="onerror").count():
                    break
        label = page.locator(".leaflet-tooltip", has_text="onerror").first
        label.wait_for(state="attached")
        assert PAYLOAD in label.inner_text(), path  # shown as the literal text typed
        assert page.locator(".leaflet-tooltip img").count() == 0, path
        assert page.evaluate("window.__xss") is None, path
    assert not errors
