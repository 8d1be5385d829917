"""The case spine: categories, cases, their event timeline, referrals and cart stops.

State changes live in cases.services; this module holds fields, constraints and
values derived from a row and an explicit `now`.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Partner, Station
from lianxin.core.pii import KIND_PHONE, PersonalDataField
from lianxin.people.models import Resident, Team
from lianxin.places.models import Grid

DUE_SOON_HOURS = 24


class Channel(models.TextChoices):
    SERVICE_CART = "service_cart", _("Service cart")
    COUNCIL = "council", _("Open-air council")
    ONLINE = "online", _("Online")
    HOTLINE = "hotline", _("Hotline")
    WALK_IN = "walk_in", _("Walk-in")
    LOOKOUT_TIP = "lookout_tip", _("Lookout tip")
    PATROL_FINDING = "patrol_finding", _("Patrol finding")
    DEVICE_ALARM = "device_alarm", _("Device alarm")
    CHECKIN_MISSED = "checkin_missed", _("Missed check-in")
    FRAUD_SCREENING = "fraud_screening", _("Fraud screening")
    BANK_ALERT = "bank_alert", _("Bank alert")
    REFERRAL_IN = "referral_in", _("Referral in")
    OPEN311 = "open311", _("Open311 client")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    REFERRED = "referred", _("Referred")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged as duplicate")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REFERRED)
FINISHED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.MERGED, Status.REJECTED)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Resolution(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", _("Solved on the spot")
    RESOLVED_LOCALLY = "resolved_locally", _("Resolved locally")
    MEDIATED = "mediated", _("Mediated")
    REFERRED = "referred", _("Referred to a department")
    ADVICE_GIVEN = "advice_given", _("Advice given")
    SERVICE_DONE = "service_done", _("Service provided")
    HANDLED_AS_INCIDENT = "handled_as_incident", _("Handled as a public-order incident")
    NO_ACTION_NEEDED = "no_action_needed", _("No action needed")


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    TRANSITION = "transition", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    ROUTED = "routed", _("Routed")
    NOTE = "note", _("Note")
    REFERRED = "referred", _("Referred")
    REFERRAL_REPLY = "referral_reply", _("Department replied")
    RATED = "rated", _("Rated")
    MERGED = "merged", _("Merged")
    CLOCK = "clock", _("Service clock")


class Category(models.Model):
    """A kind of request in the station's catalogue (an Open311 service)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(_("service code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    group = models.CharField(_("group"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    sla_hours = models.PositiveIntegerField(_("service level (hours)"), default=72)
    # The partners' own report forms (a patrol finding, a lookout's tip, a bank alert…) offer
    # only the categories that name their channel here; every other form offers them all.
    reporter_channels = models.JSONField(
        _("partner forms offering it"),
        default=list,
        blank=True,
        help_text=_('Channels of partners\' report forms that list this category, e.g. ["patrol_finding"].'),
    )
    is_public_order = models.BooleanField(_("public-order incident"), default=False)
    default_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("default team")
    )
    referral_partner = models.ForeignKey(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refer to department"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["station", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["station", "code"], name="category_code_unique_per_station")]

    def __str__(self) -> str:
        # The catalogue carries its own English names; pages follow the active language.
        language = get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class CartStop(models.Model):
    """One outing of the service cart: a place and a time span; groups its contacts."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="cart_stops")
    place = models.CharField(_("place"), max_length=100)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cart_stops")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("cart stop")
        verbose_name_plural = _("cart stops")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.place} {self.started_at:%Y-%m-%d}"


def new_public_token() -> str:
    return secrets.token_urlsafe(12)


class CaseCounter(models.Model):
    """The last case number used per station and year (numbers are gap-free per year)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["station", "year"], name="case_counter_unique")]


class Case(models.Model):
    """Everything a resident needs, from any channel, worked to a resolution."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="cases")
    # Unique per station (each station counts its own year); see services.case_number_next.
    number = models.CharField(_("number"), max_length=20)
    # Open311 token handed to a client before the number is known; also the resident's share link.
    public_token = models.CharField(max_length=24, unique=True, default=new_public_token, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"))
    title = models.CharField(_("title"), max_length=120, blank=True)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    grid = models.ForeignKey(
        Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("grid")
    )
    reporter = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reporter"),
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reported_cases"
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = PersonalDataField(_("contact phone"), kind=KIND_PHONE)
    subjects = models.ManyToManyField(
        Resident, blank=True, related_name="subject_of_cases", verbose_name=_("people concerned")
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    resolution = models.CharField(_("resolution"), max_length=24, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    # The resolution note or rejection reason is internal unless its writer showed it to the reporter.
    is_outcome_note_public = models.BooleanField(_("outcome note shown to the reporter"), default=False)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates")
    cart_stop = models.ForeignKey(CartStop, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    people_served = models.PositiveSmallIntegerField(_("people served"), default=1)
    # Denormalised for the year-on-year query; copied from the category at opening.
    is_public_order = models.BooleanField(default=False)
    # A restricted case (a family dispute, an elder in trouble, as an app's rule says at opening) is
    # seen only by the station chief, the officer leading its grid, its assignee and whoever filed
    # it (cases.selectors.case_scope_q), and never in the public Open311 list.
    is_restricted = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    due_at = models.DateTimeField(_("due"))
    # Set while a referral awaits a department's reply: the case's own clock stops then (the
    # department has its reply window), and due_at moves on by the time paused when it replies.
    clock_paused_at = models.DateTimeField(_("clock paused"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["station", "grid", "status", "-opened_at"], name="case_grid_inbox"),
            # The grid inbox without a status filter reads newest first straight off this index
            # (bench/intake.py: no sort of the grid's whole history for a page of 50).
            models.Index(fields=["station", "grid", "-opened_at", "-id"], name="case_grid_recent"),
            models.Index(fields=["station", "status", "due_at"], name="case_due"),
            models.Index(fields=["station", "-opened_at"], name="case_station_recent"),
            models.Index(fields=["assignee", "status"], name="case_assignee"),
            models.Index(fields=["team", "status"], name="case_team"),
            models.Index(fields=["station", "is_public_order", "opened_at"], name="case_public_order"),
            # The insights figures count by when a case was rated or resolved, over a month or a year.
            models.Index(fields=["station", "rated_at"], name="case_rated"),
            models.Index(fields=["station", "resolved_at"], name="case_resolved"),
            # "Open at the period's end": without it SQLite walks every case by opening time.
            models.Index(fields=["station", "status", "opened_at"], name="case_status_opened"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["station", "number"], name="case_number_unique_per_station"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="case_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    # Django's get_FOO_display builds a dict of every choice, translating each label, on each
    # call; a page of 25 cases paid 7 ms for it. The enum's own label is one translation.
    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return str(Status(self.status).label) if self.status in Status.values else str(self.status)

    def get_channel_display(self) -> str:  # type: ignore[no-redef]
        return str(Channel(self.channel).label) if self.channel in Channel.values else str(self.channel)

    def get_priority_display(self) -> str:  # type: ignore[no-redef]
        return str(Priority(self.priority).label) if self.priority in Priority.values else str(self.priority)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def was_filed_by(self, user) -> bool:
        """True if user filed this case: the resident it was filed for, or whoever opened it.

        A volunteer's patrol finding, a lookout's tip or a bank liaison's alert has no
        resident reporter; its opener is the actor of its opening event.
        """
        if not getattr(user, "is_authenticated", False):
            return False
        if self.reporter_user_id is not None and self.reporter_user_id == user.pk:
            return True
        return self.events.filter(kind=EventKind.OPENED, actor_id=user.pk).exists()

    def is_overdue_at(self, now: dt.datetime) -> bool:
        return self.is_open and self.clock_paused_at is None and self.due_at < now

    def is_due_soon_at(self, now: dt.datetime) -> bool:
        return (
            self.is_open
            and self.clock_paused_at is None
            and now <= self.due_at < now + dt.timedelta(hours=DUE_SOON_HOURS)
        )


class CaseEvent(models.Model):
    """One thing that happened to a case. Append-only: the timeline and the audit trail."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    # Public events are shown to the reporter; internal notes are not.
    is_public = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Referral(models.Model):
    """A case sent to a partner department, with its reply."""

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        REPLIED = "replied", _("Replied")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT)
    note = models.TextField(blank=True)
    sent_at = models.DateTimeField()
    reply_due_at = models.DateTimeField()
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["partner", "state"])]

    def __str__(self) -> str:
        return f"{self.case} → {self.partner}"

    def is_overdue_at(self, now: dt.datetime) -> bool:
        """Return True if the department has not replied and its reply window has passed at now."""
        return self.state == self.State.SENT and self.reply_due_at < now
