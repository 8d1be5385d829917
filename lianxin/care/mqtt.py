"""The MQTT side of the call devices: the listener (`lianxin listen_devices`) and the simulator (`lianxin device simulate`).

The listener subscribes to `lianxin/care/+/+` with QoS 1 under a fixed client id and a
persistent session (clean_session off), so messages sent while it restarts wait at the broker.
Each message goes to care.services.device_message_receive; a malformed message, an unknown
device or a bad signature is logged and refused, and nothing a device sends stops the loop.

The simulator behaves like N devices: each has its own connection (client id = device id) with
a Last Will on its `will` topic, sends a heartbeat every --heartbeat seconds, and can press SOS
(once, or the same message twice as a QoS 1 redelivery would), check in, or drop its connection
without a goodbye so the broker publishes its will.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connections

from lianxin.care.services import DeviceRefused, device_message_receive, message_signature, topic_for
from lianxin.care.services.devices import KIND_CHECKIN, KIND_HEARTBEAT, KIND_SOS, KIND_WILL, TOPIC_PREFIX

logger = logging.getLogger("lianxin.care.mqtt")

LISTENER_CLIENT_ID = "lianxin-care-listener"
QOS = 1
KEEPALIVE_SECONDS = 30
DB_RECYCLE_SECONDS = 60.0


def broker() -> tuple[str, int]:
    """Return (host, port) of the broker: settings.LIANXIN_MQTT_HOST/PORT or the environment, else 127.0.0.1:1883."""
    host = getattr(settings, "LIANXIN_MQTT_HOST", "") or os.environ.get("LIANXIN_MQTT_HOST", "127.0.0.1")
    port = int(getattr(settings, "LIANXIN_MQTT_PORT", 0) or os.environ.get("LIANXIN_MQTT_PORT", "1883"))
    return host, port


def broker_is_up(host: str, port: int, timeout: float = 1.0) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class ListenerStats:
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    malformed: int = 0
    failed: int = 0
    connected: threading.Event = field(default_factory=threading.Event)

    @property
    def handled(self) -> int:
        return self.accepted + self.duplicates + self.refused + self.malformed + self.failed


def handle_message(topic: str, payload: bytes, stats: ListenerStats) -> None:
    """Take one message in; every failure is counted and logged, never raised."""
    try:
        result = device_message_receive(topic=topic, payload=payload)
    except ValidationError as exc:
        stats.malformed += 1
        logger.warning("care device message refused (malformed) on %s: %s", topic, exc.messages)
    except DeviceRefused as exc:
        stats.refused += 1
        logger.warning("care device message refused on %s: %s", topic, exc)
    except Exception:
        stats.failed += 1
        logger.exception("care device message on %s failed", topic)
    else:
        if result == "duplicate":
            stats.duplicates += 1
        else:
            stats.accepted += 1


def listen(
    *,
    host: str,
    port: int,
    stop: threading.Event,
    client_id: str = LISTENER_CLIENT_ID,
    clean_session: bool = False,
    stats: ListenerStats | None = None,
    on_message: Callable[[str], None] | None = None,
) -> ListenerStats:
    """Run the listener until stop is set; return what it handled."""
    stats = stats or ListenerStats()
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session, protocol=mqtt.MQTTv311
    )

    def connected(client, userdata, flags, reason_code, properties):
        client.subscribe(f"{TOPIC_PREFIX}/+/+", qos=QOS)
        stats.connected.set()
        logger.info("care listener connected to %s:%s", host, port)

    def message(client, userdata, msg):
        handle_message(msg.topic, msg.payload, stats)
        if on_message is not None:
            on_message(msg.topic)

    client.on_connect = connected
    client.on_message = message
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    client.connect(host, port, keepalive=KEEPALIVE_SECONDS)
    recycled = time.monotonic()
    try:
        while not stop.is_set():
            client.loop(timeout=0.2)
            if time.monotonic() - recycled > DB_RECYCLE_SECONDS:
                close_old_connections()
                recycled = time.monotonic()
    finally:
        client.disconnect()
        connections.close_all()  # this thread's connections
    return stats


# --- the simulator -------------------------------------------------------------------------------------------


def signed(device_id: str, key: str, kind: str, message_id: str | None = None, **extra) -> bytes:
    message_id = message_id or uuid.uuid4().hex
    sig = message_signature(key=key, device_id=device_id, kind=kind, message_id=message_id)
    return json.dumps({"msg": message_id, "sig": sig, **extra}).encode()


class SimulatedDevice:
    """One call device on its own connection, with its Last Will set."""

    def __init__(self, device_id: str, key: str, *, host: str, port: int):
        self.device_id, self.key = device_id, key
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"device-{device_id}", protocol=mqtt.MQTTv311
        )
        self.client.will_set(topic_for(device_id, KIND_WILL), signed(device_id, key, KIND_WILL), qos=QOS)
        self.client.connect(host, port, keepalive=KEEPALIVE_SECONDS)
        self.client.loop_start()

    def send(self, kind: str, *, message_id: str | None = None, **extra) -> None:
        info = self.client.publish(
            topic_for(self.device_id, kind), signed(self.device_id, self.key, kind, message_id, **extra), qos=QOS
        )
        info.wait_for_publish(timeout=5)

    def drop(self) -> None:
        """Lose the connection without a DISCONNECT, as a device whose power fails: the broker sends the will."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class SimulationPlan:
    devices: list[tuple[str, str]]
    heartbeat_seconds: float = 30.0
    duration_seconds: float = 60.0
    sos: list[str] = field(default_factory=list)
    sos_twice: bool = False
    checkin: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # connected, but never send a heartbeat


def simulate(plan: SimulationPlan, *, host: str, port: int, log: Callable[[str], None] = print) -> dict[str, int]:
    """Run the devices of plan for its duration; return how many messages of each kind were sent."""
    sent = {"heartbeat": 0, "sos": 0, "checkin": 0, "dropped": 0}
    devices = {d: SimulatedDevice(d, k, host=host, port=port) for d, k in plan.devices}
    try:
        for device_id in plan.checkin:
            devices[device_id].send(KIND_CHECKIN)
            sent["checkin"] += 1
        for device_id in plan.sos:
            message_id = uuid.uuid4().hex
            devices[device_id].send(KIND_SOS, message_id=message_id)
            sent["sos"] += 1
            if plan.sos_twice:
                devices[device_id].send(KIND_SOS, message_id=message_id)
                sent["sos"] += 1
            log(f"SOS from {device_id}")
        for device_id in plan.drop:
            devices.pop(device_id).drop()
            sent["dropped"] += 1
            log(f"dropped {device_id}")
        ends = time.monotonic() + plan.duration_seconds
        while True:
            started = time.monotonic()
            for device_id, device in devices.items():
                if device_id not in plan.silent:
                    device.send(KIND_HEARTBEAT, battery=90)
                    sent["heartbeat"] += 1
            if started + plan.heartbeat_seconds >= ends:
                break
            time.sleep(max(0.0, plan.heartbeat_seconds - (time.monotonic() - started)))
    finally:
        for device in devices.values():
            device.close()
    return sent
