"""Tips: what a safety lookout saw, taken in as a case; a two-way thread with the station, anonymous if wished.

A trade post (行业瞭望哨: a property office, a gas-meter route, a shop) has lookouts; each lookout's
beat says which buildings, grids or area they cover, and on which days.

An anonymous tip keeps no link to a person: no user, no address, no user agent, only the
day it came (sent_on) and not the time. Its only key is the receipt code shown once to the
tipster; the database keeps an HMAC of the code (receipt_digest), never the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Case, Priority
from lianxin.core.models import Station
from lianxin.places.models import Building, Grid


class TipKind(models.TextChoices):
    SUSPICIOUS = "suspicious", _("Suspicious person or activity")
    MOVING = "moving", _("People moving in or out")
    FAMILY_DISPUTE = "family_dispute", _("Family dispute")
    ELDER = "elder", _("An elder in trouble")
    FRAUD = "fraud", _("Fraud in progress")
    HAZARD = "hazard", _("Hazard")


class Sensitivity(models.TextChoices):
    """How a kind of tip is handled: who sees its case and what it sets going."""

    ORDINARY = "ordinary", _("Ordinary: the grid's team sees it")
    RESTRICTED = "restricted", _("Restricted: only the grid's officer (and the station chief) see it")
    URGENT = "urgent", _("Urgent: handled at once")


@dataclass(frozen=True)
class KindRule:
    """What a kind of tip is: its sensitivity class, the categories it files under (the first the station has), its priority.

    A restricted kind's case is restricted on the spine, given to the grid's officer, and opens a
    safety-check case for them; an urgent kind's case is urgent.
    """

    sensitivity: str
    categories: tuple[str, ...]
    priority: int = Priority.NORMAL

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == Sensitivity.RESTRICTED


# The one table of the kinds of tip: every rule about a kind is read from here.
KIND_RULES: dict[str, KindRule] = {
    TipKind.SUSPICIOUS: KindRule(Sensitivity.ORDINARY, ("suspicious", "help", "public-order")),
    TipKind.MOVING: KindRule(Sensitivity.ORDINARY, ("moving", "household", "help")),
    TipKind.FAMILY_DISPUTE: KindRule(Sensitivity.RESTRICTED, ("family-dispute", "neighbour-dispute"), Priority.HIGH),
    TipKind.ELDER: KindRule(Sensitivity.RESTRICTED, ("elder-care", "help"), Priority.HIGH),
    TipKind.FRAUD: KindRule(Sensitivity.URGENT, ("fraud-report", "fraud-consult"), Priority.URGENT),
    TipKind.HAZARD: KindRule(Sensitivity.ORDINARY, ("fire-hazard", "hazard")),
}
# The categories a safety check after a restricted tip files under (the first the station has; else the tip's).
SAFETY_CHECK_CATEGORIES = ("safety-check", "welfare-check", "elder-care", "help")


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
    # For a restricted kind: the safety-check case opened for the grid's officer (restricted too).
    safety_case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [models.Index(fields=["station", "sent_on"], name="tip_station_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sent_on}"

    @property
    def rule(self) -> KindRule:
        return KIND_RULES[self.kind]


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


class TipPhoto(models.Model):
    """A photo sent with a tip, re-encoded on the way in (no EXIF: no GPS, time or device), under a random name.

    Served only through tips.views, which ask the tip's selectors first; never from a public URL.
    """

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]


class PostKind(models.TextChoices):
    PROPERTY_OFFICE = "property_office", _("Property office")
    GAS_METER_ROUTE = "gas_meter_route", _("Gas-meter route")
    SHOP = "shop", _("Shop")
    OTHER = "other", _("Other")


class TradePost(models.Model):
    """A trade lookout post (行业瞭望哨): where a group of lookouts work, with its point and grid."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="trade_posts")
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices)
    name = models.CharField(_("name"), max_length=100)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # The grid the point lies in (set by tips.services.trade_post_save; None outside every grid).
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="trade_posts")
    lookouts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="trade_posts")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["station", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="trade_post_name_unique_per_station")]

    def __str__(self) -> str:
        return self.name


class Beat(models.Model):
    """What one lookout of a post covers, and when.

    Coverage is the union of the buildings, the whole grids and the area (a GeoJSON Polygon
    or MultiPolygon, lon/lat). Days: `weekdays` holds ISO weekday digits ("135" is Monday,
    Wednesday, Friday), `month_days` comma-separated days of the month ("1,15"); a day is on
    the beat if it matches either; both empty means every day.
    """

    post = models.ForeignKey(TradePost, on_delete=models.CASCADE, related_name="beats")
    lookout = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="beats")
    buildings = models.ManyToManyField(Building, blank=True, related_name="beats")
    grids = models.ManyToManyField(Grid, blank=True, related_name="beats")
    area = models.JSONField(null=True, blank=True)
    weekdays = models.CharField(max_length=7, blank=True, default="")
    month_days = models.CharField(max_length=90, blank=True, default="")
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["post", "id"]

    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(ch) for ch in self.weekdays if ch.isdigit())

    def month_day_set(self) -> frozenset[int]:
        return frozenset(int(part) for part in self.month_days.split(",") if part.strip().isdigit())

    def is_on(self, day) -> bool:
        """Return True if the lookout walks this beat on day (a date in the station's zone)."""
        weekdays, month_days = self.weekday_set(), self.month_day_set()
        if not weekdays and not month_days:
            return True
        return day.isoweekday() in weekdays or day.day in month_days


class Appeal(models.Model):
    """An officer's appeal to the lookouts of an area ("missing elder near the market, last seen 14:00").

    The area is a point with a radius, or a whole grid. The lookouts whose beat covers it are
    found once, when the appeal goes out (tips.coverage.lookout_ids_covering_area), and kept as its
    recipients: only they see it, until it expires, and answer in its thread.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="appeals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_written")
    text = models.TextField(_("appeal"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (metres)"), null=True, blank=True)
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="appeals")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="appeals_received")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "-created_at"], name="appeal_station_recent")]

    def __str__(self) -> str:
        return self.text[:40]

    def is_live_at(self, now) -> bool:
        return self.expires_at > now


class AppealMessage(models.Model):
    """One message of an appeal's thread: a lookout's reply, or the station's word to all its recipients."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_from_station = models.BooleanField(default=False)
    text = models.TextField(_("message"))
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]
