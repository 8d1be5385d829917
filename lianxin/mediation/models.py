"""Mediation: the station's specialist rooms, disputes (each on a case), parties, sessions, agreements and signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station
from lianxin.people.models import Resident


class RoomKind(models.TextChoices):
    FOREIGN = "foreign", _("Foreign-related")
    PROPERTY = "property", _("Property")
    COMMERCIAL = "commercial", _("Commercial")
    FAMILY = "family", _("Family and neighbourhood")
    LABOUR = "labour", _("Labour")
    TRAFFIC = "traffic", _("Traffic")


class Room(models.Model):
    """A specialist mediation room with its mediators (and a booking calendar of its sessions)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="mediation_rooms")
    code = models.SlugField(_("code"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=RoomKind.choices)
    name = models.CharField(_("name"), max_length=60)
    place = models.CharField(_("place"), max_length=100, blank=True)
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mediation_rooms")
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["station", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="mediation_room_code_unique")]

    def __str__(self) -> str:
        return self.name


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Being mediated")
    AGREED = "agreed", _("Agreement")
    PARTIAL = "partial", _("Partial agreement")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Outcomes that settle a dispute at the station (the "resolved locally" figure's numerator).
SETTLED_STATUSES = (DisputeStatus.AGREED, DisputeStatus.PARTIAL)
CONCLUDED_STATUSES = (DisputeStatus.AGREED, DisputeStatus.PARTIAL, DisputeStatus.NO_AGREEMENT)


class Dispute(models.Model):
    """A dispute taken into a room: its case carries the spine's work; this row carries the mediation."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="disputes")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="dispute")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("room"))
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("mediator")
    )
    claim = models.TextField(_("claim"))
    status = models.CharField(_("status"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    # Where a dispute with no agreement went (a court, a labour arbitration commission), like a referral.
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["station", "opened_at"], name="dispute_opened"),
            models.Index(fields=["station", "concluded_at"], name="dispute_concluded"),
            models.Index(fields=["mediator", "status"], name="dispute_mediator"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.room}"

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD = "third", _("Third party")


class Party(models.Model):
    """A party to a dispute: a resident (linked when known), another person, or an enterprise."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=100)
    is_enterprise = models.BooleanField(_("enterprise"), default=False)
    resident = models.ForeignKey(Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["dispute", "id"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """A mediation session in the dispute's room: scheduled, then held (with minutes) or cancelled."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    minutes = models.TextField(_("minutes"), blank=True)
    attended = models.ManyToManyField(Party, blank=True, related_name="sessions_attended")

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["room", "starts_at"], name="mediation_session_room")]

    def __str__(self) -> str:
        return f"{self.dispute} {self.starts_at:%Y-%m-%d %H:%M}"


class Agreement(models.Model):
    """The mediation agreement (调解协议书): terms, signatures, the signed PDF and its hash, the follow-up."""

    # A dispute has one agreement, or more when a broken one reopened it (the latest is current).
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    is_partial = models.BooleanField(_("partial agreement"), default=False)
    terms = models.TextField(_("terms"))
    drafted_at = models.DateTimeField(_("drafted"))
    signed_pdf = models.BinaryField(null=True, blank=True, editable=False)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    followup_on = models.DateField(_("follow-up visit on"), null=True, blank=True)
    followup_done_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followup_note = models.TextField(_("follow-up note"), blank=True)
    is_kept = models.BooleanField(_("agreement kept"), null=True, blank=True)
    # 司法确认: the court asked to confirm the agreement, and its answer.
    confirmation_court = models.CharField(_("court"), max_length=100, blank=True)
    confirmation_sent_on = models.DateField(_("sent for confirmation on"), null=True, blank=True)
    confirmation_answer = models.CharField(_("court's answer"), max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["followup_on", "followup_done_at"], name="agreement_followup")]

    def __str__(self) -> str:
        return f"{self.dispute.case.number} agreement"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Signature(models.Model):
    """A drawn signature captured in the browser: a party's (party set) or the mediator's (party empty)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, null=True, blank=True, related_name="signatures")
    signer_name = models.CharField(_("signer"), max_length=100)
    image_png = models.BinaryField(editable=False)
    signed_at = models.DateTimeField(_("signed"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party"], name="signature_once_per_party"),
            models.UniqueConstraint(
                fields=["agreement"], condition=models.Q(party__isnull=True), name="signature_once_by_mediator"
            ),
        ]

    def __str__(self) -> str:
        return self.signer_name
