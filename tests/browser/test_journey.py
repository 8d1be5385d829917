"""The platform's main journey in a real browser (Playwright driving Debian's Chromium).

An officer signs in on a phone-sized screen and records a cart contact solved on the
spot; a resident files a request online; the grid's officer finds it in the inbox and
resolves it; the resident rates it five stars. Screenshots go to /tmp for a person to
look at (LIANXIN_SCREENSHOTS to change the folder); they are not part of the check.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lianxin.cases.models import Case, Channel, EventKind, Resolution, Status
from lianxin.core.vendor import VENDOR_DIR
from tests.conftest import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
SCREENSHOTS = Path(os.environ.get("LIANXIN_SCREENSHOTS", "/tmp/lianxin-screens"))
CASE_NUMBER_RE = re.compile(r"LX-\d{4}-\d{6}")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)",
    ),
]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between steps are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def phone(browser, base_url: str, errors: list[str]):
    """Return a new page in its own session on a 360×740 screen with a Chinese browser.

    Script errors on the page are appended to errors.
    """
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        base_url=base_url,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_cart_online_request_resolve_and_rate(transactional_db, live_server, world, browser):
    # 1. The officer at the service cart, on a phone: start a stop, one contact solved on the spot.
    script_errors: list[str] = []
    officer = phone(browser, live_server.url, script_errors)
    sign_in(officer, "a_officer")
    officer.goto("/cases/cart/")
    officer.get_by_label("服务车在哪里？").fill("东市场广场")
    officer.get_by_role("button", name="开始", exact=True).click()
    officer.get_by_text("证件办理").click()
    officer.get_by_label("群众有什么诉求？").fill("老人身份证过期，咨询换证")
    officer.get_by_role("button", name="当场办结").click()
    confirmation = officer.locator(".confirm .big-number")
    confirmation.wait_for()
    cart_number = confirmation.inner_text().strip()
    assert CASE_NUMBER_RE.fullmatch(cart_number)
    assert officer.locator("#stop-contacts").inner_text() == "1"
    assert officer.get_by_label("群众有什么诉求？").input_value() == ""
    shot(officer, "1-cart-saved")

    # 2. A resident files a request online from their own phone.
    resident = phone(browser, live_server.url, script_errors)
    sign_in(resident, "a_resident")
    resident.get_by_role("link", name="我要反映").first.click()
    resident.get_by_text("证件办理").click()
    resident.get_by_label("请说说您的诉求").fill("想给母亲办理居住证，需要带什么材料？")
    resident.get_by_role("button", name="提交").click()
    online_number = resident.locator(".big-number").inner_text().strip()
    assert CASE_NUMBER_RE.fullmatch(online_number) and online_number != cart_number
    shot(resident, "2-request-filed")

    # 3. The grid's officer finds it in the inbox and resolves it.
    officer.goto("/cases/")
    officer.get_by_role("link", name="我的网格").click()
    officer.get_by_role("link", name=re.compile(online_number)).click()
    officer.locator("summary", has_text="办结").click()
    officer.get_by_label("怎样办结的？").select_option("advice_given")
    officer.get_by_label("备注（可不填）").fill("已电话告知所需材料")
    officer.locator("details[open] button[type=submit]").click()
    officer.locator(".msg.success").wait_for()
    if (VENDOR_DIR / "leaflet" / "leaflet.js").exists():  # installed by `make static`
        officer.locator("#case-map path.leaflet-interactive").first.wait_for()  # grid and point are drawn
    shot(officer, "3-case-resolved")

    # 4. The resident rates it five stars.
    resident.goto("/cases/mine/")
    resident.get_by_role("link", name=re.compile(online_number)).click()
    # Stars first, then a comment, then the button: choosing a star alone sends nothing.
    resident.get_by_role("radio", name="5 星").check()
    resident.get_by_label("留言（可不填）").fill("民警很耐心")
    resident.get_by_role("button", name="提交评价").click()
    resident.locator(".msg.success").wait_for()
    shot(resident, "4-rated")

    assert script_errors == []
    cart_case = Case.objects.get(number=cart_number)
    assert (cart_case.channel, cart_case.status, cart_case.resolution) == (
        Channel.SERVICE_CART,
        Status.CLOSED,
        Resolution.ON_THE_SPOT,
    )
    assert cart_case.cart_stop.place == "东市场广场" and cart_case.cart_stop.officer == world.officer
    online = Case.objects.get(number=online_number)
    assert (online.channel, online.reporter_user, online.grid) == (Channel.ONLINE, world.resident_user, world.grid1)
    assert (online.status, online.resolution, online.rating) == (Status.CLOSED, Resolution.ADVICE_GIVEN, 5)
    assert online.rating_comment == "民警很耐心"
    assert list(
        online.events.filter(kind__in=[EventKind.TRANSITION, EventKind.RATED]).values_list(
            "kind", "to_status", "actor__username"
        )
    ) == [("transition", "resolved", "a_officer"), ("rated", "", "a_resident"), ("transition", "closed", "a_resident")]
