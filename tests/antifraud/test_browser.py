"""The anti-fraud journey in a real browser on a 360 px phone, served by uvicorn so live push streams.

A resident uploads a screenshot of a scam SMS (rendered here with a CJK font), sees the cues
marked and taps "I am about to pay"; the grid officer's open warnings page receives the warning
live without reloading, acknowledges it and records "dissuaded, 86,000 yuan"; the dissuaded
figure on the anti-fraud page goes up by one.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from lianxin.antifraud.models import FraudWarning, Outcome
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
def asgi_server(transactional_db, settings):
    """Serve the ASGI app with uvicorn in a thread (the WSGI live_server cannot stream events)."""
    import uvicorn

    settings.LIANXIN_REDIS_URL = ""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from lianxin.asgi import application

    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


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

    warning = warning_raise(
        station=world.station,
        actor=world.officer,
        source=WarningSource.CENTRE,
        risk="反诈中心预警：疑似冒充客服退款",
        resident=world.resident,
        responder=world.officer,
    )
    warning_acknowledge(warning=warning, actor=world.officer)
    errors: list[str] = []
    officer = phone(browser, asgi_server, errors)
    sign_in(officer, "a_officer")
    officer.goto("/fraud/warnings/")
    officer.get_by_label("结果如何").select_option(Outcome.DISSUADED)
    officer.get_by_label("保护金额（元）").fill("86000")
    with officer.expect_response(lambda r: "/warnings/panel/" in r.url):
        officer.evaluate("document.dispatchEvent(new CustomEvent('lianxin:live', {detail: {kind: 'fraud_warning'}}))")
    officer.wait_for_timeout(300)  # the panel is swapped after the answer arrives
    assert officer.get_by_label("保护金额（元）").input_value() == "86000"
    assert officer.get_by_label("结果如何").input_value() == Outcome.DISSUADED
    officer.get_by_role("button", name="登记结果").click()
    officer.locator(".msg.success").wait_for()
    warning.refresh_from_db()
    assert (warning.outcome, warning.amount_protected_fen) == (Outcome.DISSUADED, 8_600_000)
    assert not errors
