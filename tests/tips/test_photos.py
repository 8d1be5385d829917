"""Photos with a tip: decoded and re-encoded without EXIF, limits, all or nothing, and who may see them."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from lianxin.cases.models import Case
from lianxin.core.models import AuditEntry
from lianxin.tips.models import Tip, TipPhoto

GPS_IFD = 0x8825
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list[Path]:
    return sorted(p for p in Path(media).rglob("*") if p.is_file())


def jpeg_with_exif(name="IMG_0001.jpg", size=(320, 240)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[DATETIME] = "Phone", "Model X", "2026:06:15 10:37:12"
    exif[0x0112] = 6  # orientation: rotate 90° to stand upright
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (40.0, 7.0, 30.0), 3: "E", 4: (124.0, 23.0, 10.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name="p.png", size=(64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 浪头路 16 号")
    Image.new("RGBA", size, (0, 120, 0, 200)).save(out, format="PNG", pnginfo=info)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def send(send, world):
    """The shared tip factory, about a hazard in grid 1 (whose officer is world.officer)."""
    return functools.partial(
        send, kind="hazard", description="楼道堆满纸箱", lat=world.in_grid1[0], lon=world.in_grid1[1]
    )


def test_an_anonymous_tip_photo_is_stored_without_exif(world, media, send):
    source = jpeg_with_exif()
    assert Image.open(io.BytesIO(source.read())).getexif()[MAKE] == "Phone"
    source.seek(0)
    tip, _code = send(actor=None, is_anonymous=True, photos=[source, png()])
    photos = list(tip.photos.all())
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    assert len(stored_files(media)) == 2
    for photo in photos:
        # A random name: nothing of the phone's IMG_0001 survives.
        assert "IMG" not in photo.image.name and re.fullmatch(
            r"tip-photos/\d+/[0-9a-f]{32}\.(jpg|png)", photo.image.name
        )
        with Image.open(Path(media) / photo.image.name) as again:
            assert not again.getexif() and "exif" not in again.info
            assert not again.getexif().get_ifd(GPS_IFD)
            assert "Comment" not in again.info and "icc_profile" not in again.info
            assert again.size == (photo.width, photo.height)
    # The orientation was applied to the pixels (320×240 turned upright is 240×320).
    assert (photos[0].width, photos[0].height) == (240, 320)
    raw = (Path(media) / photos[0].image.name).read_bytes()
    assert b"Model X" not in raw and b"Exif" not in raw


def test_a_file_that_is_not_an_image_is_refused_with_nothing_left(world, media, send):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        send(photos=[png(), fake])
    assert "photos" in exc.value.message_dict and "2" in exc.value.message_dict["photos"][0]
    assert not Tip.objects.exists() and not Case.objects.exists() and not TipPhoto.objects.exists()
    assert stored_files(media) == []
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    with pytest.raises(ValidationError) as exc:
        send(photos=[SimpleUploadedFile("a.png", gif.getvalue(), content_type="image/png")])
    assert "photos" in exc.value.message_dict
    truncated = jpeg_with_exif().read()[:300]
    with pytest.raises(ValidationError):
        send(photos=[SimpleUploadedFile("t.jpg", truncated)])
    assert not Tip.objects.exists() and stored_files(media) == []


def test_size_pixel_and_count_limits(world, settings, media, send):
    settings.LIANXIN_TIP_PHOTO_MAX_BYTES = 2000
    big = jpeg_with_exif(size=(800, 600))
    assert big.size > 2000
    with pytest.raises(ValidationError) as exc:
        send(photos=[big])
    assert "photos" in exc.value.message_dict
    settings.LIANXIN_TIP_PHOTO_MAX_BYTES = 5_000_000
    settings.LIANXIN_TIP_PHOTO_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as exc:
        send(photos=[png(size=(40, 40))])
    assert list(exc.value.message_dict) == ["photos"]
    settings.LIANXIN_TIP_PHOTO_MAX_PIXELS = 40_000_000
    settings.LIANXIN_TIP_PHOTOS_MAX = 2
    with pytest.raises(ValidationError) as exc:
        send(photos=[png(), png(), png()])
    assert "photos" in exc.value.message_dict
    settings.LIANXIN_TIP_PHOTO_MAX_SIDE_PX = 100
    tip, _ = send(photos=[png(size=(400, 200))])
    assert (tip.photos.get().width, tip.photos.get().height) == (100, 50)
    assert Tip.objects.count() == 1 and len(stored_files(media)) == 1


def test_a_failure_after_the_files_were_written_removes_them(world, media, monkeypatch, send):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(TipPhoto.objects, "create", broken)
    with pytest.raises(RuntimeError):
        send(photos=[png()])
    assert not Tip.objects.exists() and stored_files(media) == []


def test_the_page_refuses_a_non_image_naming_the_field(world, media, login):
    page = login(world.lookout).post(
        "/tips/send/",
        {
            "kind": "hazard",
            "description": "楼道堆满纸箱",
            "photos": SimpleUploadedFile("x.png", b"hello", content_type="image/png"),
        },
    )
    body = page.content.decode()
    assert page.status_code == 400 and 'id="error-photos"' in body
    assert body.count("不是 JPEG 或 PNG 照片") == 1  # beside the field, not again at the top
    assert not Tip.objects.exists() and stored_files(media) == []


def test_officers_of_the_tips_grid_see_its_photos_others_get_404(world, send, login):
    tip, _ = send(photos=[png()])
    photo = tip.photos.get()
    url = f"/tips/desk/{tip.pk}/photos/{photo.pk}/"
    answer = login(world.officer).get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert answer["Cache-Control"].startswith("private")
    assert b"".join(answer.streaming_content).startswith(b"\x89PNG")
    assert AuditEntry.objects.filter(action="tip_photo_view", actor=world.officer, target_id=str(photo.pk)).exists()
    assert f'src="{url}"' in login(world.officer).get(f"/tips/desk/{tip.pk}/").content.decode()
    # Another grid's officer, another station's chief: 404; so is a photo id of another tip.
    assert login(world.officer2).get(url).status_code == 404
    assert login(world.b.chief).get(url).status_code == 404
    other, _ = send(photos=[png()])
    assert login(world.officer).get(f"/tips/desk/{tip.pk}/photos/{other.photos.get().pk}/").status_code == 404
    # The sender sees their own; another lookout does not.
    assert login(world.lookout).get(f"/tips/mine/{tip.pk}/photos/{photo.pk}/").status_code == 200
    assert login(world.b.lookout).get(f"/tips/mine/{tip.pk}/photos/{photo.pk}/").status_code == 404


def test_the_anonymous_tipster_sees_their_photos_only_through_the_code(world):
    visitor = Client()
    page = visitor.post(
        "/tips/send/",
        {"kind": "suspicious", "description": "有人撬电动车锁", "photos": [jpeg_with_exif(), png()]},
    )
    code = page.content.decode().split('id="receipt-code">')[1].split("<")[0].strip()
    tip = Tip.objects.get()
    assert tip.photos.count() == 2
    followed = visitor.post("/tips/follow/", {"code": code}).content.decode()
    links = re.findall(r'src="(/tips/follow/photo/[^"]+/)"', followed)
    assert len(links) == 2 and code not in "".join(links)
    shown = Client().get(links[0])
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    # Without the code: no links, and a made-up or tampered token is 404.
    wrong = visitor.post("/tips/follow/", {"code": "AAAA-BBBB-CCCC-DDDD"}).content.decode()
    assert "/tips/follow/photo/" not in wrong
    assert Client().get(links[0][:-3] + "xx/").status_code == 404
    assert Client().get(f"/tips/desk/{tip.pk}/photos/{tip.photos.first().pk}/").status_code == 302  # sign in first


def test_the_api_takes_photos_as_multipart_and_strips_them(world, media, login):
    client = login(world.lookout)
    lat, lon = world.in_grid1
    fields = {"kind": "hazard", "description": "楼道堆满纸箱", "lat": lat, "lon": lon}
    answer = client.post("/api/v1/tips/with-photos", {**fields, "photos": [jpeg_with_exif(), png()]})
    assert answer.status_code == 201, answer.content
    tip = Tip.objects.get(pk=answer.json()["id"])
    kept = list(tip.photos.order_by("pk"))
    assert [p.content_type for p in kept] == ["image/jpeg", "image/png"]
    with Image.open(kept[0].image.path) as stored:
        assert not stored.getexif()  # no camera, time or position left in the file
    # A file that is not an image: named, and nothing of the tip is kept.
    before = (Tip.objects.count(), Case.objects.count(), len(stored_files(media)))
    fake = SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", content_type="image/png")
    refused = client.post("/api/v1/tips/with-photos", {**fields, "photos": [fake]})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "photos"
    assert (Tip.objects.count(), Case.objects.count(), len(stored_files(media))) == before
