"""QuickSelect draws the markup Django's Select draws, escaped, with the chosen option selected."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from lianxin.cases.models import Case, Channel, Priority, Status
from lianxin.core.widgets import QuickSelect

CHOICES = [("", "Any"), ("a<b", 'Tom & "Jerry"'), ("2", "二"), ("Group", [("g1", "<i>one</i>"), ("g2", "two")])]


@pytest.mark.parametrize("value", [None, "a<b", "2", "g2", ["a<b", "g1"]])
def test_quick_select_is_django_select_markup(value):
    attrs = {"id": "id_pick", "required": True, "disabled": False, "class": 'x" onmouseover="y'}
    multiple = isinstance(value, list)
    base = forms.SelectMultiple if multiple else forms.Select
    quick_class = type("QuickMultiple", (QuickSelect, base), {}) if multiple else QuickSelect
    quick = quick_class(choices=CHOICES).render("pick", value, attrs)
    django = base(choices=CHOICES).render("pick", value, attrs)
    assert parse_html(quick) == parse_html(django)  # attribute order and whitespace aside
    assert "<i>" not in quick and 'onmouseover="y' not in quick


def test_case_choice_labels_equal_djangos():
    case = Case(status=Status.REFERRED, channel=Channel.CHECKIN_MISSED, priority=Priority.URGENT)
    for field in ("status", "channel", "priority"):
        ours = getattr(case, f"get_{field}_display")()
        theirs = dict(Case._meta.get_field(field).flatchoices)[getattr(case, field)]
        assert ours == str(theirs)
    case.status = "not-a-status"
    assert case.get_status_display() == "not-a-status"
