"""The OpenAPI document lists the error answers every operation can give, in the shapes the API uses."""

from __future__ import annotations

import json

from lianxin.api import ERROR_RESPONSES


def test_every_operation_documents_the_error_answers(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 10
    missing = [(path, method) for path, method, op in operations if not set(ERROR_RESPONSES) <= set(op["responses"])]
    assert not missing
    field_errors = document["components"]["schemas"]["FieldErrors"]
    assert field_errors["properties"]["detail"]["items"]["required"] == ["field", "message"]
