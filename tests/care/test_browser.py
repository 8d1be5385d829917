"""Care in a real browser on a 360 px phone, served by uvicorn so live push streams.

An elder taps "我很好" on her own link; another elder's check-in is missed and, the daughter
not answering, the grid member's open care page shows the alarm without a reload and she taps
"I'm going"; an SOS pressed on a call device (`lianxin device simulate` in its own process,
through the running Mosquitto) reaches the duty desk's open page.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.utils import timezone

from lianxin.care import services
from lianxin.care.models import Alarm, AlarmReason, AlarmStatus, Enrolment
from lianxin.care.mqtt import ListenerStats, broker_is_up, listen
from lianxin.people.models import Resident
from tests.browser.test_journey import CHROMIUM, browser, phone, shot, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium"),
]
KEY = "fedcba9876543210fedcba9876543210"


@pytest.fixture
def asgi_server(transactional_db, settings):
    """Serve the ASGI app with uvicorn in a thread (the WSGI live_server cannot stream events)."""
    import uvicorn

    settings.LIANXIN_REDIS_URL = ""
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


def enrol(world, resident, *, now) -> Enrolment:
    return services.enrolment_create(
        actor=world.grid_member,
        resident=resident,
        consent_by="self",
        has_monitoring_consent=True,
        has_health_consent=False,
        window_starts=dt.time(0, 10),
        window_ends=dt.time(23, 0),
        grace_minutes=30,
        contacts=[services.ContactIn(kind="family", name="李娟", relation="女儿", phone="13912345678")],
        now=now,
    )


def test_elder_taps_missed_checkin_reaches_the_grid_member_live_and_sos_reaches_the_desk(
    world,
    asgi_server,
    browser,  # noqa: F811
):
    errors: list[str] = []
    now = timezone.now()
    elder = enrol(world, world.resident, now=now)
    neighbour = Resident.objects.create(station=world.station, name="赵大爷", grid=world.grid1, is_living_alone=True)
    silent = enrol(world, neighbour, now=now - dt.timedelta(days=2))

    # 1. The grid member's care page is open on her phone; the duty desk's on the auxiliary's.
    member = phone(browser, asgi_server, errors)
    sign_in(member, world.grid_member.username)
    member.goto("/care/")
    member.get_by_text("没有等待处理的警报。").wait_for()
    desk = phone(browser, asgi_server, errors)
    sign_in(desk, world.auxiliary.username)
    desk.goto("/care/")
    time.sleep(0.5)  # both live streams are connected

    # 2. The first elder taps the one big button on her own link, signed in to nothing.
    own = phone(browser, asgi_server, errors)
    own.goto(f"/care/c/{elder.checkin_token}/")
    own.get_by_role("button", name="我很好").click()
    own.locator("#checked-in").wait_for()
    shot(own, "care-1-elder-tapped")
    elder.refresh_from_db()
    assert elder.last_checkin_at is not None and elder.alert_after > now

    # 3. The other elder said nothing: the sweep raises it, the daughter does not answer,
    #    the next rung reaches the grid member, whose open page shows it by itself.
    assert services.checkins_missed(now=now) == 1
    alarm = Alarm.objects.get(enrolment=silent)
    assert alarm.notifications.get().step == "contact"
    assert services.alarms_escalate(now=now + dt.timedelta(minutes=15)) == 1
    row = member.locator(f'[data-alarm="{alarm.pk}"]')
    row.wait_for(timeout=10000)
    shot(member, "care-2-alarm-live")
    row.get_by_role("button", name="我去处置").click()
    member.get_by_text("谢谢，不会再通知其他人。").wait_for()
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.ACKNOWLEDGED and alarm.acknowledged_by_id == world.grid_member.pk
    assert services.alarms_escalate(now=now + dt.timedelta(hours=2)) == 0

    # 4. An SOS from the call device in the first elder's home reaches the duty desk's page.
    if not broker_is_up("127.0.0.1", 1883):
        pytest.skip("no MQTT broker on 127.0.0.1:1883: the SOS part needs it")
    device, _key = services.device_add(
        enrolment=elder, actor=None, device_id=f"b-{uuid.uuid4().hex[:12]}", heartbeat_seconds=60, key=KEY
    )
    stop, stats = threading.Event(), ListenerStats()
    listener = threading.Thread(
        target=listen,
        kwargs={
            "host": "127.0.0.1",
            "port": 1883,
            "stop": stop,
            "client_id": f"test-{uuid.uuid4().hex}",
            "clean_session": True,
            "stats": stats,
        },
        daemon=True,
    )
    listener.start()
    try:
        assert stats.connected.wait(5)
        time.sleep(0.2)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "LIANXIN_DEMO": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "lianxin.cli", "device", "simulate", "--device", f"{device.device_id}:{KEY}"]
            + ["--sos", device.device_id, "--seconds", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        sos_row = desk.locator(".care-sos")
        sos_row.wait_for(timeout=15000)
        shot(desk, "care-3-sos-at-the-desk")
    finally:
        stop.set()
        listener.join(timeout=5)
    sos = Alarm.objects.get(reason=AlarmReason.SOS)
    assert sos.case is not None and sos.notifications.get().user_id == world.officer.pk
    assert errors == []
