"""The clinic, the blacklist CSV and review, screenshots through the OCR task, and the bad uploads."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from lianxin.antifraud.models import (
    BlacklistEntry,
    Consultation,
    Decision,
    EntryStatus,
    FraudWarning,
    Screenshot,
    ScreenshotStatus,
)
from lianxin.antifraud.services import blacklist_import_csv, blacklist_report, blacklist_review, consultation_record
from lianxin.cases.services import cart_stop_start

SCAM = "您好，我是淘宝客服，您购买的商品有质量问题，需要退款，请加QQ 123456789 并提供银行卡号和验证码。"
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def test_a_consultation_at_the_cart_counts_toward_the_stop(world):
    stop = cart_stop_start(actor=world.officer, place="东市场广场")
    c = consultation_record(
        actor=world.officer, resident=world.resident, text=SCAM, decision=Decision.WILL_NOT_PAY, cart_stop=stop
    )
    assert c.case.cart_stop == stop and c.case.people_served == 1 and c.case.status == "closed"
    assert c.screening.engine_version == c.engine_version and c.cues_shown
    assert Consultation.objects.filter(cart_stop=stop).count() == 1
    about = consultation_record(actor=world.officer, resident=world.resident, text=SCAM, decision="about_to_pay")
    assert about.case.channel == "walk_in" and FraudWarning.objects.get().resident == world.resident


def test_a_consultation_for_a_resident_of_another_station_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        consultation_record(actor=world.officer, resident=world.b.resident, text=SCAM, decision="will_not_pay")
    assert "resident" in exc.value.message_dict
    assert Consultation.objects.count() == 0


def test_the_clinic_page_records_a_consultation(world, client_for):
    client = client_for(world.officer)
    assert world.resident.name in client.get("/fraud/clinic/", {"q": "王秀兰"}).content.decode()
    page = client.post(
        f"/fraud/clinic/?resident={world.resident.pk}", {"text": SCAM, "decision": "will_not_pay"}
    ).content.decode()
    assert 'id="consultation-done"' in page and "<mark" in page
    consultation = Consultation.objects.get()
    assert consultation.officer == world.officer
    assert (consultation.case.status, consultation.case.resolution) == ("resolved", "advice_given")


def test_blacklist_csv_is_all_or_nothing_and_names_row_and_column(world):
    bad = "kind,value,reason\nphone,13812345678,涉诈\nfax,12345,?\n".encode()
    with pytest.raises(ValidationError) as exc:
        blacklist_import_csv(actor=world.chief, data=bad)
    assert "第 3 行，kind" in str(exc.value.message_dict["file"])
    assert BlacklistEntry.objects.count() == 0
    good = "kind,value,reason,expires_on\nphone,+86 138 1234 5678,涉诈\nurl,www.evil.top/pay,钓鱼\naccount,6222 0212 3456 7890 123,,2030-01-01\n"
    result = blacklist_import_csv(actor=world.chief, data=good.encode())
    assert (result.created, result.updated) == (3, 0)
    again = blacklist_import_csv(actor=world.chief, data=good.encode())
    assert (again.created, again.updated) == (0, 3)
    assert BlacklistEntry.objects.filter(status=EntryStatus.ACTIVE).count() == 3


def test_a_report_is_reviewed_by_an_officer(world, client_for):
    entry = blacklist_report(station=world.station, actor=None, kind="im", value="scam_wx_88", evidence=SCAM)
    assert client_for(world.volunteer).post(f"/fraud/blacklist/{entry.pk}/review/", {"accept": "1"}).status_code == 403
    client_for(world.officer).post(f"/fraud/blacklist/{entry.pk}/review/", {"accept": "1"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE and entry.reviewed_by == world.officer
    with pytest.raises(ValidationError):
        blacklist_review(entry=entry, actor=world.officer, accept=False)
    assert client_for(world.b.officer).post(f"/fraud/blacklist/{entry.pk}/review/", {"accept": "0"}).status_code == 404


def _png(text: str, size=(1080, 600)) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(CJK_FONT, 44)
    for i, line in enumerate(text.split("\n")):
        draw.text((40, 60 + i * 80), line, font=font, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("notes.png", b"just some text, not an image", "image/png"),
        ("scan.png", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "image/png"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024), "image/png"),
        ("empty.png", b"", "image/png"),
    ],
)
def test_bad_uploads_get_a_message_on_the_image_field(client, world, settings, tmp_path, name, data, content_type):
    settings.DATA_DIR = tmp_path
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    response = client.post(f"/fraud/check/screenshot/?station={world.station.code}", {"image": upload})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert Screenshot.objects.count() == 0 and not list(tmp_path.rglob("*.png"))


@pytest.mark.skipif(not __import__("os").path.exists(CJK_FONT), reason="fonts-noto-cjk is not installed")
@pytest.mark.django_db(transaction=True)
def test_a_screenshot_is_read_by_the_queued_task_and_screened(client, world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    image = _png("您涉嫌洗钱，请把资金\n转入安全账户")
    upload = SimpleUploadedFile("shot.png", image, content_type="image/png")
    response = client.post(f"/fraud/check/screenshot/?station={world.station.code}", {"image": upload})
    assert response.status_code == 302
    shot = Screenshot.objects.get()
    assert str(tmp_path) in shot.path and shot.status == ScreenshotStatus.QUEUED  # not read in the request
    assert "正在识别您的截图" in client.get(f"/fraud/check/screenshot/{shot.token}/status/").content.decode()
    call_command("db_worker", "--batch")
    shot.refresh_from_db()
    assert shot.status == ScreenshotStatus.DONE and "安全账户" in shot.text
    status = client.get(f"/fraud/check/screenshot/{shot.token}/status/").content.decode()
    assert 'id="verdict"' in status and "<mark" in status
    # The picture itself is for the desk only.
    from django.test import Client

    desk = Client()
    desk.force_login(world.officer)
    assert desk.get(f"/fraud/screenshots/{shot.pk}/").status_code == 200
    volunteer = Client()
    volunteer.force_login(world.volunteer)
    assert volunteer.get(f"/fraud/screenshots/{shot.pk}/").status_code == 403
    other = Client()
    other.force_login(world.b.officer)
    assert other.get(f"/fraud/screenshots/{shot.pk}/").status_code == 404


def test_the_desk_page_shows_the_figures_and_a_visitor_is_sent_to_sign_in(world, client_for, client):
    page = client_for(world.chief).get("/fraud/").content.decode()
    assert 'id="fig-warnings"' in page
    assert client.get("/fraud/").status_code == 302
    assert client_for(world.resident_user).get("/fraud/").status_code == 403


def test_the_api_screens_and_looks_up(world, api_as):
    from lianxin.antifraud.services import blacklist_add

    blacklist_add(actor=world.chief, kind="im", value="123456789", reason="涉诈QQ")
    api = api_as(world.officer)
    response = api.post("/antifraud/check", {"text": SCAM})
    body = response.json()
    assert response.status_code == 200 and body["band"] in ("medium", "high") and body["engine_version"]
    assert [h["kind"] for h in body["blacklist_hits"]] == ["im"]
    assert api.post("/antifraud/check", {"text": ""}).status_code in (400, 422)
    lookup = api.get("/antifraud/blacklist/lookup", {"kind": "im", "value": "123456789"}).json()
    assert lookup["listed"] is True
    assert api.get("/antifraud/blacklist/lookup", {"kind": "fax", "value": "1"}).status_code in (400, 422)
    assert api_as(world.volunteer).get("/antifraud/blacklist/lookup", {"kind": "im", "value": "1"}).status_code == 403


def test_the_blacklist_page_adds_and_names_a_bad_value(world, client_for):
    client = client_for(world.auxiliary)
    page = client.post("/fraud/blacklist/", {"kind": "phone", "value": "abc", "reason": "x"}).content.decode()
    assert 'class="error"' in page and BlacklistEntry.objects.count() == 0
    client.post("/fraud/blacklist/", {"kind": "url", "value": "https://www.fake-bank.cn/login", "reason": "钓鱼网站"})
    entry = BlacklistEntry.objects.get()
    assert entry.value_key == "fake-bank.cn/login" and entry.source == "officer"
    assert client_for(world.volunteer).get("/fraud/blacklist/").status_code == 403
