"""The residents' check: verdict, highlighted cues, blacklist marks, 'about to pay', reports; bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxin.antifraud import normalise as norm
from lianxin.antifraud.models import (
    BlacklistEntry,
    BlacklistHit,
    EntryStatus,
    FraudLoss,
    FraudWarning,
    Screening,
    ScreeningTally,
    StepKind,
    WarningStatus,
)
from lianxin.antifraud.services import blacklist_add, blacklist_match, screening_check
from lianxin.cases.models import Case, Channel, Priority

SCAM = "【公安局】您涉嫌洗钱，请立即把资金转入安全账户6222021234567890123，联系电话+86 138 1234 5678，详见 http://www.gaj-check.top/a"


def test_the_check_page_answers_without_sign_in_and_keeps_nothing(client, world):
    blacklist_add(actor=world.chief, kind="domain", value="gaj-check.top", reason="冒充公安网站")
    response = client.post(f"/fraud/check/?station={world.station.code}", {"text": SCAM})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-band="high"' in page
    assert "冒充公检法及政府机关类" in page and "安全账户" in page
    assert '<mark class="cue"' in page  # the engine's cue words are marked in the text
    assert "listed" in page and "冒充公安网站" in page  # the URL's domain is on the blacklist
    assert "96110" in page and "我正准备转账" in page and "我已经转账" in page  # the two taps
    assert Screening.objects.count() == 0  # nothing pasted is kept
    assert ScreeningTally.objects.get(station=world.station, band="high").count == 1
    entry = BlacklistEntry.objects.get()
    assert entry.hits == 1 and BlacklistHit.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "needle"),
    [("", "请先粘贴"), ("   ", "请先粘贴"), ("骗" * 100_000, "太长")],
)
def test_bad_text_names_the_field(client, world, text, needle):
    response = client.post(f"/fraud/check/?station={world.station.code}", {"text": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error"' in page and needle in page
    assert ScreeningTally.objects.count() == 0


def test_about_to_pay_opens_an_urgent_case_and_dispatches_a_warning_to_the_grid_officer(client_for, world):
    client = client_for(world.resident_user)
    response = client.post("/fraud/check/pay/", {"text": SCAM, "decision": "about_to_pay"})
    page = response.content.decode()
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == Channel.FRAUD_SCREENING and case.priority == Priority.URGENT
    assert case.number in page and "110" in page
    warning = FraudWarning.objects.get()
    assert warning.case == case and warning.resident == world.resident
    assert warning.status == WarningStatus.DISPATCHED
    assert warning.responder == world.officer  # the resident's grid's police chief first
    assert warning.escalate_after is not None
    assert list(warning.steps.values_list("kind", flat=True)) == [StepKind.RECEIVED, StepKind.DISPATCHED]
    screening = Screening.objects.get()
    assert screening.case == case and screening.engine_version.startswith("fraudscreen")


def test_already_paid_opens_a_fraud_loss_case(client_for, world):
    client_for(world.resident_user).post("/fraud/check/pay/", {"text": SCAM, "decision": "already_paid"})
    loss = FraudLoss.objects.get()
    assert loss.case.category.code == "fraud-report" and loss.resident == world.resident
    assert FraudWarning.objects.count() == 0


def test_an_anonymous_visitor_must_leave_a_phone_and_nothing_is_half_written(client, world):
    url = f"/fraud/check/pay/?station={world.station.code}"
    response = client.post(url, {"text": SCAM, "decision": "about_to_pay"}, follow=True)
    assert "手机号" in response.content.decode()
    assert Case.objects.count() == 0 and Screening.objects.count() == 0
    client.post(url, {"text": SCAM, "decision": "about_to_pay", "contact_phone": "13700001111"})
    case = Case.objects.get()
    assert case.channel == Channel.ONLINE  # the spine lets visitors file online only
    assert FraudWarning.objects.get().responder is None  # no grid known: only the duty desk


def test_report_a_number_is_proposed_until_reviewed(client, world):
    client.post(
        f"/fraud/check/report/?station={world.station.code}", {"text": SCAM, "kind": "phone", "value": "138 1234 5678"}
    )
    entry = BlacklistEntry.objects.get()
    assert entry.status == EntryStatus.PROPOSED and entry.evidence == SCAM
    assert entry.shown == "138****5678" and "13812345678" not in entry.value_key  # a digest, not the number
    result = screening_check(station=world.station, text=SCAM)
    assert result.hits == []  # a report does not count before review


def test_matching_normalises_phones_urls_and_subdomains(world):
    blacklist_add(actor=world.chief, kind="phone", value="+86 138-1234-5678", reason="r")
    blacklist_add(actor=world.chief, kind="domain", value="https://evil.top/", reason="r")
    blacklist_add(actor=world.chief, kind="url", value="bad.cn/pay", reason="r")
    entities = {
        "phones": [{"value": "13812345678", "text": "138 1234 5678", "start": 0, "end": 13}],
        "urls": [
            {"value": "http://a.b.evil.top/x", "text": "a.b.evil.top/x", "start": 20, "end": 34},
            {"value": "https://www.bad.cn/pay/", "text": "www.bad.cn/pay/", "start": 40, "end": 55},
            {"value": "http://good.cn", "text": "good.cn", "start": 60, "end": 67},
        ],
    }
    hits = blacklist_match(station=world.station, entities=entities)
    assert sorted(h["kind"] for h in hits) == ["domain", "phone", "url"]
    assert blacklist_match(station=world.b.station, entities=entities) == []  # per station


def test_an_expired_entry_no_longer_matches(world):
    now = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    blacklist_add(
        actor=world.chief, kind="im", value="scam_qq1", reason="r", expires_at=now + dt.timedelta(days=1), now=now
    )
    entities = {"im_ids": [{"value": "scam_qq1", "text": "scam_qq1", "start": 0, "end": 8}]}
    assert blacklist_match(station=world.station, entities=entities, now=now)
    assert blacklist_match(station=world.station, entities=entities, now=now + dt.timedelta(days=2)) == []


def test_normalise_rejects_unknown_kinds():
    with pytest.raises(norm.BadValue):
        norm.normalise("fax", "123")
    assert norm.normalise("phone", "0086 138 1234 5678") == "13812345678"
    assert norm.normalise("url", "HTTP://WWW.Evil.TOP/a/") == "evil.top/a"
