"""Every displayed time is in the station's zone: pages, the Django admin, local-day filters."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from lianxin.cases.models import CartStop
from lianxin.cases.selectors import CaseFilters, case_list_for
from lianxin.core.models import User

# 20:20 UTC on 2 December is 04:20 on 3 December at the station (UTC+8).
LATE_UTC = dt.datetime(2026, 12, 2, 20, 20, tzinfo=dt.UTC)


def test_the_admin_shows_a_cart_stop_in_station_time(world, client):
    CartStop.objects.create(station=world.station, place="夜市", officer=world.officer, started_at=LATE_UTC)
    admin = User.objects.create_superuser(username="root", password="pw-for-tests-only")
    client.force_login(admin)
    page = client.get(reverse("admin:cases_cartstop_changelist")).content.decode()
    assert "4:20" in page and "20:20" not in page


def test_a_local_day_filter_counts_by_the_station_day(world, open_case):
    case = open_case(now=LATE_UTC)
    day = dt.date(2026, 12, 3)
    assert case in case_list_for(user=world.chief, filters=CaseFilters(opened_from=day, opened_to=day))
    assert case not in case_list_for(user=world.chief, filters=CaseFilters(opened_to=dt.date(2026, 12, 2)))
