"""People endpoints: residents as the asker's role may see them."""

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from lianxin.core.api import DbId, Paging, Text, viewer
from lianxin.people.selectors import resident_get_for, resident_list_for, resident_personal_data_for

router = Router(tags=["people"])


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    age: int | None = Field(description="Whole years today, if the birth date is known.")
    address: str
    grid_id: int | None
    grid_name: str | None
    is_living_alone: bool
    has_disability: bool
    is_bedridden: bool
    phone: str = Field(description="Masked unless revealed; empty for roles that see none of it.")
    id_number: str = Field(description="Masked unless revealed; empty for roles that see none of it.")

    @staticmethod
    def resolve_age(obj) -> int | None:
        return obj.age_on(timezone.localdate())

    @staticmethod
    def resolve_grid_name(obj) -> str | None:
        return obj.grid.name if obj.grid_id else None

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return _shown(obj, context)["phone"]

    @staticmethod
    def resolve_id_number(obj, context) -> str:
        return _shown(obj, context)["id_number"]


def _shown(resident, context) -> dict[str, str]:
    request = context["request"]
    reveal = getattr(request, "lianxin_reveal", ())
    cache = request.__dict__.setdefault("lianxin_shown", {})
    if resident.pk not in cache:
        cache[resident.pk] = resident_personal_data_for(viewer=viewer(request), resident=resident, reveal=reveal)
    return cache[resident.pk]


class ResidentFilters(Schema):
    q: Text = Field("", max_length=100, description="Part of a name, or an exact mobile or ID number.")
    grid: DbId | None = None


@router.get("", response=list[ResidentOut], summary="Residents I may see (personal data masked)")
@paginate(Paging)
def resident_list(request: HttpRequest, filters: Query[ResidentFilters]):
    return resident_list_for(user=viewer(request), q=filters.q, grid_id=filters.grid)


class RevealQuery(Schema):
    reveal: list[Literal["phone", "id_number"]] = Field(
        [], description="Fields to show whole; each is written to the audit log. 403 for roles that may not.")


@router.get("/{resident_id}", response=ResidentOut, summary="One resident")
def resident_get(request: HttpRequest, resident_id: DbId, query: Query[RevealQuery]):
    resident = resident_get_for(user=viewer(request), pk=resident_id)
    # Reveal (and audit) before rendering, so a refusal is a 403 and not a half-rendered answer.
    request.lianxin_reveal = tuple(query.reveal)
    _shown(resident, {"request": request})
    return resident
