"""Limits for insiders and the public: reveals per user with an alert to the chief, anonymous filing per address."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from lianxin.core.models import AuditEntry
from lianxin.core.services import personal_data_reveal


def test_reveals_past_the_limit_are_refused_unaudited_and_the_chief_is_alerted(world, settings, client_for):
    settings.LIANXIN_RATE_LIMITS = {**settings.LIANXIN_RATE_LIMITS, "reveal": (3, 3600)}
    for _ in range(3):
        assert (
            personal_data_reveal(actor=world.officer, target=world.resident, field="phone", reason="call_back")
            == "13812345678"
        )
    for _ in range(2):
        with pytest.raises(PermissionDenied, match="3"):
            personal_data_reveal(actor=world.officer, target=world.resident, field="phone", reason="call_back")
    assert AuditEntry.objects.filter(action="pii_reveal", actor=world.officer).count() == 3
    assert AuditEntry.objects.filter(action="bulk_reveal_alert", actor=world.officer).count() == 1
    page = client_for(world.chief).get("/audit/?view=bulk").content.decode()
    assert world.officer.display_name in page or str(world.officer) in page
    # Another officer is not held back by the first one's count.
    assert (
        personal_data_reveal(actor=world.registry, target=world.resident, field="phone", reason="call_back")
        == "13812345678"
    )


def test_anonymous_filing_is_limited_per_address(world, client, settings):
    from lianxin.cases.models import Case

    settings.LIANXIN_RATE_LIMITS = {**settings.LIANXIN_RATE_LIMITS, "anonymous_filing": (2, 3600)}
    form = {"category": world.cat_papers.code, "description": "路灯坏了", "is_anonymous": "on"}
    url = f"/cases/new/?station={world.station.code}"
    before = Case.objects.count()
    codes = [client.post(url, form).status_code for _ in range(3)]
    assert codes[:2] == [302, 302] and codes[2] == 200
    assert Case.objects.count() == before + 2
