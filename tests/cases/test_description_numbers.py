"""Numbers typed into a description are masked on the case page, the inbox and the API; a reveal is audited."""

from __future__ import annotations

from django.urls import reverse

from lianxin.core.models import AuditEntry
from tests.clients import page_text

TEXT = "对方让我转账到卡号6222021234567890128，联系电话13712345678"


def test_the_case_page_masks_typed_numbers_and_an_officer_reveals_them_with_a_reason(world, open_case, client_for):
    case = open_case(description=TEXT)
    officer = client_for(world.officer)
    page = page_text(officer.get(reverse("cases:detail", args=[case.pk])))
    assert "6222021234567890128" not in page and "13712345678" not in page
    assert "137****5678" in page
    inbox = page_text(officer.get(reverse("cases:inbox")))
    assert "13712345678" not in inbox
    url = reverse("cases:reveal", args=[case.pk, "description"])
    assert officer.post(url, HTTP_HX_REQUEST="true").status_code == 422
    shown = officer.post(url, {"reason": "call_back"}, HTTP_HX_REQUEST="true")
    assert "6222021234567890128" in page_text(shown)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.field, entry.target_id) == ("pii_reveal", "description", str(case.pk))


def test_a_grid_member_sees_them_masked_and_may_not_reveal(world, open_case, client_for):
    case = open_case(description=TEXT)
    member = client_for(world.grid_member)
    page = member.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "13712345678" not in page and reverse("cases:reveal", args=[case.pk, "description"]) not in page
    refused = member.post(reverse("cases:reveal", args=[case.pk, "description"]), {"reason": "call_back"})
    assert refused.status_code == 403 and not AuditEntry.objects.exists()


def test_the_api_masks_them(world, open_case, api_as):
    case = open_case(description=TEXT)
    body = api_as(world.officer).get(f"/cases/{case.pk}").json()
    assert "13712345678" not in body["description"] and "137****5678" in body["description"]
