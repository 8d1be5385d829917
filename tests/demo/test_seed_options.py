"""seed_demo refuses bad options before it writes anything."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lianxin.core.models import Station


@pytest.mark.django_db
def test_seed_rejects_bad_options():
    with pytest.raises(CommandError, match="scale"):
        call_command("seed_demo", scale=0, stdout=io.StringIO())
    with pytest.raises(CommandError, match="time zone"):
        call_command("seed_demo", now="2026-06-15T10:00", stdout=io.StringIO())
    with pytest.raises(CommandError, match="ISO"):
        call_command("seed_demo", now="yesterday", stdout=io.StringIO())
    assert not Station.objects.exists()
