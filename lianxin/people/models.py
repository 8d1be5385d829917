"""Residents (with vulnerability flags), teams and their members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Station
from lianxin.core.pii import KIND_ID_CARD, KIND_PHONE, PersonalDataField
from lianxin.places.models import Grid

ELDER_AGE_YEARS = 60


class Resident(models.Model):
    """A person living in the station's area."""

    class Gender(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")
        UNKNOWN = "", _("Not recorded")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="residents")
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    born_on = models.DateField(_("date of birth"), null=True, blank=True)
    phone = PersonalDataField(_("mobile number"), kind=KIND_PHONE)
    id_number = PersonalDataField(_("ID number"), kind=KIND_ID_CARD)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey(Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="residents")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="resident"
    )
    is_living_alone = models.BooleanField(_("lives alone"), default=False)
    has_disability = models.BooleanField(_("has a disability"), default=False)
    is_bedridden = models.BooleanField(_("bedridden"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [models.Index(fields=["station", "name"])]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int | None:
        """Return the age in whole years on day, or None if the birth date is unknown."""
        if self.born_on is None:
            return None
        return day.year - self.born_on.year - ((day.month, day.day) < (self.born_on.month, self.born_on.day))

    def is_elder_on(self, day: dt.date) -> bool:
        age = self.age_on(day)
        return age is not None and age >= ELDER_AGE_YEARS


class TeamKind(models.TextChoices):
    DUTY_DESK = "duty_desk", _("Duty desk")
    GRID_TEAM = "grid_team", _("Grid team")
    PATROL = "patrol", _("Volunteer patrol")
    BORDER_PATROL = "border_patrol", _("Border volunteer patrol")
    LOOKOUTS = "lookouts", _("Safety lookouts")
    MEDIATION = "mediation", _("Mediation")
    ANTIFRAUD = "antifraud", _("Anti-fraud")
    REGISTRY = "registry", _("Household registration")


class Team(models.Model):
    """A group that cases are routed to or that patrols together."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamKind.choices)
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, null=True, blank=True, related_name="teams")
    members: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["station", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    is_leader = models.BooleanField(_("leader"), default=False)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique")]
