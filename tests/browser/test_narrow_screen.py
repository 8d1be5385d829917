"""At 360 px nothing sticks out sideways, every inbox tab is in sight and numbers stay in one piece.

Pages: inbox, case page, cart (officer) and the audit log (chief).
"""

from __future__ import annotations

import re

from tests.browser.test_journey import browser, phone, pytestmark, sign_in  # noqa: F401 (fixture and marks)

# Elements reaching past the right edge; the map clips its own panes.
OVERFLOWING = """() => [...document.querySelectorAll('main *')]
    .filter(e => !e.closest('.leaflet-container') && e.getBoundingClientRect().right > window.innerWidth + 1)
    .map(e => e.tagName + '.' + e.className)"""


def test_inbox_case_page_and_cart_fit_a_phone(transactional_db, live_server, world, open_case, browser):  # noqa: F811
    from lianxin.cases.services import cart_contact_record, cart_stop_end, cart_stop_start, case_transition
    from lianxin.core.services import personal_data_reveal

    case = open_case(reporter=world.resident, contact_phone="13812345678", subjects=[world.resident])
    stop = cart_stop_start(actor=world.officer, place="东市场广场")
    cart_contact_record(
        actor=world.officer, category=world.cat_papers, description="咨询", solved_on_the_spot=True, stop=stop
    )
    cart_stop_end(stop=stop, actor=world.officer)
    case_transition(case=case, actor=world.officer, to_status="accepted")
    errors: list[str] = []
    page = phone(browser, live_server.url, errors)
    sign_in(page, world.officer.username)

    page.goto("/cases/")
    assert page.evaluate(OVERFLOWING) == []
    for tab in page.locator("nav.tabs a").all():
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, tab.inner_text()

    page.goto(f"/cases/{case.pk}/")
    assert page.evaluate(OVERFLOWING) == []
    for number in page.locator(".facts .phone").all():
        line_height = number.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert number.bounding_box()["height"] < 1.5 * line_height, f"{number.inner_text()} breaks across lines"

    page.goto("/cases/cart/")
    assert page.evaluate(OVERFLOWING) == []
    assert page.locator("table.list td.nowrap").first.inner_text().startswith(stop.started_at.strftime("%Y-"))

    personal_data_reveal(actor=world.chief, target=world.resident, field="id_number", reason="call_back")
    page = phone(browser, live_server.url, errors)
    sign_in(page, world.chief.username)
    page.goto("/audit/")
    assert page.evaluate(OVERFLOWING) == []
    # The chief's long menu folds on a phone: a few links and "More", which unfolds the rest.
    menu = page.locator("#main-menu")
    assert menu.bounding_box()["height"] < 150, "the menu should not fill the phone's first screen"
    more = menu.get_by_role("button", name=re.compile("^更多"))
    assert page.get_by_role("link", name="数据", exact=True).count() == 0
    more.click()
    assert page.get_by_role("link", name="数据", exact=True).is_visible()
    assert menu.get_by_role("button", name="收起").get_attribute("aria-expanded") == "true"
    record = page.locator("table.list td.nowrap").first
    assert record.bounding_box()["height"] < 1.5 * record.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert errors == []
