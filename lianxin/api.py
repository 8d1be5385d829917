"""The site's JSON API: one NinjaAPI under /api/v1/, its authentication and its error shapes.

Systems authenticate with `Authorization: Bearer <key>` (an ApiToken, see the
`create_api_token` command); the web pages use the Django session, with the CSRF
check. Every error answers in one of three JSON shapes:

- 400 (unparsable body) and 422 (invalid input): {"detail": [{"field": ..., "message": ...}]}
- 409 (a state change the current state forbids): {"detail": message, "allowed": [...]}
- 401, 403, 404: {"detail": message}
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from lianxin.core.errors import Conflict
from lianxin.core.plugins import plugins
from lianxin.core.services import api_token_authenticate
from lianxin.site.me import router as me_router

# Where a ninja validation error's location names the parameter group, not a field.
_PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key from `lianxin create_api_token`."""

    def authenticate(self, request: HttpRequest, token: str):
        return api_token_authenticate(key=token)


# The error answers every operation can give (the shapes of the module docstring), added to each
# operation of the OpenAPI document so that it lists every status code the API really answers.
ERROR_SCHEMAS = {
    "FieldErrors": {
        "type": "object",
        "properties": {
            "detail": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            }
        },
        "required": ["detail"],
    },
    "Message": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    "Conflict": {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "allowed": {"type": "array", "items": {"type": "string"}}},
        "required": ["detail", "allowed"],
    },
}
ERROR_RESPONSES = {
    "400": ("FieldErrors", "The body is not valid JSON."),
    "401": ("Message", "Not signed in and no valid API token."),
    "403": ("Message", "The user may not do this."),
    "404": ("Message", "No such record in the user's scope."),
    "409": ("Conflict", "The record's state forbids this change."),
    "413": ("FieldErrors", "The body is too large."),
    "422": ("FieldErrors", "Invalid input; each error names its field."),
    "429": ("Message", "Too many requests; try again later."),
}


class LianxinAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document names the error answers of every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, (name, description) in ERROR_RESPONSES.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                        },
                    )
        return schema


api = LianxinAPI(
    title="Lianxin API",
    version="1",
    description=(
        "Cases, categories, grids and people of a community police station. POST /cases (and Open311's POST "
        "requests), and the creates whose description says so, accept an Idempotency-Key header: a retry with "
        "the same key and body gets the first answer again (Idempotent-Replay: true); the same key with another "
        "body is refused (422)."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
)
api.add_router("", me_router)
# Every installed app's routers, in INSTALLED_APPS order (each app declares them in its plugin.py).
for _plugin in plugins():
    for _prefix, _router_path in _plugin.api_routers:
        api.add_router(_prefix, import_string(_router_path))


def _field_errors(request, errors: list[dict], status: int):
    return api.create_response(request, {"detail": errors}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors: list[dict[str, str | None]]
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": None, "message": str(message)} for message in exc.messages]
    return _field_errors(request, errors, 422)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc: SchemaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        source = loc[0] if loc and loc[0] in _PARAM_SOURCES else ""
        path = loc[1:] if source else loc
        # Body fields arrive under the payload parameter's name: drop it.
        if source == "body" and path:
            path = path[1:]
        errors.append({"field": ".".join(path) or source or None, "message": error.get("msg", "")})
    return _field_errors(request, errors, 422)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return _field_errors(request, [{"field": "body", "message": _("The request body is not valid JSON.")}], 400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Sign in or send an API token.")}, status=401)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000
    return _field_errors(
        request, [{"field": "body", "message": _("The request body is over %(n).1f MB.") % {"n": limit_mb}}], 413
    )


@api.exception_handler(Conflict)
def on_conflict(request, exc: Conflict):
    return api.create_response(request, {"detail": exc.message, "allowed": exc.allowed}, status=409)
