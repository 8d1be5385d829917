"""Issue 18 checked item by item (docs/audits/issue-18.md): the gaps the audit found, each proven closed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from lianxin.antifraud.models import Campaign, FraudWarning, ScreeningTally
from lianxin.antifraud.services import screening_check

SCAM = "【公安局】您涉嫌洗钱，请立即把资金转入安全账户6222021234567890123，联系电话+86 138 1234 5678，详见 http://www.gaj-check.top/a"
NOTHING_KEPT = "您粘贴或上传的内容不会被保存，除非您举报或求助"


def test_the_verdict_says_what_to_do_now_and_that_nothing_pasted_is_kept(client, world):
    page = client.post(f"/fraud/check/?station={world.station.code}", {"text": SCAM}).content.decode()
    verdict = page[page.index('id="verdict"') :]
    assert "不要转账！请拨打 96110。" in verdict  # "do not transfer", the hotline
    assert 'class="advice"' in verdict and "安全账户" in verdict
    assert NOTHING_KEPT in page


def test_every_figure_on_the_desk_links_to_the_records_behind_it(world, client_for):
    page = client_for(world.chief).get("/fraud/", {"grid": world.grid1.pk}).content.decode()
    figures = page[page.index('id="figures"') : page.index("</dl>", page.index('id="figures"'))]
    values = re.findall(r"<dd[^>]*>(.*?)</dd>", figures, re.S)
    assert len(values) >= 14
    for value in values:
        assert "<a " in value and "/fraud/records/?metric=" in value, value
        assert f"grid={world.grid1.pk}" in value, value  # the grid chosen stays chosen behind the figure


def test_the_messages_screened_figure_opens_the_counts_per_day_grid_and_band(world, client_for):
    screening_check(station=world.station, text=SCAM, grid=world.grid1)
    screening_check(station=world.station, text="明天上午九点社区体检，请带好身份证", grid=world.grid1)
    tallies = ScreeningTally.objects.filter(station=world.station)
    assert tallies.count() == 2
    client = client_for(world.chief)
    page = client.get("/fraud/records/", {"metric": "screened"}).content.decode()
    rows = re.findall(r'data-tally="(\d+)"', page)
    assert sorted(int(pk) for pk in rows) == sorted(tallies.values_list("pk", flat=True))
    assert world.grid1.name in page
    high = client.get("/fraud/records/", {"metric": "high_risk"}).content.decode()
    assert re.findall(r'data-tally="(\d+)"', high) == [str(tallies.get(band="high").pk)]
    # The insights registry's key for the same figure opens the same records.
    assert client.get("/fraud/records/", {"metric": "antifraud_messages_screened"}).status_code == 200
    assert (
        client_for(world.b.chief).get("/fraud/records/", {"metric": "screened"}).content.decode().count("data-tally=")
        == 0
    )


def test_a_warning_for_a_resident_of_another_station_names_the_resident_field_on_the_form(world, client_for):
    response = client_for(world.auxiliary).post(
        "/fraud/warnings/new/", {"resident": world.b.resident.pk, "risk": "银行预警：向涉诈账户转账"}
    )
    assert response.status_code == 200
    assert "resident" in response.context["form"].errors
    assert "本所" in response.content.decode()
    assert FraudWarning.objects.count() == 0


def test_the_centres_csv_names_the_row_and_phone_of_another_stations_resident(world):
    from django.core.exceptions import ValidationError

    from lianxin.antifraud.services import warnings_import_csv
    from lianxin.people.models import Resident

    Resident.objects.create(station=world.b.station, name="李四", phone="13700009999")
    data = "phone,risk\n13812345678,名单\n13700009999,名单\n".encode()
    with pytest.raises(ValidationError) as exc:
        warnings_import_csv(actor=world.auxiliary, data=data)
    assert "第 3 行，phone" in str(exc.value.message_dict["file"])
    assert FraudWarning.objects.count() == 0


@pytest.mark.parametrize("text", ["", "骗" * 100_000])
def test_the_api_names_the_text_field_for_empty_and_100000_characters(world, api_as, text):
    response = api_as(world.officer).post("/antifraud/check", {"text": text})
    assert response.status_code in (400, 422)
    assert "text" in str(response.json())
    assert ScreeningTally.objects.count() == 0


def test_the_clinic_names_the_text_field_and_writes_nothing(world, client_for):
    from lianxin.antifraud.models import Consultation
    from lianxin.cases.models import Case

    response = client_for(world.officer).post(
        f"/fraud/clinic/?resident={world.resident.pk}", {"text": "骗" * 100_000, "decision": "will_not_pay"}
    )
    assert response.status_code == 200 and "text" in response.context["form"].errors
    assert Consultation.objects.count() == 0 and Case.objects.count() == 0


def test_a_campaign_records_the_grid_it_reached_and_the_page_counts_it_per_grid(world, client_for):
    client = client_for(world.officer)
    client.post(
        "/fraud/campaigns/",
        {
            "kind": "talk",
            "title": "广场舞队反诈讲座",
            "held_on": "2026-06-10",
            "place": "东市场广场",
            "attendance": "40",
            "residents_reached": "120",
            "grid": str(world.grid1.pk),
        },
    )
    campaign = Campaign.objects.get()
    assert campaign.grid == world.grid1 and campaign.residents_reached == 120
    page = client.get("/fraud/campaigns/").content.decode()
    reach = page[page.index('id="reach"') :]
    assert world.grid1.name in reach and "120" in reach
    # Another station's grid is refused on the field, and nothing is written.
    bad = client.post("/fraud/campaigns/", {"kind": "talk", "title": "x", "held_on": "2026-06-10", "grid": "999999"})
    assert "grid" in bad.context["form"].errors and Campaign.objects.count() == 1


def test_figures_for_one_grid_count_that_grids_trainings_only(world):
    from lianxin.antifraud.selectors import figures
    from lianxin.antifraud.services import campaign_create

    on = dt.date(2026, 6, 10)
    campaign_create(
        actor=world.officer, kind="training", title="财务人员培训", held_on=on, attendance=28, grid=world.grid1
    )
    campaign_create(actor=world.officer, kind="training", title="另一网格", held_on=on, attendance=5, grid=world.grid2)
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    end = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    assert figures(station_id=world.station.pk, start=start, end=end, grid_id=world.grid1.pk)["trained"].value == 28
    assert figures(station_id=world.station.pk, start=start, end=end)["trained"].value == 33


def test_the_screenshot_page_says_it_is_deleted_unless_reported(world, client, settings, tmp_path):
    from django.utils import timezone

    from lianxin.antifraud.models import Screenshot

    shot = Screenshot.objects.create(
        station=world.station,
        path=str(tmp_path / "x.png"),
        content_type="image/png",
        size_bytes=1,
        status="done",
        text=SCAM,
        uploaded_at=timezone.now(),
    )
    page = client.get(f"/fraud/check/screenshot/{shot.token}/").content.decode()
    assert 'id="verdict"' in page
    assert "24 小时" in page and "举报" in page  # the picture goes within a day unless reported or filed


def _stored_shot(world, settings, *, at):
    import os

    from lianxin.antifraud.models import Screenshot
    from lianxin.antifraud.services.screening import SCREENSHOT_DIR

    folder = Path(settings.DATA_DIR) / SCREENSHOT_DIR / f"{at:%Y%m}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"shot-{at:%H%M%S%f}.png"
    path.write_bytes(b"\x89PNG")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return Screenshot.objects.create(
        station=world.station,
        path=str(path),
        content_type="image/png",
        size_bytes=4,
        status="done",
        text=SCAM,
        uploaded_at=at,
    )


NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def test_a_screenshot_kept_for_a_case_is_deleted_with_the_case_under_the_retention_rule(world, settings, tmp_path):
    from lianxin.antifraud.models import Screenshot
    from lianxin.antifraud.services import resident_pay_alert, screenshots_purge
    from lianxin.cases.models import Case, Status

    settings.DATA_DIR = tmp_path
    settings.LIANXIN_RETENTION_CASE_CONTACT_DAYS = 30
    shot = _stored_shot(world, settings, at=NOW)
    outcome = resident_pay_alert(
        station=world.station, actor=world.resident_user, text=SCAM, decision="already_paid", screenshot=shot, now=NOW
    )
    shot.refresh_from_db()
    assert shot.is_kept and shot.case_id == outcome.case.pk
    assert screenshots_purge(now=NOW + dt.timedelta(days=400)) == 0  # the case is still open: evidence stays
    Case.objects.filter(pk=outcome.case.pk).update(status=Status.CLOSED, closed_at=NOW + dt.timedelta(days=1))
    assert screenshots_purge(now=NOW + dt.timedelta(days=30)) == 0  # closed, but not yet past retention
    assert screenshots_purge(now=NOW + dt.timedelta(days=32)) == 1
    assert not Screenshot.objects.filter(pk=shot.pk).exists() and not Path(shot.path).exists()


def test_a_deleted_cases_screenshot_file_is_removed_and_a_reported_one_stays(world, settings, tmp_path):
    from lianxin.antifraud.models import FraudLoss, Screening, Screenshot
    from lianxin.antifraud.services import blacklist_report, resident_pay_alert, screenshots_purge
    from lianxin.cases.models import Case

    settings.DATA_DIR = tmp_path
    filed = _stored_shot(world, settings, at=NOW)
    reported = _stored_shot(world, settings, at=NOW + dt.timedelta(seconds=1))
    outcome = resident_pay_alert(
        station=world.station, actor=world.resident_user, text=SCAM, decision="already_paid", screenshot=filed, now=NOW
    )
    blacklist_report(
        station=world.station, actor=None, kind="phone", value="13812345678", evidence=SCAM, screenshot=reported
    )
    later = NOW + dt.timedelta(days=2)
    assert screenshots_purge(now=later) == 0  # both are evidence
    FraudLoss.objects.filter(case=outcome.case).delete()
    Screening.objects.filter(case=outcome.case).delete()
    Case.objects.filter(pk=outcome.case.pk).delete()  # e.g. the station's cases taken down
    assert list(Screenshot.objects.values_list("pk", flat=True)) == [reported.pk]  # the row went with the case
    assert Path(filed.path).exists()
    assert screenshots_purge(now=later) == 1
    assert not Path(filed.path).exists() and Path(reported.path).exists()


def test_blacklist_hits_are_counted_per_grid(world):
    """The audit's gap: a hit had no grid, so the figure was station-wide whatever grid was chosen."""
    from lianxin.antifraud.selectors import figures
    from lianxin.antifraud.services import blacklist_add, screening_check

    now = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    blacklist_add(actor=world.chief, kind="domain", value="gaj-check.top", reason="冒充公安网站", now=now)
    screening_check(station=world.station, text=SCAM, grid=world.grid1, now=now)
    screening_check(station=world.station, text=SCAM, grid=world.grid1, now=now)
    screening_check(station=world.station, text=SCAM, grid=world.grid2, now=now)
    screening_check(station=world.station, text=SCAM, now=now)  # from outside every grid
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    by = {
        g: figures(station_id=world.station.pk, start=start, end=end, grid_id=g)["blacklist_hits"].value
        for g in (world.grid1.pk, world.grid2.pk, None)
    }
    assert by == {world.grid1.pk: 2, world.grid2.pk: 1, None: 4}


def test_a_reported_screenshot_goes_once_no_report_stands_on_it(world, settings, tmp_path):
    """The audit's gap: a screenshot kept as a report's evidence stayed forever once the report was rejected."""
    from lianxin.antifraud.models import BlacklistEntry, Screenshot
    from lianxin.antifraud.services import blacklist_report, blacklist_review, screenshots_purge

    settings.DATA_DIR = tmp_path
    rejected = _stored_shot(world, settings, at=NOW)
    accepted = _stored_shot(world, settings, at=NOW + dt.timedelta(seconds=1))
    deleted = _stored_shot(world, settings, at=NOW + dt.timedelta(seconds=2))
    for shot, phone in ((rejected, "13812345678"), (accepted, "13912345678"), (deleted, "13712345678")):
        blacklist_report(station=world.station, actor=None, kind="phone", value=phone, evidence=SCAM, screenshot=shot)
    later = NOW + dt.timedelta(days=2)
    assert screenshots_purge(now=later) == 0  # all three are evidence of a standing report
    entries = {e.screenshot_id: e for e in BlacklistEntry.objects.all()}
    blacklist_review(actor=world.chief, entry=entries[rejected.pk], accept=False, reason="正常号码")
    blacklist_review(actor=world.chief, entry=entries[accepted.pk], accept=True, reason="诈骗号码")
    entries[deleted.pk].delete()
    assert screenshots_purge(now=later) == 2
    assert list(Screenshot.objects.values_list("pk", flat=True)) == [accepted.pk]
    assert Path(accepted.path).exists() and not Path(rejected.path).exists() and not Path(deleted.path).exists()
