"""Stations, users and their roles, partner organisations, the audit log, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.pii import KIND_PHONE, PersonalDataField


class Station(models.Model):
    """A police station: the top of every scope."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Map centre for pages that show the whole station (WGS84).
    center_lat = models.FloatField(_("centre latitude"), default=0.0)
    center_lon = models.FloatField(_("centre longitude"), default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STATION_CHIEF = "station_chief", _("Station chief")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    REGISTRY_OFFICER = "registry_officer", _("Household-registration officer")
    AUXILIARY = "auxiliary", _("Auxiliary police")
    GRID_MEMBER = "grid_member", _("Grid member")
    VOLUNTEER = "volunteer", _("Volunteer")
    LOOKOUT = "lookout", _("Safety lookout")
    MEDIATOR = "mediator", _("Mediator")
    LAWYER = "lawyer", _("Lawyer")
    BANK_LIAISON = "bank_liaison", _("Bank liaison")
    DEPARTMENT_LIAISON = "department_liaison", _("Department liaison")
    RESIDENT = "resident", _("Resident")


class PartnerKind(models.TextChoices):
    DEPARTMENT = "department", _("Government department")
    BANK = "bank", _("Bank")
    LAW_FIRM = "law_firm", _("Law firm")
    OTHER = "other", _("Other")


class Partner(models.Model):
    """A partner organisation of a station: a department, a bank, a law firm."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="partners")
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    # How many hours a department has to reply to a referral.
    reply_hours = models.PositiveIntegerField(_("reply within (hours)"), default=72)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="partner_code_unique_per_station")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: staff, volunteers, partners and residents alike."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("name"), max_length=60, blank=True)
    partner = models.ForeignKey(Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="users")
    phone = PersonalDataField(_("mobile number"), kind=KIND_PHONE)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditEntry(models.Model):
    """One access to personal data or one sensitive action: who, what, when. Append-only."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, null=True, related_name="audit_entries")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="audit_entries")
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(_("record type"), max_length=40)
    target_id = models.CharField(_("record"), max_length=40)
    field = models.CharField(_("field"), max_length=40, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    # Tamper evidence: each row's hash covers its own fields and the previous row's hash
    # (core.services.audit_record writes them; `lianxin audit verify` checks the chain).
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    # The fields the hash covers, in order (a new field joins this list with a new HASH_VERSION).
    CHAINED_FIELDS = ("station_id", "actor_id", "action", "target_type", "target_id", "field", "detail", "at")
    HASH_VERSION = "a1"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        # Append-only in the database itself on PostgreSQL: no UPDATE, no DELETE (retention and
        # taking a station down lift it for their own statement, see core.services).
        triggers = [pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}#{self.target_id}"

    def compute_hash(self) -> str:
        """Return the SHA-256 (hex) of this row's chained fields and prev_hash."""
        values = [self.HASH_VERSION, self.prev_hash]
        for name in self.CHAINED_FIELDS:
            value = getattr(self, name)
            values.append(value.astimezone(dt.UTC).isoformat() if isinstance(value, dt.datetime) else value)
        return hashlib.sha256(json.dumps(values, ensure_ascii=False, default=str).encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a system integration; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    key_digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The answer to a create request that carried an Idempotency-Key, kept so a retry gets it again.

    scope is a digest of who asked (the API token, the Open311 api_key or the session user)
    and the key they sent, so two clients' keys never collide and no key is stored in the clear.
    """

    scope = models.CharField(max_length=64, unique=True)
    request_digest = models.CharField(max_length=64)
    method_path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField(default=0)  # 0 while the first request is still running
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.method_path} {self.status}"


class FeedToken(models.Model):
    """A private calendar link of one user for one feed (kind + target); only an HMAC of its secret is kept.

    A calendar application subscribes to the URL without signing in, so the URL carries the
    token: `<lookup>.<secret>`. `lookup` finds the row (indexed, not secret); the secret is
    compared in constant time with `secret_digest` (core.feeds). Issuing a new link for the same
    feed revokes the old one; a revoked row is kept so the page can say when it stopped.
    The app that owns a kind decides, on every request, whether the user may still see it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="feed_tokens")
    # "<app>.<feed>", e.g. "mediation.room"; target_id names the row (a room's pk) or is "" for "mine".
    kind = models.CharField(max_length=40)
    target_id = models.CharField(max_length=40, blank=True)
    lookup = models.CharField(max_length=16, unique=True)
    secret_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "target_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="feed_token_one_active_per_feed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.target_id} {self.user} ({self.lookup}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
