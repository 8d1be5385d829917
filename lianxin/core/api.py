"""API pieces shared by every router: input types, the paging class, the error shapes, `viewer`."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator

# Ids are 64-bit in both databases; a larger number can only be a miss, so it is
# refused as input instead of reaching the database driver (which would overflow).
DB_ID_MAX = 2**63 - 1
PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 200
# Beyond this an offset only pages through nothing; bounded so SQLite never overflows.
PAGE_OFFSET_MAX = 10**9


def is_storable(value: str) -> bool:
    """Return False for text with NUL or unpaired surrogates, which PostgreSQL and UTF-8 cannot store."""
    return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)


def _printable(value: str) -> str:
    if not is_storable(value):
        raise ValueError("must be text without NUL characters or unpaired surrogates")
    return value


# A text input that every database can store.
Text = Annotated[str, AfterValidator(_printable)]
DbId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]


class Paging(LimitOffsetPagination):
    """limit/offset paging with a total count, bounded so no input overflows the database."""

    class Input(Schema):
        limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX)
        offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class DetailOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str | None = Field(description="The input field at fault; null when the whole input is.")
    message: str


class FieldErrorsOut(Schema):
    detail: list[FieldErrorOut]


class ConflictOut(Schema):
    detail: str
    allowed: list[str] = Field(description="The statuses the case may move to now.")


# The error answers of lianxin.api's handlers, for the OpenAPI document.
READ_ERRORS = {401: DetailOut, 404: DetailOut}
WRITE_ERRORS = {
    400: FieldErrorsOut,
    401: DetailOut,
    403: DetailOut,
    404: DetailOut,
    409: ConflictOut,
    422: FieldErrorsOut,
}


def viewer(request: HttpRequest) -> Any:
    """Return the authenticated user of an API request (token or session; ninja sets request.auth)."""
    return getattr(request, "auth", None)
