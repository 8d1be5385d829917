"""The anti-fraud journey in a real browser on a 360 px phone, served by uvicorn so live push streams.

A resident uploads a screenshot of a scam SMS (rendered here with a CJK font), sees the cues
marked and taps "I am about to pay"; the grid officer's open warnings page receives the warning
live without reloading, acknowledges it and records "dissuaded, 86,000 yuan"; the dissuaded
figure on the anti-fraud page goes up by one.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from lianxin.antifraud.models import FraudWarning, Outcome
from tests.browser.asgi import AsgiServer
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
    pytest.mark.skipif(not CJK_FONT.exists(), reason="fonts-noto-cjk is not installed"),
]


def scam_sms_png() -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1080, 1400), (237, 237, 237))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(CJK_FONT), 46)
    lines = [
        "【公安局】您涉嫌一起洗钱案件，",
        "请立即将资金转入安全账户",
        "配合调查，否则冻结您的账户。",
        "联系电话 13812345678",
    ]
    y = 160
    for line in lines:
        draw.rounded_rectangle((40, y - 14, 1040, y + 72), 18, fill="white")
        draw.text((70, y), line, font=font, fill="black")
        y += 140
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def server(transactional_db, settings):
    """The ASGI app under uvicorn (tests.browser.asgi), which a test may stop and start again."""
    settings.LIANXIN_REDIS_URL = ""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    server = AsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def asgi_server(server):
    return server.url


def test_screenshot_about_to_pay_live_warning_dissuaded(asgi_server, world, browser, tmp_path, settings):  # noqa: F811
    settings.DATA_DIR = tmp_path
    errors: list[str] = []
    chief = phone(browser, asgi_server, errors)
    sign_in(chief, "a_chief")
    chief.goto("/fraud/")
    before = int(chief.locator("#fig-dissuaded").inner_text())

    officer = phone(browser, asgi_server, errors)
    sign_in(officer, "a_officer")
    officer.goto("/fraud/warnings/")
    officer.get_by_text("目前没有派给您的预警").wait_for()
    officer.wait_for_timeout(500)  # the event stream is connected

    resident = phone(browser, asgi_server, errors)
    sign_in(resident, "a_resident")
    resident.goto("/fraud/check/")
    image = tmp_path / "sms.png"
    image.write_bytes(scam_sms_png())
    resident.get_by_label("或上传聊天记录、短信的截图").set_input_files(str(image))
    resident.get_by_role("button", name="识别截图").click()
    resident.get_by_text("正在识别您的截图").wait_for()
    call_command("db_worker", "--batch")  # the worker reads the screenshot, not the request
    resident.locator("#verdict mark.cue").first.wait_for(timeout=20_000)
    assert resident.locator("#verdict").get_attribute("data-band") == "high"
    shot(resident, "fraud-1-verdict")
    resident.get_by_role("button", name="我正准备转账").click()
    resident.locator("#pay-done .case-number").wait_for()
    shot(resident, "fraud-2-about-to-pay")

    # The officer's open page shows the warning without a reload.
    row = officer.locator("li.warning-row[data-status='dispatched']")
    row.wait_for(timeout=10_000)
    shot(officer, "fraud-3-warning-live")
    officer.get_by_role("button", name="我去处置").click()
    officer.locator("li.warning-row[data-status='acknowledged']").wait_for()
    officer.get_by_label("结果如何").select_option(Outcome.DISSUADED)
    officer.get_by_label("保护金额（元）").fill("86000")
    officer.get_by_role("button", name="登记结果").click()
    officer.locator(".msg.success").wait_for()
    shot(officer, "fraud-4-dissuaded")

    chief.goto("/fraud/")
    assert int(chief.locator("#fig-dissuaded").inner_text()) == before + 1
    shot(chief, "fraud-5-figures")
    warning = FraudWarning.objects.get()
    assert (warning.outcome, warning.amount_protected_fen, warning.responder) == ("dissuaded", 8_600_000, world.officer)
    assert warning.screening.source == "screenshot"
    assert errors == []


def test_a_live_refresh_keeps_what_the_responder_is_typing(asgi_server, world, browser):  # noqa: F811
    from lianxin.antifraud.models import WarningSource
    from lianxin.antifraud.services import warning_acknowledge, warning_raise

    def centre_warning(risk: str):
        return warning_raise(
            station=world.station,
            actor=world.officer,
            source=WarningSource.CENTRE,
            risk=risk,
            resident=world.resident,
            responder=world.officer,
        )

    warning = centre_warning("反诈中心预警：疑似冒充客服退款")
    warning_acknowledge(warning=warning, actor=world.officer)
    errors: list[str] = []
    officer = phone(browser, asgi_server, errors)
    sign_in(officer, "a_officer")
    officer.goto("/fraud/warnings/")
    officer.get_by_label("结果如何").select_option(Outcome.DISSUADED)
    officer.get_by_label("保护金额（元）").fill("86000")
    live = "document.dispatchEvent(new CustomEvent('lianxin:live', {detail: {kind: 'fraud_warning'}}))"
    marked = "document.querySelector('#warning-panel ul').__mark === 1"
    officer.evaluate("document.querySelector('#warning-panel ul').__mark = 1")
    with officer.expect_response(lambda r: "/warnings/panel/" in r.url):
        officer.evaluate(live)  # an event that changes nothing this responder sees
    officer.wait_for_timeout(300)  # the panel would be swapped after the answer arrives
    assert officer.evaluate(marked)  # not redrawn: the very field being typed in stays
    centre_warning("第二条预警：疑似刷单返利")
    with officer.expect_response(lambda r: "/warnings/panel/" in r.url):
        officer.evaluate(live)  # a new warning for this responder: the panel is redrawn
    officer.locator("#warning-panel", has_text="第二条预警").wait_for()
    assert not officer.evaluate(marked)
    assert officer.get_by_label("保护金额（元）").input_value() == "86000"
    assert officer.get_by_label("结果如何").input_value() == Outcome.DISSUADED
    officer.get_by_role("button", name="登记结果").click()
    officer.locator(".msg.success").wait_for()
    warning.refresh_from_db()
    assert (warning.outcome, warning.amount_protected_fen) == (Outcome.DISSUADED, 8_600_000)
    assert not errors


# Counts the page's EventSources and its "lianxin:live-open" events, so the test can see the stream drop and
# come back; and a mark on window that a reload would wipe.
LIVE_PROBE = """
window.__notReloaded = true;
window.__liveOpens = 0;
window.__sources = [];
document.addEventListener("lianxin:live-open", function () { window.__liveOpens += 1; });
var Native = window.EventSource;
window.EventSource = function (url, options) {
  var source = new Native(url, options);
  window.__sources.push(source);
  return source;
};
window.EventSource.prototype = Native.prototype;
window.EventSource.CONNECTING = 0; window.EventSource.OPEN = 1; window.EventSource.CLOSED = 2;
"""


@pytest.mark.parametrize("outage", ["restart", "proxy_502"])
def test_a_warning_sent_while_the_stream_was_down_appears_after_reconnect(
    server,
    world,
    browser,  # noqa: F811
    outage,
):
    """The server goes down under the responder's open page, a warning is sent meanwhile, and it shows once back.

    The warning's push is lost (no stream is connected when it is sent); the page must catch up.
    restart: the server is simply gone for a while (the browser's EventSource retries by itself).
    proxy_502: the proxy in front answers 502 while the server restarts, which closes an EventSource
    for good; the page must open a new stream itself once the server is back.
    """
    from lianxin.antifraud.models import WarningSource
    from lianxin.antifraud.services import warning_raise

    errors: list[str] = []
    officer = phone(browser, server.url, errors)
    officer.add_init_script(LIVE_PROBE)
    sign_in(officer, "a_officer")
    officer.goto("/fraud/warnings/")
    officer.get_by_text("目前没有派给您的预警").wait_for()
    officer.wait_for_function("() => window.__liveOpens >= 1")
    opens = officer.evaluate("window.__liveOpens")

    if outage == "proxy_502":
        officer.context.route("**/live/", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    server.stop()
    officer.wait_for_function("() => window.__sources.every((s) => s.readyState !== 1)")
    if outage == "proxy_502":  # the reconnect met the proxy's 502: this EventSource will not try again
        officer.wait_for_function("() => window.__sources.at(-1).readyState === 2")

    warning = warning_raise(
        station=world.station,
        actor=world.officer,
        source=WarningSource.CENTRE,
        risk="反诈中心预警：疑似冒充公检法",
        resident=world.resident,
        responder=world.officer,
    )
    assert officer.locator("li.warning-row").count() == 0

    server.start()
    if outage == "proxy_502":
        officer.context.unroute("**/live/")
    officer.locator(f"li.warning-row[data-status='dispatched'] >> text={warning.case.number}").wait_for(timeout=20_000)
    assert officer.evaluate("window.__notReloaded") is True
    assert officer.evaluate("window.__liveOpens") > opens
    assert not errors


def test_the_video_page_plays_the_uploaded_file_with_ranges_and_counts_the_play(
    asgi_server,
    world,
    browser,  # noqa: F811
    settings,
    tmp_path,
):
    from lianxin.antifraud.models import Campaign
    from lianxin.antifraud.services import campaign_create
    from lianxin.demo.antifraud import demo_video_file

    settings.MEDIA_ROOT = tmp_path / "media"
    made = demo_video_file()
    if made is None:
        pytest.skip("this OpenCV cannot write WebM")
    video = campaign_create(actor=world.chief, kind="video", title="识破冒充公检法", video=made)
    errors: list[str] = []
    resident = phone(browser, asgi_server, errors)  # not signed in
    ranges: list[int] = []
    resident.on("response", lambda r: ranges.append(r.status) if r.url.endswith(f"/v/{video.pk}/file") else None)
    resident.goto(f"/fraud/check/?station={world.station.code}")
    resident.locator("#videos-link").click()
    resident.get_by_role("link", name="识破冒充公检法").click()
    player = resident.locator("video.campaign-video")
    player.wait_for()
    # Muted, a script may start it (the autoplay rule); a resident taps the player's own button.
    with resident.expect_response(lambda r: r.url.endswith(f"/v/{video.pk}/viewed/")) as beacon:
        player.evaluate("v => { v.muted = true; return v.play(); }")
    assert beacon.value.status == 204
    resident.wait_for_function("() => document.querySelector('video').currentTime > 1")
    shot(resident, "fraud-6-video-page")
    assert 206 in ranges  # the player asked for byte ranges and got them
    assert Campaign.objects.get(pk=video.pk).views == 1
    assert errors == []
