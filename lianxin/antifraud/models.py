"""The anti-fraud desk: stored screenings, the clinic's consultations, the station blacklist,
warnings and their dispatch, fraud losses (for the stop-payment flow of the next issue) and campaigns.

Writes live in antifraud.services; this module holds fields, constraints and values derived
from a row and an explicit `now`. Money is integer fen; times are aware UTC.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import CartStop, Case
from lianxin.core.models import Partner, Station
from lianxin.core.pii import KIND_PHONE, PersonalDataField
from lianxin.people.models import Resident
from lianxin.places.models import Grid


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Band(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class ScreeningSource(models.TextChoices):
    CHECK = "check", _("Resident's own check")
    CLINIC = "clinic", _("Anti-fraud clinic")
    SCREENSHOT = "screenshot", _("Screenshot")


class Screening(models.Model):
    """A screening result that was kept: the resident reported it, opened a case, or the clinic recorded it."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="screenings")
    source = models.CharField(max_length=12, choices=ScreeningSource.choices)
    text = models.TextField(_("message"))
    is_fraud = models.BooleanField(default=False)
    risk = models.FloatField()
    band = models.CharField(max_length=8, choices=Band.choices)
    typology = models.CharField(max_length=40, blank=True)
    subtype = models.CharField(max_length=40, blank=True)
    cues = models.JSONField(default=list, blank=True)
    entities = models.JSONField(default=dict, blank=True)
    advice = models.TextField(blank=True)
    blacklist_hits = models.JSONField(default=list, blank=True)
    engine_version = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    screened_at = models.DateTimeField()

    class Meta:
        ordering = ["-screened_at", "-id"]
        indexes = [models.Index(fields=["station", "screened_at"], name="screening_station_time")]

    def __str__(self) -> str:
        return f"{self.band} {self.screened_at:%Y-%m-%d %H:%M}"


class ScreeningTally(models.Model):
    """How many messages were screened per station, local day, grid and band: counts only, no text.

    A resident's own check keeps nothing they pasted; this row is how the desk still counts it.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    on = models.DateField()
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    band = models.CharField(max_length=8, choices=Band.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["station", "on", "grid", "band"], name="screening_tally_unique"),
        ]


class ScreenshotStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Reading")
    DONE = "done", _("Read")
    FAILED = "failed", _("Could not read")


class Screenshot(models.Model):
    """An uploaded screenshot and what OCR read from it; the file lives under DATA_DIR, never in the web root.

    Only the uploader (by the token in their page) and the desk's roles may see it; an unused
    one is purged by the `antifraud_screenshots_purge` sweep.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    path = models.CharField(max_length=300)
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ScreenshotStatus.choices, default=ScreenshotStatus.QUEUED)
    text = models.TextField(blank=True)
    error = models.CharField(max_length=200, blank=True)
    ocr_seconds = models.FloatField(null=True, blank=True)
    ocr_engine = models.CharField(max_length=60, blank=True)
    # Kept as evidence once a report or case refers to it; otherwise purged after a while.
    is_kept = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["is_kept", "uploaded_at"], name="screenshot_purge")]


class Decision(models.TextChoices):
    WILL_NOT_PAY = "will_not_pay", _("Will not pay")
    ABOUT_TO_PAY = "about_to_pay", _("Was about to pay")
    ALREADY_PAID = "already_paid", _("Already paid")
    UNSURE = "unsure", _("Unsure; will check with family")
    NOT_FRAUD = "not_fraud", _("Not a fraud")


class Consultation(models.Model):
    """One resident seen at the anti-fraud clinic (at the cart or the counter): a screening on their behalf."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="fraud_consultation")
    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="consultation")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="fraud_consultations")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cart_stop = models.ForeignKey(CartStop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decision = models.CharField(_("what the resident decided"), max_length=16, choices=Decision.choices)
    cues_shown = models.JSONField(default=list, blank=True)
    engine_version = models.CharField(max_length=40)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["station", "at"], name="consultation_station_time")]


class EntityKind(models.TextChoices):
    PHONE = "phone", _("Phone number")
    URL = "url", _("Link")
    DOMAIN = "domain", _("Domain")
    ACCOUNT = "account", _("Bank account")
    IM = "im", _("IM id")


class EntryStatus(models.TextChoices):
    PROPOSED = "proposed", _("Reported, awaiting review")
    ACTIVE = "active", _("On the blacklist")
    REJECTED = "rejected", _("Rejected")


class EntrySource(models.TextChoices):
    OFFICER = "officer", _("Added by an officer")
    REPORT = "report", _("Resident's report")
    IMPORT = "import", _("Anti-fraud centre list")


class BlacklistEntry(models.Model):
    """One phone, link, domain, bank account or IM id the station has seen used by fraudsters.

    `value_key` is the normalised value (antifraud.normalise), or for phone numbers its keyed
    digest, so a lookup is one indexed equality and no whole phone number rests in the table;
    `shown` is what lists print (masked for phones).
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=EntityKind.choices)
    value_key = models.CharField(max_length=300)
    shown = models.CharField(_("value"), max_length=300)
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE)
    source = models.CharField(_("source"), max_length=8, choices=EntrySource.choices)
    source_detail = models.CharField(_("source detail"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    screenshot = models.ForeignKey(Screenshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reports = models.PositiveIntegerField(default=0)
    hits = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField()
    last_hit_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "kind", "value_key"], name="blacklist_value_unique"),
        ]
        indexes = [models.Index(fields=["station", "status", "-first_seen_at"], name="blacklist_review")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.shown}"

    def is_active_at(self, now: dt.datetime) -> bool:
        return self.status == EntryStatus.ACTIVE and (self.expires_at is None or self.expires_at > now)


class BlacklistHit(models.Model):
    """One screening whose entities matched an active entry (the 'blacklist hits' figure)."""

    entry = models.ForeignKey(BlacklistEntry, on_delete=models.CASCADE, related_name="hit_rows")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["station", "at"], name="blacklist_hit_time")]


class WarningSource(models.TextChoices):
    BANK_ALERT = "bank_alert", _("Bank alert")
    SCREENING = "screening", _("High-risk screening")
    CENTRE = "centre", _("Anti-fraud centre list")
    OFFICER = "officer", _("Officer")


class WarningStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Sent, waiting for a responder")
    ACKNOWLEDGED = "acknowledged", _("Responder on the way")
    CLOSED = "closed", _("Outcome recorded")


class Outcome(models.TextChoices):
    DISSUADED = "dissuaded", _("Dissuaded")
    TRANSFERRED = "transferred", _("Already transferred")
    UNREACHABLE = "unreachable", _("Could not reach")
    FALSE_ALARM = "false_alarm", _("False alarm")


class FraudWarning(models.Model):
    """A warning (预警) that a resident is about to be defrauded, dispatched to a responder until an outcome."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="fraud_warning")
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="fraud_warnings"
    )
    contact_name = models.CharField(_("name"), max_length=60, blank=True)
    contact_phone = PersonalDataField(_("contact phone"), kind=KIND_PHONE)
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=WarningSource.choices)
    source_partner = models.ForeignKey(Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    external_ref = models.CharField(_("reference"), max_length=60, blank=True)
    risk = models.CharField(_("risk"), max_length=300)
    amount_at_stake_fen = models.BigIntegerField(_("amount at stake (fen)"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    screening = models.ForeignKey(Screening, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=WarningStatus.choices, default=WarningStatus.DISPATCHED)
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tried_ids = models.JSONField(default=list, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The sweep's indexed deadline: unacknowledged by then, the next responder and the duty desk are alerted.
    escalate_after = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    amount_protected_fen = models.BigIntegerField(_("amount protected (fen)"), default=0)
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "escalate_after"], name="warning_escalate"),
            models.Index(fields=["station", "received_at"], name="warning_station_time"),
            models.Index(fields=["responder", "status"], name="warning_responder"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_protected_fen__gte=0), name="warning_protected_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_status_display()}"

    @property
    def who(self) -> str:
        return self.resident.name if self.resident_id else self.contact_name

    def seconds_to_contact(self) -> float | None:
        if self.contacted_at is None:
            return None
        return (self.contacted_at - self.received_at).total_seconds()

    def is_in_time(self) -> bool:
        """Reached before the deadline (or, without one, reached at all)."""
        if self.contacted_at is None:
            return False
        return self.deadline_at is None or self.contacted_at <= self.deadline_at


class StepKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Sent to a responder")
    ACKNOWLEDGED = "acknowledged", _("Responder on the way")
    ESCALATED = "escalated", _("Unacknowledged: escalated")
    OUTCOME = "outcome", _("Outcome recorded")


class WarningStep(models.Model):
    """One step of a warning, append-only, with its time: the source of 'warnings → contact → outcome'."""

    warning = models.ForeignKey(FraudWarning, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=14, choices=StepKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["warning", "at"])]


class FraudLoss(models.Model):
    """Money a resident already sent to fraudsters: the case the stop-payment flow (next issue) works on."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="fraud_loss")
    warning = models.OneToOneField(FraudWarning, on_delete=models.SET_NULL, null=True, blank=True, related_name="loss")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reported_at = models.DateTimeField()
    total_fen = models.BigIntegerField(default=0)


class LossTransfer(models.Model):
    """One transfer out of the victim's account (filled in by the stop-payment flow)."""

    loss = models.ForeignKey(FraudLoss, on_delete=models.CASCADE, related_name="transfers")
    at = models.DateTimeField()
    amount_fen = models.BigIntegerField()
    to_account = models.CharField(max_length=40, blank=True)
    to_bank = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=30, blank=True)


class CampaignKind(models.TextChoices):
    VIDEO = "video", _("Short video")
    TALK = "talk", _("Talk")
    TRAINING = "training", _("Training")


class Campaign(models.Model):
    """An anti-fraud video, talk or training, with its reach."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CampaignKind.choices)
    title = models.CharField(_("title"), max_length=120)
    link = models.URLField(_("link"), blank=True)
    views = models.PositiveIntegerField(_("views"), default=0)
    held_on = models.DateField(_("date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    enterprise = models.CharField(_("enterprise"), max_length=120, blank=True)
    attendance = models.PositiveIntegerField(_("people attending"), default=0)
    attendees = models.TextField(_("attendance list"), blank=True)
    materials = models.CharField(_("materials"), max_length=300, blank=True)
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    residents_reached = models.PositiveIntegerField(_("residents reached"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
