"""Fixtures for the API tests: a JSON client that signs in with an API token as a persona."""

from __future__ import annotations

import json

import pytest
from django.test import Client


class ApiClient:
    """A Django test client speaking JSON to /api/v1/ with a bearer token."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path: str, body=None, *, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers)


@pytest.fixture
def api_as(world):
    """Return a factory: api_as(user) gives an ApiClient authenticated as user (None: anonymous)."""
    from lianxin.core.services import api_token_create

    def make(user):
        if user is None:
            return ApiClient(None)
        _token, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash the personas' passwords cheaply: the world fixture creates about thirty users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
