"""Care for elders living alone: enrolment with consent, daily check-ins, alarms that climb a ladder, devices, visits.

Healthchecks style: an enrolment's state is derived from its own fields and an explicit `now`
(`Enrolment.state_at`); every change is a CareEvent row; the worker polls the indexed
deadline columns (`Enrolment.alert_after`, `Alarm.escalate_after`, `Device.offline_after`) and
claims rows with a conditional UPDATE (care.services.sweeps), so several workers can run.

Times are aware and stored in UTC; a check-in window is wall-clock time in the station's zone.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station
from lianxin.core.pii import KIND_PHONE, PersonalDataField
from lianxin.people.models import Resident
from lianxin.places.models import Grid

TOKEN_BYTES = 24
# A day searched for the next deadline past an away period is at most this far ahead.
DEADLINE_SEARCH_DAYS = 400


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def station_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentBy(models.TextChoices):
    SELF = "self", _("The resident")
    PROXY = "proxy", _("A proxy for the resident")


class CareState(models.TextChoices):
    """What an enrolment is doing now (derived, never stored)."""

    WITHDRAWN = "withdrawn", _("Withdrawn")
    AWAY = "away", _("Away")
    WAITING = "waiting", _("Window not open yet")
    DUE = "due", _("Check-in due")
    CHECKED_IN = "checked_in", _("Checked in today")
    MISSED = "missed", _("Check-in missed")


class Enrolment(models.Model):
    """One resident under care: consent, the daily check-in window, the contacts and the sealed plan.

    `settled_through_on` is the last local day that needs nothing more (a check-in covered it,
    or its miss has been raised); `alert_after` is the deadline of the next day after it, the
    column the sweep polls.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="care_enrolments")
    resident = models.OneToOneField(
        Resident, on_delete=models.CASCADE, related_name="care_enrolment", verbose_name=_("resident")
    )
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField()
    consent_by = models.CharField(_("consent given by"), max_length=8, choices=ConsentBy.choices)
    proxy_name = models.CharField(_("proxy's name"), max_length=60, blank=True)
    proxy_reason = models.CharField(_("why a proxy consented"), max_length=200, blank=True)
    has_monitoring_consent = models.BooleanField(_("consents to daily monitoring"), default=False)
    has_health_consent = models.BooleanField(_("consents to sensitive health data"), default=False)
    window_starts = models.TimeField(_("check-in window opens"))
    window_ends = models.TimeField(_("check-in window closes"))
    grace_minutes = models.PositiveSmallIntegerField(_("grace (minutes)"), default=30)
    # The missed-check-in plan (door access, medicines, who has a key): AES-GCM ciphertext
    # (core.pii.encrypt), opened only during an alarm and every opening audited.
    plan_sealed = models.TextField(blank=True, editable=False)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    settled_through_on = models.DateField(null=True, blank=True)
    last_missed_on = models.DateField(null=True, blank=True)
    away_from = models.DateTimeField(_("away from"), null=True, blank=True)
    away_until = models.DateTimeField(_("away until"), null=True, blank=True)
    alert_after = models.DateTimeField(null=True, blank=True)
    alert_on = models.DateField(null=True, blank=True)  # the local day alert_after is the deadline of
    checkin_token = models.CharField(max_length=48, unique=True, default=new_token, editable=False)
    # The token of the sweep call that claimed this row (care.services.alarms.checkins_missed); "" between sweeps.
    sweep_claim = models.CharField(max_length=32, blank=True, default="", editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "alert_after"], name="care_enrolment_alert_after"),
            # Only the rows a sweep call is claiming carry a token: a small partial index finds them.
            models.Index(fields=["sweep_claim"], condition=~Q(sweep_claim=""), name="care_enrolment_sweep_claim"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(window_ends__gt=models.F("window_starts")), name="care_window_order")
        ]

    def __str__(self) -> str:
        return str(self.resident)

    def deadline_on(self, day: dt.date) -> dt.datetime:
        """Return the aware moment day's check-in is missed: the window's close plus the grace, local time."""
        closes = dt.datetime.combine(day, self.window_ends, tzinfo=station_zone())
        return closes + dt.timedelta(minutes=self.grace_minutes)

    def opens_on(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.window_starts, tzinfo=station_zone())

    def is_away_at(self, at: dt.datetime) -> bool:
        return bool(self.away_from and self.away_until and self.away_from <= at < self.away_until)

    def next_deadline(self) -> tuple[dt.date | None, dt.datetime | None]:
        """Return (day, deadline) of the first local day after settled_through_on that is not spent away."""
        if self.status != EnrolmentStatus.ACTIVE or self.settled_through_on is None:
            return None, None
        day = self.settled_through_on + dt.timedelta(days=1)
        for _step in range(DEADLINE_SEARCH_DAYS):
            deadline = self.deadline_on(day)
            if not self.is_away_at(deadline):
                return day, deadline
            day += dt.timedelta(days=1)
        return None, None

    def schedule(self) -> None:
        """Set alert_on and alert_after from settled_through_on and the away period (the caller saves)."""
        self.alert_on, self.alert_after = self.next_deadline()

    def state_at(self, now: dt.datetime) -> str:
        """Return the CareState of this enrolment at now (from its own fields only)."""
        if self.status == EnrolmentStatus.WITHDRAWN:
            return CareState.WITHDRAWN
        if self.is_away_at(now):
            return CareState.AWAY
        if self.alert_after is not None and self.alert_after <= now:
            return CareState.MISSED
        today = now.astimezone(station_zone()).date()
        if self.last_checkin_at and self.last_checkin_at.astimezone(station_zone()).date() == today:
            return CareState.CHECKED_IN
        if now < self.opens_on(today):
            return CareState.WAITING
        if self.last_missed_on == today:
            # Today's miss has been raised already and its alarm is doing its work.
            return CareState.MISSED
        return CareState.DUE


class ContactKind(models.TextChoices):
    FAMILY = "family", _("Family")
    NEIGHBOUR = "neighbour", _("Neighbour")


class Contact(models.Model):
    """A person to call when the resident is silent, in order (family and neighbours; staff come from the grid)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="contacts")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind"), max_length=12, choices=ContactKind.choices)
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(_("relation"), max_length=30, blank=True)
    phone = PersonalDataField(_("mobile number"), kind=KIND_PHONE)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class AlarmReason(models.TextChoices):
    MISSED = "missed", _("Check-in missed")
    SOS = "sos", _("SOS from the call device")
    DEVICE_OFFLINE = "device_offline", _("Call device offline")


class AlarmStatus(models.TextChoices):
    OPEN = "open", _("Waiting for someone")
    ACKNOWLEDGED = "acknowledged", _("Someone is going")
    CLOSED = "closed", _("Closed")


class Answer(models.TextChoices):
    GOING = "going", _("I'm going")
    FINE = "fine", _("I reached them, all fine")
    NEED_HELP = "need_help", _("Need help")


# How an alarm closed without anyone answering it.
CLOSED_BY_CHECKIN = "checked_in"
CLOSED_BY_DEVICE_BACK = "device_back"
CLOSED_BY_WITHDRAWAL = "withdrawn"


class Alarm(models.Model):
    """A missed check-in, an SOS or a device gone silent: it notifies one rung after another until answered.

    `rung` is how many rungs have been notified; `escalate_after` is when the next one is due
    (None once someone answered or the alarm closed). At most one live alarm per reason per
    enrolment (a second SOS press joins the first).
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="care_alarms")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="alarms")
    reason = models.CharField(max_length=16, choices=AlarmReason.choices)
    status = models.CharField(max_length=14, choices=AlarmStatus.choices, default=AlarmStatus.OPEN)
    started_at = models.DateTimeField()
    missed_on = models.DateField(null=True, blank=True)
    rung = models.PositiveSmallIntegerField(default=0)
    escalate_after = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_name = models.CharField(max_length=60, blank=True)
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=16, blank=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="care_alarms")
    device = models.ForeignKey("Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="alarms")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "escalate_after"], name="care_alarm_escalate_after")]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "reason"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="care_one_live_alarm_per_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.enrolment}"

    @property
    def is_live(self) -> bool:
        return self.status != AlarmStatus.CLOSED

    def seconds_to_acknowledge(self) -> int | None:
        if self.acknowledged_at is None:
            return None
        return int((self.acknowledged_at - self.started_at).total_seconds())


class NotifyChannel(models.TextChoices):
    WEB = "web", _("In the page (live)")
    SMS = "sms", _("Text message")
    LOG = "log", _("Log only (no gateway configured)")


class Notification(models.Model):
    """One rung of an alarm sent to one person: a user (their open page) or a contact (their link)."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="notifications")
    rung = models.PositiveSmallIntegerField()
    step = models.CharField(max_length=16)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(max_length=60)
    channel = models.CharField(max_length=8, choices=NotifyChannel.choices)
    token = models.CharField(max_length=48, unique=True, default=new_token, editable=False)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["rung", "id"]
        # A rung is sent once: two workers racing on the same deadline cannot both send it.
        constraints = [models.UniqueConstraint(fields=["alarm", "rung"], name="care_rung_sent_once")]


class EventKind(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    CONSENT = "consent", _("Consent recorded")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
    WINDOW_SET = "window_set", _("Check-in window set")
    CHECKED_IN = "checked_in", _("Checked in")
    AWAY_SET = "away_set", _("Away")
    MISSED = "missed", _("Check-in missed")
    ALARM_STARTED = "alarm_started", _("Alarm started")
    NOTIFIED = "notified", _("Notified")
    ACKNOWLEDGED = "acknowledged", _("Answered")
    ALARM_CLOSED = "alarm_closed", _("Alarm closed")
    CASE_OPENED = "case_opened", _("Welfare-check case opened")
    PLAN_OPENED = "plan_opened", _("Plan opened")
    DEVICE_ADDED = "device_added", _("Call device added")
    DEVICE_OFFLINE = "device_offline", _("Call device offline")
    DEVICE_ONLINE = "device_online", _("Call device back online")
    BATTERY_LOW = "battery_low", _("Call device battery low")
    SOS = "sos", _("SOS pressed")
    SERVICE_REQUEST = "service_request", _("Service requested on the device")
    VISIT = "visit", _("Home visit")
    VISIT_SCHEDULED = "visit_scheduled", _("Home visit scheduled")


class CareEvent(models.Model):
    """Every change of an enrolment, in order: the timeline, the audit trail and the source of the figures."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_name = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "at"], name="care_event_kind_at")]


class Device(models.Model):
    """A call device in the resident's home: its own id and key, its MQTT topic, its heartbeat deadline."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="care_devices")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="devices")
    device_id = models.SlugField(_("device id"), max_length=40, unique=True)
    # The device's secret (it signs every message with it, HMAC-SHA256), sealed with core.pii.encrypt.
    key_sealed = models.TextField(editable=False)
    is_enabled = models.BooleanField(default=True)
    heartbeat_seconds = models.PositiveIntegerField(_("heartbeat every (seconds)"), default=300)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    offline_after = models.DateTimeField(null=True, blank=True)
    offline_raised_at = models.DateTimeField(null=True, blank=True)
    battery_low_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["is_enabled", "offline_after"], name="care_device_offline_after")]

    def __str__(self) -> str:
        return self.device_id

    def is_online_at(self, now: dt.datetime) -> bool:
        return self.offline_after is not None and now < self.offline_after


class DeviceMessage(models.Model):
    """A device message taken in (kept once: a duplicate QoS 1 delivery finds its id here and changes nothing)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=12)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "message_id"], name="care_device_message_once")]


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    ID_CARD = "id_card", _("Home ID-card visit")
    AFTER_ALARM = "after_alarm", _("After an alarm")


class VisitOutcome(models.TextChoices):
    FINE = "fine", _("All fine")
    NEEDS_HELP = "needs_help", _("Needs help (opens a case)")
    NOT_HOME = "not_home", _("Nobody at home")
    DONE = "done", _("ID card application taken")


class HomeVisit(models.Model):
    """A visit to the resident's home: recorded after it happened, or scheduled first (a home ID-card visit
    the registry officer books, with its case) and its outcome recorded when done."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("kind"), max_length=12, choices=VisitKind.choices)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=VisitOutcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-visited_at", "-scheduled_for", "-id"]

    @property
    def is_done(self) -> bool:
        return self.visited_at is not None
