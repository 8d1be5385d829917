"""Forms of the desk: they parse; the services validate and write."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lianxin.antifraud.models import CampaignKind, Decision, EntityKind, Outcome, RequestKind
from lianxin.antifraud.services.screening import MESSAGE_MAX_CHARS

FEN_PER_YUAN = 100


def yuan_to_fen(value: str, field: str) -> int | None:
    text = (value or "").replace(",", "").replace("，", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError({field: [_("Enter an amount in yuan, e.g. 86000.")]}) from None
    if amount < 0:
        raise forms.ValidationError({field: [_("The amount must be zero or more.")]})
    return int((amount * FEN_PER_YUAN).to_integral_value())


class CheckForm(forms.Form):
    # No max_length here: the service names the limit in its message (a 100,000-character paste).
    text = forms.CharField(
        label=_("Paste the message you received"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "big-text"}),
    )


class PayAlertForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, required=False)
    decision = forms.ChoiceField(choices=[(Decision.ABOUT_TO_PAY, ""), (Decision.ALREADY_PAID, "")])
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=60)
    contact_phone = forms.CharField(label=_("Your mobile number"), required=False, max_length=32)
    screenshot = forms.CharField(widget=forms.HiddenInput, required=False)


class ReportForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("What to report"), choices=EntityKind.choices)
    value = forms.CharField(label=_("Number or link"), max_length=300)
    screenshot = forms.CharField(widget=forms.HiddenInput, required=False)


class ScreenshotForm(forms.Form):
    image = forms.FileField(label=_("Or upload a screenshot of the chat or SMS"), required=False)


class ConsultationForm(forms.Form):
    text = forms.CharField(
        label=_("The message the resident received"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decision = forms.ChoiceField(label=_("What the resident decided"), choices=Decision.choices)
    at_cart = forms.BooleanField(label=_("At the service cart (counts toward the stop)"), required=False)


class BlacklistAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntityKind.choices)
    value = forms.CharField(label=_("Value"), max_length=300)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    source_detail = forms.CharField(label=_("Source"), max_length=120, required=False)
    expires_on = forms.DateField(
        label=_("Expires on (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return dt.datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE))


class CsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What happened"), choices=Outcome.choices)
    amount_yuan = forms.CharField(label=_("Amount protected (yuan)"), required=False, max_length=20)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class WarningForm(forms.Form):
    q = forms.CharField(label=_("Resident (name or mobile number)"), required=False, max_length=60)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    risk = forms.CharField(label=_("The risk"), max_length=300)
    amount_yuan = forms.CharField(label=_("Amount at stake (yuan, if known)"), required=False, max_length=20)
    deadline_minutes = forms.IntegerField(
        label=_("Deadline (minutes from now)"), required=False, min_value=1, max_value=7 * 24 * 60
    )


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    link = forms.CharField(label=_("Link"), required=False, max_length=200)
    video = forms.FileField(
        label=_("Or the video file (MP4, WebM or Ogg)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm,video/ogg,video/quicktime"}),
    )
    held_on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), required=False, max_length=120)
    enterprise = forms.CharField(label=_("Enterprise"), required=False, max_length=120)
    attendance = forms.IntegerField(label=_("People attending"), required=False, min_value=0)
    attendees = forms.CharField(label=_("Attendance list"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    materials = forms.CharField(label=_("Materials"), required=False, max_length=300)
    residents_reached = forms.IntegerField(label=_("Residents reached"), required=False, min_value=0)
    grid = forms.TypedChoiceField(label=_("Grid reached"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, grids=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.grids = {g.pk: g for g in grids}
        cast(forms.ChoiceField, self.fields["grid"]).choices = [
            ("", _("Whole station")),
            *((g.pk, g.name) for g in grids),
        ]


__all__ = ["MESSAGE_MAX_CHARS"]


# --- the police–bank channel ------------------------------------------------------------------------------


def local_time(value: str, field: str) -> dt.datetime | None:
    """Parse a datetime-local field (the station's time) into an aware datetime; None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise forms.ValidationError({field: [_("Enter a date and time, e.g. 2026-06-15 09:30.")]}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE))


class TransferForm(forms.Form):
    at = forms.CharField(label=_("Time of the transfer"), required=False)
    amount_yuan = forms.CharField(label=_("Amount (yuan)"), required=False)
    to_account = forms.CharField(label=_("To account"), required=False)
    to_bank = forms.CharField(label=_("Receiving bank"), required=False)
    from_account = forms.CharField(label=_("From account"), required=False)
    channel = forms.CharField(label=_("Channel"), required=False)
    txn_ref = forms.CharField(label=_("Transaction serial number"), required=False)


class BankRequestForm(forms.Form):
    bank = forms.IntegerField(label=_("Bank"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    account = forms.CharField(label=_("Account"), required=False)
    amount_yuan = forms.CharField(label=_("Amount to hold (yuan)"), required=False)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False)
    is_ledger_requested = forms.BooleanField(label=_("Ask for the ledger (调单)"), required=False, initial=True)


ANSWER_CHOICES = (
    ("held", _("Held (stopped or frozen)")),
    ("empty", _("Account empty: nothing to hold")),
    ("not_found", _("No such account")),
    ("rejected", _("Rejected")),
)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("The bank's answer"), choices=ANSWER_CHOICES, widget=forms.RadioSelect)
    held_yuan = forms.CharField(label=_("Amount held (yuan)"), required=False)
    note = forms.CharField(label=_("Note (a rejection's reason)"), required=False, max_length=300)


class LedgerForm(forms.Form):
    file = forms.FileField(label=_("Ledger (CSV, Excel .xlsx, Parquet or AMLSim output as .zip)"), required=False)
    bank = forms.IntegerField(label=_("Bank"), required=False)


class RefundForm(forms.Form):
    amount_yuan = forms.CharField(label=_("Amount returned (yuan)"), required=False)
    request = forms.IntegerField(label=_("From the hold"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class WriteOffForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


LOSS_CHANNEL_CHOICES = (
    ("walk_in", _("At the counter")),
    ("service_cart", _("At the service cart")),
    ("hotline", _("By phone")),
)


class LossForm(forms.Form):
    q = forms.CharField(label=_("Victim (name or mobile number)"), required=False, max_length=60)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(
        label=_("Or the victim's name (not a registered resident)"), required=False, max_length=60
    )
    channel = forms.ChoiceField(label=_("Reported"), choices=LOSS_CHANNEL_CHOICES)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
