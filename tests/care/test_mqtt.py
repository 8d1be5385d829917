"""Call devices against the real Mosquitto on 127.0.0.1:1883 (skipped cleanly when it is down).

The listener runs in a thread of this process (it writes to the test database); the devices
are `lianxin device simulate` in a separate process, as on a real station (those tests are
marked slow: each pays a Django start-up; CI runs them with -m slow).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.core.exceptions import ValidationError

from lianxin.care import services
from lianxin.care.models import Alarm, AlarmReason, Device, DeviceMessage, EventKind, Notification
from lianxin.care.mqtt import ListenerStats, broker_is_up, listen, signed
from lianxin.cases.models import Case

HOST, PORT = "127.0.0.1", 1883
KEY = "0123456789abcdef0123456789abcdef"

needs_broker = pytest.mark.skipif(not broker_is_up(HOST, PORT), reason="no MQTT broker on 127.0.0.1:1883")


@pytest.fixture
def elder(world):
    from lianxin.care.services import ContactIn

    return services.enrolment_create(
        actor=world.grid_member,
        resident=world.resident,
        consent_by="self",
        has_monitoring_consent=True,
        has_health_consent=False,
        window_starts=dt.time(7),
        window_ends=dt.time(10),
        contacts=[ContactIn(kind="family", name="李娟", phone="13912345678")],
    )


@pytest.fixture
def device(elder):
    device, _key = services.device_add(
        enrolment=elder, actor=None, device_id=f"t-{uuid.uuid4().hex[:12]}", heartbeat_seconds=10, key=KEY
    )
    return device


def wait_for(predicate, seconds: float = 10.0) -> bool:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def listener(transactional_db):
    stop, stats = threading.Event(), ListenerStats()
    thread = threading.Thread(
        target=listen,
        kwargs={
            "host": HOST,
            "port": PORT,
            "stop": stop,
            "client_id": f"test-{uuid.uuid4().hex}",
            "clean_session": True,
            "stats": stats,
        },
        daemon=True,
    )
    thread.start()
    assert stats.connected.wait(5), "the listener did not connect"
    time.sleep(0.2)  # the subscription is acknowledged
    yield stats
    stop.set()
    thread.join(timeout=5)


def simulate(*args: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "LIANXIN_DEMO": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "lianxin.cli", "device", "simulate", "--host", HOST, "--port", str(PORT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_broker
@pytest.mark.slow  # starts `lianxin device simulate` in a process of its own (Django's start-up)
def test_sos_twice_from_the_simulator_starts_one_escalation_at_the_officer(world, device, listener):
    spec = f"{device.device_id}:{KEY}"
    out = simulate("--device", spec, "--sos", device.device_id, "--sos-twice", "--seconds", "0.2", "--heartbeat", "0.1")
    assert "sos=2" in out
    assert wait_for(lambda: listener.duplicates >= 1 and Alarm.objects.exists())
    alarm = Alarm.objects.get()
    assert alarm.reason == AlarmReason.SOS and alarm.device_id == device.pk
    first = Notification.objects.get(alarm=alarm, rung=0)
    assert first.user_id == world.officer.pk  # SOS skips to the officer and the desk
    assert Case.objects.filter(pk=alarm.case_id, priority=4).exists()
    assert DeviceMessage.objects.filter(device=device, kind="sos").count() == 1
    assert alarm.enrolment.events.filter(kind=EventKind.SOS).count() == 1


@needs_broker
@pytest.mark.slow  # starts `lianxin device simulate` in a process of its own (Django's start-up)
def test_heartbeats_then_silence_marks_the_device_offline_after_the_timeout(world, device, listener):
    simulate("--device", f"{device.device_id}:{KEY}", "--seconds", "0.3", "--heartbeat", "0.1")
    assert wait_for(lambda: Device.objects.get(pk=device.pk).last_seen_at is not None)
    device.refresh_from_db()
    assert device.offline_after is not None
    assert services.devices_offline(now=device.offline_after - dt.timedelta(seconds=1)) == 0
    assert services.devices_offline(now=device.offline_after) == 1
    alarm = Alarm.objects.get()
    assert alarm.reason == AlarmReason.DEVICE_OFFLINE and alarm.case_id is None
    assert Notification.objects.get(alarm=alarm).user_id == world.grid_member.pk  # the lower alarm
    assert services.devices_offline(now=device.offline_after + dt.timedelta(hours=1)) == 0


@needs_broker
@pytest.mark.slow  # starts `lianxin device simulate` in a process of its own (Django's start-up)
def test_a_dropped_connection_fires_the_will_and_the_device_is_offline_after_the_grace(world, device, listener):
    simulate("--device", f"{device.device_id}:{KEY}", "--drop", device.device_id, "--seconds", "0")
    assert wait_for(lambda: Device.objects.get(pk=device.pk).offline_after is not None)
    device.refresh_from_db()
    # The will gives the device RECONNECT_GRACE_SECONDS to come back before the sweep raises it.
    assert services.devices_offline(now=device.offline_after - dt.timedelta(seconds=1)) == 0
    assert services.devices_offline(now=device.offline_after) == 1
    assert Alarm.objects.get().reason == AlarmReason.DEVICE_OFFLINE


@needs_broker
def test_malformed_messages_never_stop_the_listener(world, device, listener):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bad-{uuid.uuid4().hex}")
    client.connect(HOST, PORT)
    client.loop_start()
    topic = f"lianxin/care/{device.device_id}"
    for t, payload in (
        (f"{topic}/sos", b"not json"),
        (f"{topic}/sos", b"x" * 5000),
        ("lianxin/care/no-such-device/sos", signed("no-such-device", KEY, "sos")),
        (f"{topic}/sos", json.dumps({"msg": "1", "sig": "bad"}).encode()),
        (f"{topic}/checkin", signed(device.device_id, KEY, "checkin")),
    ):
        client.publish(t, payload, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()
    assert wait_for(lambda: listener.handled >= 5)
    assert (listener.malformed, listener.refused, listener.accepted) == (2, 2, 1)
    assert not Alarm.objects.exists()
    assert device.enrolment.events.filter(kind=EventKind.CHECKED_IN, data__via="device").count() == 1


# --- the service itself, without a broker ------------------------------------------------------------------


def test_device_messages_are_checked_before_anything_is_written(world, device):
    topic = f"lianxin/care/{device.device_id}/sos"
    for bad_topic, payload, field in (
        ("lianxin/care/x", b"{}", "topic"),
        (topic, b"\xff\xfe", "payload"),
        (topic, b"[1]", "payload"),
        (topic, json.dumps({"sig": "x"}).encode(), "msg"),
        (topic, json.dumps({"msg": "a"}).encode(), "sig"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.device_message_receive(topic=bad_topic, payload=payload)
        assert field in exc.value.message_dict
    with pytest.raises(services.DeviceRefused):
        services.device_message_receive(topic=topic, payload=signed(device.device_id, "wrong-key", "sos"))
    Device.objects.filter(pk=device.pk).update(is_enabled=False)
    with pytest.raises(services.DeviceRefused):
        services.device_message_receive(topic=topic, payload=signed(device.device_id, KEY, "sos"))
    assert not Alarm.objects.exists() and not DeviceMessage.objects.exists()


def test_device_back_online_closes_the_offline_alarm(world, device):
    now = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    topic = f"lianxin/care/{device.device_id}/heartbeat"
    services.device_message_receive(topic=topic, payload=signed(device.device_id, KEY, "heartbeat"), now=now)
    later = now + dt.timedelta(minutes=10)
    assert services.devices_offline(now=later) == 1
    services.device_message_receive(topic=topic, payload=signed(device.device_id, KEY, "heartbeat"), now=later)
    alarm = Alarm.objects.get()
    assert alarm.status == "closed" and alarm.closed_by == "device_back"


def test_green_key_opens_a_service_case(world, device):
    topic = f"lianxin/care/{device.device_id}/service"
    services.device_message_receive(topic=topic, payload=signed(device.device_id, KEY, "service"))
    case = Case.objects.get()
    assert case.grid_id == world.grid1.pk and "服务" in case.title
