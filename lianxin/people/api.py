"""People endpoints: residents as the asker's role may see them."""

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from lianxin.core.api import READ_ERRORS, DbId, DetailOut, FieldErrorsOut, Paging, Text, viewer
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
        return resident_personal_data_for(viewer=viewer(context["request"]), resident=obj)["phone"]

    @staticmethod
    def resolve_id_number(obj, context) -> str:
        return resident_personal_data_for(viewer=viewer(context["request"]), resident=obj)["id_number"]


class ResidentFilters(Schema):
    q: Text = Field("", max_length=100, description="Part of a name, or an exact mobile or ID number.")
    grid: DbId | None = None


@router.get("", response=list[ResidentOut], summary="Residents I may see (personal data masked)")
@paginate(Paging)
def resident_list(request: HttpRequest, filters: Query[ResidentFilters]):
    return resident_list_for(user=viewer(request), q=filters.q, grid_id=filters.grid)


class RevealQuery(Schema):
    reveal: list[Literal["phone", "id_number"]] = Field(
        [], description="Fields to show whole; each is written to the audit log. 403 for roles that may not."
    )
    reason: str = Field(
        "",
        max_length=100,
        description="Why the whole number is needed (required with reveal): call_back, verify_identity, "
        "home_visit, department, emergency, or a few words; stored on the audit row.",
    )


@router.get(
    "/{resident_id}",
    response={200: ResidentOut, 403: DetailOut, 422: FieldErrorsOut, **READ_ERRORS},
    summary="One resident",
)
def resident_get(request: HttpRequest, resident_id: DbId, query: Query[RevealQuery]):
    resident = resident_get_for(user=viewer(request), pk=resident_id)
    # Reveal (and audit) once, before rendering: a refusal is a 403, never half an answer.
    shown = resident_personal_data_for(
        viewer=viewer(request), resident=resident, reveal=query.reveal, reason=query.reason
    )
    return ResidentOut.from_orm(resident, context={"request": request}).model_copy(update=shown)
