"""The dashboard, the records behind a figure, grid boards, exports and reports, as users see them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine

from lianxin.core.plugins import metric_specs
from lianxin.insights import services
from lianxin.insights.models import Report

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 15, 2, tzinfo=UTC)


@pytest.fixture
def incidents(world, open_case):
    cases = [
        open_case(category=world.cat_fight, now=dt.datetime(2026, 2, 1, 2, tzinfo=UTC), contact_phone="13812345678"),
        open_case(category=world.cat_fight, now=dt.datetime(2026, 3, 1, 2, tzinfo=UTC), point=world.in_grid2),
        open_case(category=world.cat_fight, now=dt.datetime(2025, 3, 1, 2, tzinfo=UTC)),
    ]
    open_case(now=dt.datetime(2026, 3, 1, 2, tzinfo=UTC))
    return cases


@time_machine.travel(NOW, tick=False)
def test_chief_sees_headline_and_the_figure_links_to_exactly_its_cases(world, incidents, client_for, with_vendor):
    chief = client_for(world.chief)
    page = chief.get("/insights/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "/insights/records/?metric=public_order_incidents&amp;start=2026-01-01&amp;end=2026-06-15" in body
    assert "echarts.min.js" in body
    records = chief.get("/insights/records/?metric=public_order_incidents&start=2026-01-01&end=2026-06-15")
    listed = {row["id"] for row in records.context["rows"]}
    assert listed == {incidents[0].id, incidents[1].id}
    assert incidents[0].number in records.content.decode()
    # Per grid: the records page narrows to the grid.
    grid = chief.get(
        f"/insights/records/?metric=public_order_incidents&start=2026-01-01&end=2026-06-15&grid={world.grid2.id}"
    )
    assert {row["id"] for row in grid.context["rows"]} == {incidents[1].id}


def test_access_by_role_and_station(world, incidents, client_for):
    # Station-wide roles only (a grid officer could not open most of the records behind a figure).
    assert client_for(world.officer).get("/insights/").status_code == 403
    assert client_for(world.registry).get("/insights/").status_code == 200
    assert client_for(world.volunteer).get("/insights/").status_code == 403
    assert client_for(world.resident_user).get("/insights/").status_code == 403
    other = client_for(world.b.chief)
    assert other.get(f"/insights/grids/{world.grid1.id}/").status_code == 404
    assert other.get(f"/insights/records/?metric=public_order_incidents&grid={world.grid1.id}").status_code == 404
    page = other.get("/insights/records/?metric=public_order_incidents&start=2026-01-01&end=2026-12-31")
    assert page.context["rows"] == []
    assert client_for(world.chief).get("/insights/records/?metric=nope").status_code == 404


def test_bad_period_is_a_clear_message_not_a_500(world, incidents, client_for):
    page = client_for(world.chief).get("/insights/?start=2026-05-01&end=2026-04-01")
    assert page.status_code == 200
    assert page.context["errors"]
    csv = client_for(world.chief).get("/insights/records.csv?metric=satisfaction&start=2026-05-01&end=2026-04-01")
    assert csv.status_code == 400


def test_grid_board_and_ranking_say_when_a_grid_is_too_small(world, incidents, client_for):
    chief = client_for(world.chief)
    board = chief.get(f"/insights/grids/{world.grid1.id}/?start=2026-01-01&end=2026-06-15")
    assert board.status_code == 200 and world.grid1.name in board.content.decode()
    ranking = chief.get("/insights/grids/?metric=satisfaction&start=2026-01-01&end=2026-06-15")
    assert all(row.rank is None for row in ranking.context["rows"])  # no grid has 20 ratings
    ranking = chief.get("/insights/grids/?metric=public_order_incidents&start=2026-01-01&end=2026-06-15")
    ranks = [(row.grid.code, row.rank) for row in ranking.context["rows"]]
    assert ranks == [("g1", 1), ("g2", 2)] or ranks == [("g2", 1), ("g1", 2)]


def test_exports_hold_the_rows_and_no_personal_data(world, incidents, client_for):
    from openpyxl import load_workbook

    chief = client_for(world.chief)
    csv = chief.get("/insights/records.csv?metric=public_order_incidents&start=2026-01-01&end=2026-06-15")
    text = csv.content.decode("utf-8-sig")
    assert incidents[0].number in text and incidents[1].number in text and incidents[2].number not in text
    assert "13812345678" not in text and "5678" not in text
    xlsx = chief.get("/insights/records.xlsx?metric=public_order_incidents&start=2026-01-01&end=2026-06-15")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {incidents[0].number, incidents[1].number}


def test_monthly_pdf_has_the_figures_a_grid_name_and_its_charts(world, incidents):
    from pypdf import PdfReader

    report = services.report_generate(station=world.station, start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 3, 31))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(report.pdf))).pages)
    assert "治安案件" in text  # the public-order metric's Chinese label
    assert world.grid1.name in text
    assert report.chart_count == len(metric_specs())
    assert text.count("26-03") >= report.chart_count  # every chart labels the period's last month


def test_report_period_that_ends_before_it_starts_writes_nothing(world, client_for):
    chief = client_for(world.chief)
    response = chief.post("/insights/reports/", {"start": "2026-05-01", "end": "2026-04-01"}, follow=True)
    assert response.status_code == 200
    assert Report.objects.count() == 0
    assert any("结束" in str(m) or "end" in str(m) for m in response.context["messages"])


def test_the_worker_sweep_keeps_one_report_per_month(world, incidents, settings):
    first_of_july = dt.datetime(2026, 6, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 July in Shanghai
    assert services.reports_monthly_sweep(now=first_of_july) == 2  # stations A and B
    assert services.reports_monthly_sweep(now=first_of_july) == 0
    report = Report.objects.get(station=world.station, is_monthly=True)
    assert (report.start_on, report.end_on) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))


def test_grid_geojson_export_and_a_bad_import_from_the_page(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianxin.places.models import Grid

    chief = client_for(world.chief)
    exported = chief.get("/insights/grids.geojson").json()
    assert {f["properties"]["code"] for f in exported["features"]} == {"g1", "g2"}
    bad = SimpleUploadedFile("grids.geojson", b"\\x00 not geojson")
    response = chief.post("/insights/grids/import/", {"file": bad}, follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    assert Grid.objects.filter(station=world.station).count() == 2
    assert client_for(world.registry).post("/insights/grids/import/", {}).status_code in (302, 403)


def test_the_grid_board_lists_who_is_embedded_in_the_grid_with_their_roles(world, client_for):
    page = client_for(world.chief).get(f"/insights/grids/{world.grid1.id}/").content.decode()
    assert 'id="grid-members"' in page
    assert "网格内共 1 人" in page
    assert f"{world.grid_member} · 网格员" in page
    empty = client_for(world.chief).get(f"/insights/grids/{world.grid2.id}/").content.decode()
    assert "网格内共 0 人" in empty and "暂无" in empty
