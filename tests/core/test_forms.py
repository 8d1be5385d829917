"""The one shape of a form view: attempt(service call) gives the result, or the errors by field and a status."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.forms import Outcome, attempt, error_dict


def test_a_result_is_ok_with_status_200():
    outcome = attempt(lambda: 42)
    assert outcome.ok and outcome.result == 42 and outcome.errors == {} and outcome.status == 200
    assert Outcome().ok and Outcome().status == 200


def test_a_validation_error_names_its_fields_with_status_400():
    def bad():
        raise ValidationError({"claim": ["Say what is asked."], "room": ["Choose a room."]})

    outcome = attempt(bad)
    assert not outcome.ok and outcome.result is None and outcome.status == 400
    assert outcome.errors == {"claim": ["Say what is asked."], "room": ["Choose a room."]}
    assert error_dict(ValidationError("No field here.")) == {"__all__": ["No field here."]}


def test_a_refusal_propagates_unless_the_page_shows_it():
    def refused():
        raise PermissionDenied("Not your room.")

    with pytest.raises(PermissionDenied):
        attempt(refused)
    outcome = attempt(refused, refused_status=403)
    assert outcome.status == 403 and outcome.errors == {"__all__": ["Not your room."]}


def test_anything_else_propagates():
    def broken():
        raise RuntimeError("a bug is a 500, not a form error")

    with pytest.raises(RuntimeError):
        attempt(broken)
