"""Anti-fraud videos (issue 18, item 5): an uploaded file or a link, a public page that plays it, its counter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.antifraud.models import Campaign
from lianxin.antifraud.services import campaign_create
from lianxin.demo.antifraud import demo_video_file

# The first bytes of an MP4 (an ftyp box, brand isom) and of a HEIC photo (also an ftyp box).
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def webm() -> bytes:
    made = demo_video_file()
    if made is None:
        pytest.skip("this OpenCV cannot write WebM")
    return made.read()


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def upload_form(client, *, name: str, data: bytes, title: str = "识破冒充公检法", link: str = ""):
    return client.post(
        "/fraud/campaigns/",
        {"kind": "video", "title": title, "link": link, "video": SimpleUploadedFile(name, data, "video/mp4")},
    )


def test_an_uploaded_video_plays_on_its_public_page_and_answers_byte_ranges(world, client_for, client, media, webm):
    answer = upload_form(client_for(world.chief), name="反诈.webm", data=webm)
    assert answer.status_code == 302
    video = Campaign.objects.get()
    assert video.video_content_type == "video/webm" and video.video.name.startswith("campaign-videos/")
    [stored] = stored_files(media)
    assert stored.read_bytes() == webm  # under MEDIA_ROOT (the data dir), which nothing serves directly

    page = client.get(f"/fraud/v/{video.pk}/").content.decode()  # a resident, not signed in
    src = f"/fraud/v/{video.pk}/file"
    assert "<video" in page and f'src="{src}"' in page and "controls" in page

    whole = client.get(src)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole) == webm and whole["Content-Type"] == "video/webm"
    part = client.get(src, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-99/{len(webm)}"
    assert part["Content-Length"] == "90" and b"".join(part) == webm[10:100]
    rest = client.get(src, headers={"Range": f"bytes={len(webm) - 7}-"})
    assert rest.status_code == 206 and b"".join(rest) == webm[-7:]
    tail = client.get(src, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and b"".join(tail) == webm[-5:]
    past = client.get(src, headers={"Range": f"bytes={len(webm)}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(webm)}"
    changed = client.get(src, headers={"Range": "bytes=0-9", "If-Range": '"not-this-file"'})
    assert changed.status_code == 200 and b"".join(changed) == webm


@pytest.mark.parametrize(
    ("name", "data"),
    [("scam.mp4", "这不是视频，只是改了名字的文本".encode()), ("photo.mp4", HEIC_HEAD + b"\x00" * 200)],
)
def test_a_file_that_is_not_a_video_is_refused_on_the_video_field(world, client_for, media, name, data):
    answer = upload_form(client_for(world.chief), name=name, data=data)
    assert answer.status_code == 200
    assert answer.context["form"].errors["video"] == ["这个文件不是视频（MP4、WebM 或 Ogg）。"]
    assert not Campaign.objects.exists() and stored_files(media) == []


def test_a_video_over_the_size_limit_is_refused_on_the_video_field(world, client_for, media, settings):
    settings.LIANXIN_CAMPAIGN_VIDEO_MAX_BYTES = 2 * 1024 * 1024
    answer = upload_form(client_for(world.chief), name="big.mp4", data=MP4_HEAD + b"\x00" * (3 * 1024 * 1024))
    assert answer.context["form"].errors["video"] == ["视频太大：3.0 MB（最多 2 MB）。"]
    assert not Campaign.objects.exists() and stored_files(media) == []


def test_the_counter_goes_up_from_the_page_that_plays_it_once_per_viewer(world, client_for, client, media, webm):
    upload_form(client_for(world.chief), name="v.webm", data=webm)
    video = Campaign.objects.get()
    for _ in range(3):  # a reload storm: serving the page counts nothing
        assert client.get(f"/fraud/v/{video.pk}/").status_code == 200
    video.refresh_from_db()
    assert video.views == 0
    beacon = {"headers": {"X-Requested-With": "fetch", "User-Agent": "phone A"}}
    assert client.post(f"/fraud/v/{video.pk}/viewed/", **beacon).status_code == 204  # the player's first "play"
    assert client.post(f"/fraud/v/{video.pk}/viewed/", **beacon).status_code == 204  # played again: not counted
    client.post(f"/fraud/v/{video.pk}/viewed/", headers={"X-Requested-With": "fetch", "User-Agent": "phone B"})
    video.refresh_from_db()
    assert video.views == 2


def test_a_linked_video_opens_its_link_from_the_page_and_counts(world, client):
    video = campaign_create(actor=world.chief, kind="video", title="刷单就是诈骗", link="https://example.org/v/1")
    page = client.get(f"/fraud/v/{video.pk}/").content.decode()
    assert f'action="/fraud/v/{video.pk}/viewed/"' in page and "<video" not in page
    answer = client.post(f"/fraud/v/{video.pk}/viewed/")
    assert answer.status_code == 302 and answer["Location"] == "https://example.org/v/1"
    video.refresh_from_db()
    assert video.views == 1


def test_the_public_video_page_and_list_show_nothing_internal(world, client, media, webm):
    from django.core.files.base import ContentFile

    video = campaign_create(
        actor=world.chief,
        kind="video",
        title="银发族防骗指南",
        video=ContentFile(webm, name="v.webm"),
        grid=world.grid1,
    )
    talk = campaign_create(
        actor=world.officer,
        kind="talk",
        title="一网格反诈宣讲",
        held_on=dt.date(2026, 6, 1),
        attendees="张三 13800000000",
        place="活动室",
    )
    page = client.get(f"/fraud/v/{video.pk}/").content.decode()
    listing = client.get(f"/fraud/videos/?station={world.station.code}").content.decode()
    for text in (page, listing):
        assert "银发族防骗指南" in text
        for internal in (world.chief.display_name, world.chief.username, world.grid1.name, "一网格反诈宣讲", "张三"):
            assert internal not in text
    assert client.get(f"/fraud/v/{talk.pk}/").status_code == 404  # a talk's page (its attendance list) is not public
    assert client.get(f"/fraud/v/{talk.pk}/file").status_code == 404


def test_the_check_page_leads_to_the_stations_videos(world, client):
    campaign_create(actor=world.chief, kind="video", title="识破冒充公检法", link="https://example.org/v/2")
    check = client.get(f"/fraud/check/?station={world.station.code}").content.decode()
    assert f'href="/fraud/videos/?station={world.station.code}"' in check
    listing = client.get(f"/fraud/videos/?station={world.station.code}").content.decode()
    assert "识破冒充公检法" in listing


def test_a_resident_cannot_reach_the_upload_form(world, client_for, media, webm):
    resident = client_for(world.resident_user)
    assert resident.get("/fraud/campaigns/").status_code == 403
    assert upload_form(resident, name="v.webm", data=webm).status_code == 403
    assert not Campaign.objects.exists() and stored_files(media) == []


def test_deleting_a_campaign_deletes_its_video_file(world, client_for, media, webm, django_capture_on_commit_callbacks):
    upload_form(client_for(world.chief), name="v.webm", data=webm)
    video = Campaign.objects.get()
    assert client_for(world.b.chief).post(f"/fraud/campaigns/{video.pk}/delete/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(world.chief).post(f"/fraud/campaigns/{video.pk}/delete/").status_code == 302
    assert not Campaign.objects.exists() and stored_files(media) == []
    assert client_for(world.chief).get(f"/fraud/v/{video.pk}/file").status_code == 404
