"""Tips: what a safety lookout saw, taken in as a case; a two-way thread with the station, anonymous if wished.

An anonymous tip keeps no link to a person: no user, no address, no user agent, only the
day it came (sent_on) and not the time. Its only key is the receipt code shown once to the
tipster; the database keeps an HMAC of the code (receipt_digest), never the code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case
from lianxin.core.models import Station


class TipKind(models.TextChoices):
    SUSPICIOUS = "suspicious", _("Suspicious person or activity")
    MOVING = "moving", _("People moving in or out")
    FAMILY_DISPUTE = "family_dispute", _("Family dispute")
    ELDER = "elder", _("An elder in trouble")
    FRAUD = "fraud", _("Fraud in progress")
    HAZARD = "hazard", _("Hazard")


class TipOutcome(models.TextChoices):
    PENDING = "pending", _("Not assessed yet")
    CONFIRMED = "confirmed", _("Confirmed")
    USEFUL = "useful", _("Useful")
    UNFOUNDED = "unfounded", _("Unfounded")


class Tip(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="tips")
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="tip")
    kind = models.CharField(_("kind"), max_length=20, choices=TipKind.choices)
    # None for an anonymous tip: nobody, the desk included, can tell who sent it.
    source_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips_sent"
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    receipt_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    sent_on = models.DateField(_("sent on"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=TipOutcome.choices, default=TipOutcome.PENDING)
    outcome_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [models.Index(fields=["station", "sent_on"], name="tip_station_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sent_on}"


class TipMessage(models.Model):
    """One message of a tip's thread: from the source (the tipster) or from the station (under its handle).

    The officer who wrote a station message is kept (author) for the station's own record;
    the source only ever sees the station's handle. A source message of an anonymous tip has
    no author and only its day.
    """

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    is_from_station = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("message"))
    written_on = models.DateField()
    written_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
