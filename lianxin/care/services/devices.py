"""Call devices over MQTT: their keys, the messages they send, and the sweep that notices a silent one.

Topic: `lianxin/care/<device id>/<kind>`, kind one of MESSAGE_KINDS. Payload: UTF-8 JSON of at
most PAYLOAD_MAX_BYTES, `{"msg": "<id unique per device>", "sig": "<hex>"}` plus `battery`
(percent) where it applies; sig is HMAC-SHA256 under the device's own key of
`<device id>/<kind>/<msg>`, so a message from an unknown device, a disabled one or one that
does not know the key is refused (DeviceRefused) and logged by the listener.

False alarms are kept down by telling the device apart from the person: a silent device
(no heartbeat for HEARTBEATS_MISSED heartbeats, or its Last Will without a reconnect within
RECONNECT_GRACE_SECONDS) raises the lower device-offline alarm to the grid member only; only
the red key (SOS) climbs to the officer and opens a case. A duplicate delivery (QoS 1 sends
again until acknowledged) finds its message id in DeviceMessage and changes nothing. Heartbeats
are not recorded one by one (1,000 devices every 30 s would be 2.9 million rows a day): a
repeated heartbeat only moves the same deadline again, which is harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.care.models import (
    CLOSED_BY_DEVICE_BACK,
    AlarmReason,
    Device,
    DeviceMessage,
    Enrolment,
    EnrolmentStatus,
    EventKind,
)
from lianxin.care.services.alarms import _officer, alarm_start
from lianxin.care.services.common import care_category, event, now_or, require_carer
from lianxin.care.services.enrolment import CheckinVia, _close_alarms, checkin_record
from lianxin.cases.models import Channel
from lianxin.cases.services import case_open
from lianxin.core import pii
from lianxin.core.models import User

TOPIC_PREFIX = "lianxin/care"
KIND_SOS = "sos"  # red key
KIND_SERVICE = "service"  # green key: a service request (a home ID visit, ...)
KIND_CHECKIN = "checkin"  # the "I'm fine" key
KIND_HEARTBEAT = "heartbeat"
KIND_BATTERY = "battery"  # battery low
KIND_WILL = "will"  # the broker's Last Will for the device: its connection dropped
MESSAGE_KINDS = (KIND_SOS, KIND_SERVICE, KIND_CHECKIN, KIND_HEARTBEAT, KIND_BATTERY, KIND_WILL)
PAYLOAD_MAX_BYTES = 1024
MESSAGE_ID_MAX_CHARS = 64
HEARTBEATS_MISSED = 2
RECONNECT_GRACE_SECONDS = 120
HEARTBEAT_SECONDS_MIN = 10
HEARTBEAT_SECONDS_MAX = 86400
DEVICE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")


class DeviceRefused(Exception):
    """A message from a device that does not exist, is disabled, or did not sign with its key."""


def topic_for(device_id: str, kind: str) -> str:
    return f"{TOPIC_PREFIX}/{device_id}/{kind}"


def parse_topic(topic: str) -> tuple[str, str]:
    """Return (device id, kind) of a care topic; ValidationError naming `topic` otherwise."""
    parts = (topic or "").split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != TOPIC_PREFIX or parts[3] not in MESSAGE_KINDS:
        raise ValidationError({"topic": [_("Not a care device topic.")]})
    return parts[2], parts[3]


def message_signature(*, key: str, device_id: str, kind: str, message_id: str) -> str:
    """Return the hex HMAC-SHA256 a device puts in `sig` (the simulator and real devices alike)."""
    return hmac.new(key.encode(), f"{device_id}/{kind}/{message_id}".encode(), hashlib.sha256).hexdigest()


def device_key(device: Device) -> str:
    return _opened(device.key_sealed)


@lru_cache(maxsize=4096)
def _opened(sealed: str) -> str:
    # Ciphertext → key is fixed, so a listener opens each device's key once, not on every heartbeat.
    return pii.decrypt(sealed)


@transaction.atomic
def device_add(
    *,
    enrolment: Enrolment,
    actor: User | None,
    device_id: str,
    heartbeat_seconds: int = 300,
    key: str = "",
    now: dt.datetime | None = None,
) -> tuple[Device, str]:
    """Register a call device in the resident's home; return it with its key (shown once, to program the device).

    Raises ValidationError naming `device_id` (bad shape, taken) or `heartbeat_seconds`.
    actor None is the demo and the simulator (they pass a key of their own).
    """
    now = now_or(now)
    if actor is not None:
        require_carer(actor, enrolment)
    device_id = (device_id or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if enrolment.status != EnrolmentStatus.ACTIVE:
        errors["enrolment"] = [_("Monitoring has been withdrawn for this resident.")]
    if not DEVICE_ID_PATTERN.match(device_id):
        errors["device_id"] = [_("3 to 40 lower-case letters, digits and dashes.")]
    elif Device.objects.filter(device_id=device_id).exists():
        errors["device_id"] = [_("A device with this id is registered already.")]
    if (
        not isinstance(heartbeat_seconds, int)
        or not HEARTBEAT_SECONDS_MIN <= heartbeat_seconds <= HEARTBEAT_SECONDS_MAX
    ):
        errors["heartbeat_seconds"] = [_("A heartbeat every 10 seconds to once a day.")]
    if errors:
        raise ValidationError(errors)
    key = key or secrets.token_hex(16)
    device = Device.objects.create(
        station_id=enrolment.station_id,
        enrolment=enrolment,
        device_id=device_id,
        key_sealed=pii.encrypt(key),
        heartbeat_seconds=heartbeat_seconds,
        added_at=now,
    )
    event(enrolment, EventKind.DEVICE_ADDED, now=now, actor=actor, device=device_id)
    return device, key


def _parse(payload: bytes) -> dict:
    if len(payload) > PAYLOAD_MAX_BYTES:
        raise ValidationError({"payload": [_("The message is too large.")]})
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError({"payload": [_("The message is not JSON.")]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"payload": [_("The message must be a JSON object.")]})
    message_id = data.get("msg")
    if not isinstance(message_id, str) or not 1 <= len(message_id) <= MESSAGE_ID_MAX_CHARS:
        raise ValidationError({"msg": [_("The message has no id.")]})
    if not isinstance(data.get("sig"), str):
        raise ValidationError({"sig": [_("The message is not signed.")]})
    return data


def _seen(device: Device, *, now: dt.datetime) -> None:
    """The device spoke: move its silence deadline; if it had been raised as offline, it is back."""
    deadline = now + dt.timedelta(seconds=device.heartbeat_seconds * HEARTBEATS_MISSED + RECONNECT_GRACE_SECONDS)
    was_offline = device.offline_raised_at is not None
    Device.objects.filter(pk=device.pk).update(last_seen_at=now, offline_after=deadline, offline_raised_at=None)
    if was_offline:
        device = Device.objects.select_related("enrolment__resident").get(pk=device.pk)
        event(device.enrolment, EventKind.DEVICE_ONLINE, now=now, device=device.device_id)
        _close_alarms(device.enrolment, reasons=(AlarmReason.DEVICE_OFFLINE,), closed_by=CLOSED_BY_DEVICE_BACK, now=now)


def device_message_receive(*, topic: str, payload: bytes, now: dt.datetime | None = None) -> str:
    """Take in one MQTT message from a call device; return "accepted" or "duplicate".

    Raises ValidationError (naming `topic`, `payload`, `msg` or `sig`) for a malformed message,
    DeviceRefused for an unknown or disabled device or a bad signature. Nothing is written then.
    """
    now = now_or(now)
    device_id, kind = parse_topic(topic)
    data = _parse(payload)
    # Only the columns the check and a heartbeat need (a heartbeat is most of the traffic).
    device = (
        Device.objects.filter(device_id=device_id)
        .select_related("enrolment")
        .only(
            "pk",
            "device_id",
            "key_sealed",
            "is_enabled",
            "heartbeat_seconds",
            "offline_raised_at",
            "enrolment__status",
        )
        .first()
    )
    if device is None:
        raise DeviceRefused(f"unknown device {device_id!r}")
    if not device.is_enabled or device.enrolment.status != EnrolmentStatus.ACTIVE:
        raise DeviceRefused(f"device {device_id!r} is disabled")
    expected = message_signature(key=device_key(device), device_id=device_id, kind=kind, message_id=data["msg"])
    if not hmac.compare_digest(expected, data["sig"]):
        raise DeviceRefused(f"bad signature from device {device_id!r}")
    if kind not in (KIND_HEARTBEAT, KIND_WILL):
        device = Device.objects.select_related(
            "enrolment__resident", "enrolment__grid", "enrolment__enrolled_by", "enrolment__station"
        ).get(pk=device.pk)
    with transaction.atomic():
        if kind == KIND_HEARTBEAT:
            _seen(device, now=now)
            return "accepted"
        if kind == KIND_WILL:
            # The connection dropped: give it RECONNECT_GRACE_SECONDS to come back before the sweep raises it.
            grace = now + dt.timedelta(seconds=RECONNECT_GRACE_SECONDS)
            Device.objects.filter(Q(offline_after__isnull=True) | Q(offline_after__gt=grace), pk=device.pk).update(
                offline_after=grace
            )
            return "accepted"
        try:
            with transaction.atomic():
                DeviceMessage.objects.create(device=device, message_id=data["msg"], kind=kind, received_at=now)
        except IntegrityError:
            return "duplicate"
        _seen(device, now=now)
        enrolment = device.enrolment
        if kind == KIND_SOS:
            event(enrolment, EventKind.SOS, now=now, device=device_id)
            alarm_start(enrolment=enrolment, reason=AlarmReason.SOS, now=now, device=device)
        elif kind == KIND_CHECKIN:
            checkin_record(enrolment=enrolment, via=CheckinVia.DEVICE, actor_name=device_id, now=now)
        elif kind == KIND_BATTERY:
            Device.objects.filter(pk=device.pk).update(battery_low_at=now)
            event(enrolment, EventKind.BATTERY_LOW, now=now, device=device_id, battery=data.get("battery"))
        elif kind == KIND_SERVICE:
            _service_request(device, now=now)
    return "accepted"


def _service_request(device: Device, *, now: dt.datetime) -> None:
    """The green key: open a service case for the grid (a home ID visit, shopping, a repair)."""
    enrolment = device.enrolment
    resident = enrolment.resident
    actor = _officer(enrolment) or enrolment.enrolled_by
    case = case_open(
        station=enrolment.station,
        actor=actor,
        channel=Channel.DEVICE_ALARM,
        category=care_category(station=enrolment.station),
        title=_("Service request: %(who)s") % {"who": resident.name},
        description=_("%(who)s pressed the green service key on the call device; call back and arrange a visit.")
        % {"who": resident.name},
        address=resident.address,
        subjects=[resident],
        now=now,
    )
    if enrolment.grid_id is not None and case.grid_id != enrolment.grid_id:
        case.grid_id = enrolment.grid_id
        case.save(update_fields=["grid"])
    event(enrolment, EventKind.SERVICE_REQUEST, now=now, device=device.device_id, case=case.number)


def devices_offline(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Raise the device-offline alarm for every device silent past its deadline (a `lianxin worker` sweep).

    Polls the indexed (is_enabled, offline_after) column; a conditional UPDATE on
    offline_raised_at claims each row, so two workers raise a silent device once. A resident
    who is away gets no alarm for the device at home.
    """
    now = now_or(now)
    due = list(
        Device.objects.filter(is_enabled=True, offline_after__lte=now, offline_raised_at__isnull=True)
        .order_by("offline_after")
        .values_list("pk", flat=True)[:limit]
    )
    raised = 0
    for pk in due:
        with transaction.atomic():
            claimed = Device.objects.filter(
                pk=pk, offline_after__lte=now, offline_raised_at__isnull=True, is_enabled=True
            ).update(offline_raised_at=now)
            if not claimed:
                continue
            device = Device.objects.select_related("enrolment__resident", "enrolment__grid").get(pk=pk)
            enrolment = device.enrolment
            event(enrolment, EventKind.DEVICE_OFFLINE, now=now, device=device.device_id)
            if enrolment.status == EnrolmentStatus.ACTIVE and not enrolment.is_away_at(now):
                alarm_start(enrolment=enrolment, reason=AlarmReason.DEVICE_OFFLINE, now=now, device=device)
            raised += 1
    return raised


def device_disable(*, device: Device, actor: User, now: dt.datetime | None = None) -> Device:
    """Disable a device (lost, returned): its messages are refused from now on."""
    now = now_or(now)
    require_carer(actor, device.enrolment)
    if not device.is_enabled:
        raise PermissionDenied(_("This device is disabled already."))
    Device.objects.filter(pk=device.pk).update(is_enabled=False, offline_after=None)
    device.refresh_from_db()
    event(device.enrolment, EventKind.DEVICE_OFFLINE, now=now, actor=actor, device=device.device_id, disabled=True)
    return device
