"""Test clients shared by every package's tests: a JSON API client and page helpers."""

from __future__ import annotations

import json

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


def page_text(response) -> str:
    return response.content.decode()
