"""Helpers for page tests: a signed-in client per persona."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client_for(db):
    """Return a factory of test clients signed in as the given user (Chinese UI, the default)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hash the personas' passwords cheaply: the world fixture creates 26 users per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def with_vendor(monkeypatch):
    """Pretend the browser libraries are installed (the default suite runs without `make static`)."""
    from lianxin.core import context_processors

    monkeypatch.setattr(
        context_processors, "vendor_available", lambda: {"htmx": True, "leaflet": True, "echarts": True}
    )
