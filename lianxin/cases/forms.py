"""Forms of the case pages. They only parse input; the services decide what is valid."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.cases.models import Channel, Resolution, Status
from lianxin.cases.selectors import INBOX_BOXES, CaseFilters
from lianxin.cases.services import CART_PEOPLE_SERVED_MAX
from lianxin.core import pii
from lianxin.core.forms import BigRadioSelect
from lianxin.core.widgets import QuickSelect

RATING_CHOICES = [(n, str(n)) for n in range(1, 6)]


class PhoneCleaning(forms.Form):
    """Check an optional mobile number with the one validator of core.pii, so every problem shows at once."""

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data.get("contact_phone", "").strip()
        return pii.validate(pii.KIND_PHONE, value) if value else ""


class LocationFields(forms.Form):
    """Optional WGS84 point, filled by the browser's geolocation button."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class CartStopForm(LocationFields):
    place = forms.CharField(
        label=_("Where is the cart?"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. East Market square"), "autocomplete": "off"}),
    )


class CartContactForm(PhoneCleaning, forms.Form):
    """One contact at the cart; the submit button says whether it was solved on the spot."""

    category: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("What is it about?"), widget=BigRadioSelect, empty_label=None, to_field_name="code"
    )
    description = forms.CharField(
        label=_("What does the resident need?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("Mobile (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    people_served = forms.IntegerField(
        label=_("People served"),
        min_value=1,
        max_value=CART_PEOPLE_SERVED_MAX,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories


class StaffIntakeForm(PhoneCleaning, forms.Form):
    """What a resident brought to staff by phone, in person, at a council or by a device alarm."""

    channel = forms.ChoiceField(label=_("How did it reach you?"), widget=BigRadioSelect)
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("What is it about?"), widget=BigRadioSelect, empty_label=None, to_field_name="code"
    )
    description = forms.CharField(
        label=_("What does the resident need?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    on_behalf_of = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("Mobile (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, categories, channels, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        cast(forms.ChoiceField, self.fields["channel"]).choices = [(c, Channel(c).label) for c in channels]


class OnlineRequestForm(PhoneCleaning, LocationFields):
    """A resident's own request, signed in or not."""

    category: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, label=_("What is it about?"), widget=BigRadioSelect, empty_label=None, to_field_name="code"
    )
    description = forms.CharField(
        label=_("Describe your request"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("Address (optional)"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("Your mobile (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    is_anonymous = forms.BooleanField(label=_("File anonymously (no name or number kept)"), required=False)

    def __init__(self, *args, categories, ask_contact: bool, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        if not ask_contact:
            for name in ("contact_name", "contact_phone", "is_anonymous"):
                del self.fields[name]


class InboxFilterForm(forms.Form):
    """The inbox's query string: box, filters, search and page."""

    box = forms.ChoiceField(choices=[(b, b) for b in INBOX_BOXES], required=False)
    q = forms.CharField(label=_("Number, name or mobile"), required=False, max_length=80)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status"))] + Status.choices, widget=QuickSelect
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel"))] + Channel.choices, widget=QuickSelect
    )
    grid = forms.TypedChoiceField(label=_("Grid"), required=False, coerce=int, empty_value=None, widget=QuickSelect)
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, categories, grids: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("Any category"))] + [
            (c.code, c.name) for c in categories
        ]
        cast(forms.ChoiceField, self.fields["grid"]).choices = [("", _("Any grid")), *grids]

    def filters(self, *, default_box: str = "all") -> CaseFilters:
        """Return the CaseFilters of the valid part of the query (bad values are ignored, and shown)."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        return CaseFilters(
            box=data.get("box") or default_box,
            q=data.get("q") or "",
            status=data.get("status") or "",
            category=data.get("category") or "",
            channel=data.get("channel") or "",
            grid=data.get("grid"),
            opened_from=data.get("opened_from"),
            opened_to=data.get("opened_to"),
        )


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    resolution = forms.ChoiceField(label=_("Resolution"), required=False, choices=[("", "—"), *Resolution.choices])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
    note_is_public = forms.BooleanField(label=_("The resident may see this note"), required=False)
    partner = forms.IntegerField(label=_("Department"), required=False)
    merge_into = forms.CharField(label=_("Case to merge into"), required=False, max_length=20)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=_("Assignee"), required=False)
    take = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("The resident may see this note"), required=False)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), choices=RATING_CHOICES, coerce=int)
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
