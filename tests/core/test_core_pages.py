"""Sign-in, the home page per role, the audit log, the language switch, pages without vendor files."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.core.models import AuditEntry
from lianxin.core.services import audit_record
from tests.clients import page_text
from tests.conftest import DEMO_PASSWORD


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("resident_user", "cases:mine"),
        ("dept_liaison", "cases:referrals"),
        ("auxiliary", "cases:inbox?box=unassigned"),  # the duty desk: what nobody has taken yet
        ("officer", "cases:inbox"),
        ("chief", "cases:inbox"),
        ("volunteer", "antifraud:warnings"),  # a specialist app moves a role's day to its page
    ],
)
def test_home_sends_each_role_to_its_main_page(world, client_for, persona, target):
    response = client_for(getattr(world, persona)).get(reverse("core:home"))
    assert response.status_code == 302
    name, _, query = target.partition("?")
    assert response["Location"] == reverse(name) + (f"?{query}" if query else "")


def test_visitor_home_offers_filing_and_sign_in_in_chinese(db):
    text = page_text(Client().get(reverse("core:home")))
    assert 'lang="zh-hans"' in text
    assert "登录" in text and reverse("cases:file") in text


def test_sign_in_and_out(world):
    client = Client()
    response = client.post(reverse("core:login"), {"username": "a_officer", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.get(reverse("cases:inbox")).status_code == 200
    client.post(reverse("core:logout"))
    assert client.get(reverse("cases:inbox")).status_code == 302  # back to the sign-in page


def test_wrong_password_is_a_message_not_a_sign_in(world):
    response = Client().post(reverse("core:login"), {"username": "a_officer", "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session
    assert "用户名" in page_text(response)  # Django's own Chinese message names the fields


def test_pages_need_sign_in(db):
    for name in ("cases:inbox", "cases:cart", "cases:mine", "cases:referrals", "core:audit"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("core:login")), name


def test_station_chief_reads_own_station_audit_log_paginated(world, client_for):
    for n in range(60):
        audit_record(actor=world.chief, action="pii_reveal", target=world.resident, field="phone", detail=f"n{n}")
    audit_record(actor=world.b.chief, action="pii_reveal", target=world.b.resident, field="phone", detail="other")
    client = client_for(world.chief)
    first = page_text(client.get(reverse("core:audit")))
    assert first.count("查看完整号码") == 50 and "other" not in first
    second = page_text(client.get(reverse("core:audit"), {"page": 2}))
    assert second.count("查看完整号码") == 10
    assert AuditEntry.objects.count() == 61


def test_audit_log_is_closed_to_officers(world, client_for):
    assert client_for(world.officer).get(reverse("core:audit")).status_code == 403


def test_chinese_even_for_an_english_browser_until_the_switch(world, client_for):
    client = client_for(world.officer)
    text = page_text(client.get(reverse("cases:inbox"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert "服务车" in text and "Service cart" not in text
    client.post(reverse("set_language"), {"language": "en", "next": reverse("cases:inbox")})
    assert "Service cart" in page_text(client.get(reverse("cases:inbox"), HTTP_ACCEPT_LANGUAGE="zh-CN"))


def test_english_switch(world, client_for):
    client = client_for(world.officer)
    assert "服务车" in page_text(client.get(reverse("cases:inbox")))
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("cases:inbox")})
    assert response.status_code == 302
    text = page_text(client.get(reverse("cases:inbox")))
    assert 'lang="en"' in text and "Service cart" in text and "服务车" not in text


def test_case_page_renders_without_vendor_files(world, open_case, client_for, monkeypatch):
    from lianxin.core import context_processors

    monkeypatch.setattr(
        context_processors, "vendor_available", lambda: {"htmx": False, "leaflet": False, "echarts": False}
    )
    case = open_case()
    text = page_text(client_for(world.officer).get(reverse("cases:detail", args=[case.pk])))
    assert case.number in text and "leaflet.js" not in text and "htmx.min.js" not in text


def test_map_uses_the_configured_tile_url_or_none(world, open_case, client_for, settings, with_vendor):
    case = open_case()
    client = client_for(world.officer)
    assert 'data-tile-url=""' in page_text(client.get(reverse("cases:detail", args=[case.pk])))
    settings.LIANXIN_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page_text(
        client.get(reverse("cases:detail", args=[case.pk]))
    )


def test_home_page_title_names_the_platform_once(client):
    text = client.get(reverse("core:home")).content.decode()
    assert "<title>连心</title>" in text
