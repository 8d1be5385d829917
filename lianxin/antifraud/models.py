"""The anti-fraud desk: stored screenings, the clinic's consultations, the station blacklist,
warnings and their dispatch, fraud losses with the police–bank channel (stop-payment and freeze requests, bank ledgers, traces, refunds) and campaigns.

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
from lianxin.core.pii import KIND_ACCOUNT, KIND_PHONE, KIND_SECRET, PersonalDataField, UnavailablePersonalData
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
    # Kept as evidence once a report or case refers to it; otherwise purged after a while. A case's
    # screenshot goes with the case under the retention rule (antifraud.services.screenshots_purge).
    is_kept = models.BooleanField(default=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
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
    """One screening whose entities matched an active entry (the 'blacklist hits' figure, per grid)."""

    entry = models.ForeignKey(BlacklistEntry, on_delete=models.CASCADE, related_name="hit_rows")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    # The screening's grid (the resident's, or where the check came from); none when unknown.
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
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
        return self.resident.name if self.resident is not None else self.contact_name

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


class LossStatus(models.TextChoices):
    OPEN = "open", _("Being worked")
    SETTLED = "settled", _("Money returned")
    WRITTEN_OFF = "written_off", _("Written off")


class FraudLoss(models.Model):
    """Money a resident already sent to fraudsters: the case the police–bank channel works on.

    `total_fen` is what the victim reported lost (the warning's figure, or the sum of the
    transfers once they are recorded); refunds are `Refund` rows against it.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="fraud_loss")
    warning = models.OneToOneField(FraudWarning, on_delete=models.SET_NULL, null=True, blank=True, related_name="loss")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reported_at = models.DateTimeField()
    total_fen = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=LossStatus.choices, default=LossStatus.OPEN)
    refunded_fen = models.BigIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["station", "reported_at"], name="loss_station_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(refunded_fen__gte=0), name="loss_refunded_nonneg"),
        ]

    def __str__(self) -> str:
        return str(self.case)

    @property
    def outstanding_fen(self) -> int:
        return max(0, self.total_fen - self.refunded_fen)


class LossTransfer(models.Model):
    """One transfer out of the victim's account, as the victim's receipt shows it.

    `txn_ref` is the bank's serial number of the transfer (交易流水号): the seed of a trace.
    `from_account` is the victim's own account: personal data, sealed at rest and shown masked
    (6222 **** **** 1234) unless the case officer reveals it (audited); `to_account` is the
    receiving (fraudster's) account, what is stopped, and stays visible to the desk and the bank.
    """

    loss = models.ForeignKey(FraudLoss, on_delete=models.CASCADE, related_name="transfers")
    at = models.DateTimeField(_("time of the transfer"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    from_account = PersonalDataField(_("from account"), kind=KIND_ACCOUNT)
    to_account = models.CharField(_("to account"), max_length=40, blank=True)
    to_bank = models.CharField(_("receiving bank"), max_length=60, blank=True)
    channel = models.CharField(_("channel"), max_length=30, blank=True)
    txn_ref = models.CharField(_("transaction serial number"), max_length=60, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="loss_transfer_amount_positive"),
        ]


class RequestKind(models.TextChoices):
    STOP = "stop", _("Emergency stop-payment")
    FREEZE = "freeze", _("Freeze")


class RequestStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the bank")
    HELD = "held", _("Money held")
    EMPTY = "empty", _("Nothing to hold")
    NOT_FOUND = "not_found", _("Account not found")
    REJECTED = "rejected", _("Rejected by the bank")
    LAPSED = "lapsed", _("Hold lapsed")
    RENEWED = "renewed", _("Renewed")


OPEN_REQUEST_STATUSES = (RequestStatus.SENT, RequestStatus.HELD)


class BankRequest(models.Model):
    """A stop-payment or freeze (紧急止付 / 冻结) sent to a partner bank for one receiving account.

    Its legal clocks are fields: `answer_due_at` (the bank must answer by then), `hold_until`
    (a stop or freeze lapses then unless renewed); `warn_after` is the sweep's indexed deadline
    (the next moment the case officer must be told something). All times are aware UTC.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    loss = models.ForeignKey(FraudLoss, on_delete=models.CASCADE, related_name="requests")
    bank = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank"))
    kind = models.CharField(_("kind"), max_length=8, choices=RequestKind.choices)
    account = models.CharField(_("account"), max_length=40)
    holder_name = models.CharField(_("account holder"), max_length=60, blank=True)
    amount_fen = models.BigIntegerField(_("amount to hold (fen)"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    renewal_of = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewed_by"
    )
    renewals = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.SENT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    answer_due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_fen = models.BigIntegerField(_("amount held (fen)"), default=0)
    answer_note = models.CharField(_("bank's note"), max_length=300, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    warn_after = models.DateTimeField(null=True, blank=True)
    # The bank system's idempotency key of the answer it sent (API), so a repeat changes nothing.
    answer_key = models.CharField(max_length=80, blank=True)
    is_ledger_requested = models.BooleanField(_("ask for the ledger (调单)"), default=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["status", "warn_after"], name="bankrequest_warn"),
            models.Index(fields=["bank", "status"], name="bankrequest_inbox"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="bankrequest_amount_positive"),
            models.CheckConstraint(condition=models.Q(held_fen__gte=0), name="bankrequest_held_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.account}"

    def is_answer_overdue(self, now: dt.datetime) -> bool:
        return self.status == RequestStatus.SENT and now >= self.answer_due_at

    def seconds_left(self, now: dt.datetime) -> int | None:
        """Seconds until the clock that runs now: the answer while waiting, the hold while held."""
        if self.status == RequestStatus.SENT:
            return int((self.answer_due_at - now).total_seconds())
        if self.status == RequestStatus.HELD and self.hold_until is not None:
            return int((self.hold_until - now).total_seconds())
        return None

    def deadline(self) -> dt.datetime | None:
        if self.status == RequestStatus.SENT:
            return self.answer_due_at
        if self.status == RequestStatus.HELD:
            return self.hold_until
        return None


class RequestStepKind(models.TextChoices):
    SENT = "sent", _("Sent to the bank")
    ANSWERED = "answered", _("Bank answered")
    ANSWER_OVERDUE = "answer_overdue", _("Bank has not answered in time")
    HOLD_ENDING = "hold_ending", _("Hold ends soon")
    LAPSED = "lapsed", _("Hold lapsed")
    RENEWED = "renewed", _("Renewed")
    LEDGER = "ledger", _("Ledger uploaded")


class RequestStep(models.Model):
    """One step of a bank request, append-only, with its time: its audit trail and the case clock's source."""

    request = models.ForeignKey(BankRequest, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=RequestStepKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]


class LedgerStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be read")
    INDEXING = "indexing", _("Being read")
    READY = "ready", _("Read")
    FAILED = "failed", _("Could not be read")


class BankLedger(models.Model):
    """A ledger extract (调单 result) a bank sent for a loss: the file under DATA_DIR and its index."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    loss = models.ForeignKey(FraudLoss, on_delete=models.CASCADE, related_name="ledgers")
    request = models.ForeignKey(BankRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="ledgers")
    bank = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    file_format = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=LedgerStatus.choices, default=LedgerStatus.QUEUED)
    rows_read = models.BigIntegerField(default=0)
    accounts = models.BigIntegerField(default=0)
    problems = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]


class TraceStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Tracing")
    DONE = "done", _("Traced")
    FAILED = "failed", _("Could not trace")


class FundTrace(models.Model):
    """One run of the funds tracing engine on a ledger, seeded by the loss's transfers.

    `result` is the engine's `Trace.to_dict()` unchanged: pages show it, never recompute it.
    `other_losses` are other victims of the same ring traced together with the loss (their
    transfers are seeds too, so the engine's refund plan splits held money among all of them);
    `seed_losses` names, aligned with `seeds`, the loss each seed came from.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    loss = models.ForeignKey(FraudLoss, on_delete=models.CASCADE, related_name="traces")
    ledger = models.ForeignKey(BankLedger, on_delete=models.CASCADE, related_name="traces")
    other_losses = models.ManyToManyField(FraudLoss, blank=True, related_name="joined_traces")
    seeds = models.JSONField(default=list)
    seed_losses = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=TraceStatus.choices, default=TraceStatus.QUEUED)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    engine_version = models.CharField(max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Refund(models.Model):
    """Money brought back to the victim (返还), from a held account, recorded against the loss."""

    loss = models.ForeignKey(FraudLoss, on_delete=models.CASCADE, related_name="refunds")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(BankRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds")
    amount_fen = models.BigIntegerField(_("amount returned (fen)"))
    from_account = models.CharField(_("from account"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField()
    # Set when recorded from a trace's refund plan: the trace and the plan's holding account (one row each).
    trace = models.ForeignKey(FundTrace, on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds")
    plan_account = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["returned_at", "id"]
        indexes = [models.Index(fields=["station", "returned_at"], name="refund_station_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["trace", "plan_account", "loss"],
                condition=models.Q(trace__isnull=False),
                name="refund_plan_row_once",
            ),
        ]


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
    # A video's own file (MP4, WebM or Ogg), under MEDIA_ROOT, never in the web root: the public
    # video page plays it through antifraud.views.campaign_video; deleted with the campaign.
    video = models.FileField(_("video file"), max_length=200, blank=True)
    video_content_type = models.CharField(max_length=40, blank=True)
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


class BankLink(models.Model):
    """A partner bank's own system on the machine channel: its key for signed messages, its endpoint, its user.

    Messages both ways are signed with HMAC-SHA256 over "<timestamp>.<body>" with `secret`; answers the
    bank's system sends are recorded as `user`'s (the bank's liaison account). The secret is sealed at
    rest under the personal-data keys (so the database file alone does not give it away, and
    `lianxin pii rotate` re-seals it); only `signing_secret()` opens it, to sign or verify a message.
    """

    bank = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="bank_link")
    key_id = models.SlugField(_("key id"), max_length=40, unique=True)
    secret = PersonalDataField(kind=KIND_SECRET)
    endpoint_url = models.URLField(_("the bank's endpoint"), blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.bank} ({self.key_id})"

    def signing_secret(self) -> str:
        """The whole HMAC key, for signing and verifying only (never shown to a person)."""
        if not self.secret or isinstance(self.secret, UnavailablePersonalData):
            raise ValueError(f"the secret of bank link {self.key_id!r} cannot be opened with the configured keys")
        return self.secret.reveal()


class MessageDirection(models.TextChoices):
    IN = "in", _("From the bank")
    OUT = "out", _("To the bank")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Delivered")
    ANSWERED = "answered", _("Answered")
    DEAD = "dead", _("Not delivered (dead letter)")


class BankMessage(models.Model):
    """One signed message of the machine channel: a request sent to a bank (retried with backoff until
    delivered or dead-lettered) or a message a bank sent (kept with our answer, so a repeat gets it again)."""

    bank = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(BankRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="messages")
    direction = models.CharField(max_length=3, choices=MessageDirection.choices)
    idempotency_key = models.CharField(max_length=80)
    signature = models.CharField(max_length=64, blank=True)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "direction", "idempotency_key"], name="bankmessage_idempotent"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="bankmessage_retry")]
