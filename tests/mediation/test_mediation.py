"""Mediation: a dispute from a case into a room, sessions (.ics), the agreement PDF signed on a phone, follow-up."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from icalendar import Calendar
from pypdf import PdfReader

from lianxin.cases.models import CaseEvent, EventKind, Resolution, Status
from lianxin.mediation import services
from lianxin.mediation.metrics import settled_locally
from lianxin.mediation.models import Dispute, DisputeStatus, Party, Session, Signature
from tests.conftest import NOW
from tests.mediation.conftest import signature_png


def _noise_case(w, open_case):
    return open_case(
        actor=w.officer, category=w.cat_neighbour, description="楼上广场舞音响太吵，协商不成", contact_name="张桂英"
    )


def _dispute(w, open_case, *, now=NOW):
    case = _noise_case(w, open_case)
    return services.dispute_open(
        actor=w.mediator,
        room=w.rooms["family"],
        claim="",
        parties=[{"name": "张桂英", "role": "applicant"}, {"name": "李建国", "role": "respondent"}],
        case=case,
        now=now,
    )


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _sign_all(w, dispute, agreement, now=NOW):
    for party in dispute.parties.all():
        services.signature_add(
            actor=w.mediator, agreement=agreement, party=party, image_data_url=signature_png(), now=now
        )
    services.signature_add(actor=w.mediator, agreement=agreement, party=None, image_data_url=signature_png(), now=now)


def test_a_case_is_taken_into_a_room_without_retyping(med_world, open_case):
    w = med_world
    case = _noise_case(w, open_case)
    page = _client(w.mediator).get("/mediation/").content.decode()
    assert case.number in page
    form = _client(w.mediator).get(f"/mediation/from-case/{case.pk}/").content.decode()
    assert "楼上广场舞音响太吵" in form and "张桂英" in form
    response = _client(w.mediator).post(
        f"/mediation/from-case/{case.pk}/",
        {
            "room": w.rooms["family"].pk,
            "claim": "",
            "party_name": ["张桂英", "李建国"],
            "party_role": ["applicant", "respondent"],
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert dispute.claim == case.description and dispute.mediator == w.mediator
    assert [p.name for p in dispute.parties.all()] == ["张桂英", "李建国"]
    case.refresh_from_db()
    assert case.assignee == w.mediator and case.status == Status.IN_PROGRESS


def test_the_mediator_is_suggested_by_room_and_load(med_world, open_case):
    from lianxin.core.models import Role, User

    w = med_world
    other = User.objects.create(username="a_mediator2", station=w.station, role=Role.MEDIATOR)
    w.rooms["family"].mediators.add(other)
    first = _dispute(w, open_case)
    assert services.suggest_mediator(w.rooms["family"]) == (other if first.mediator == w.mediator else w.mediator)


def test_whole_flow_session_agreement_signatures_pdf(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    session = services.session_schedule(actor=w.mediator, dispute=d, starts_at=NOW + dt.timedelta(days=1), minutes=60)
    ics = _client(w.mediator).get(f"/mediation/sessions/{session.pk}.ics")
    event = next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))
    assert event.decoded("dtstart") == session.starts_at and "婚姻家庭邻里纠纷调解室" in str(event["location"])
    # The invitation reminds a day and an hour before; the room's feed carries no alarms of its own.
    triggers = sorted(a.decoded("trigger") for a in event.walk("VALARM"))
    assert triggers == [-dt.timedelta(days=1), -dt.timedelta(hours=1)]
    feed = _client(w.mediator).get(f"/mediation/rooms/{w.rooms['family'].pk}/calendar.ics")
    assert len(list(Calendar.from_ical(feed.content).walk("VEVENT"))) == 1
    assert not list(Calendar.from_ical(feed.content).walk("VALARM"))
    services.session_record(
        actor=w.mediator, session=session, minutes="双方陈述，同意晚八点后降低音量。", attended=list(d.parties.all())
    )
    agreement = services.agreement_draft(
        actor=w.mediator,
        dispute=d,
        terms="一、广场舞活动于晚八点前结束。\n二、音响音量不超过约定标准。",
        followup_on=dt.date(2026, 7, 1),
        now=NOW,
    )
    draft = _client(w.mediator).get(f"/mediation/agreements/{agreement.pk}.pdf")
    assert draft["Content-Type"] == "application/pdf" and "草稿" in _pdf_text(draft.content)
    # Each party signs on the phone page, then the mediator.
    client = _client(w.mediator)
    for party in d.parties.all():
        assert (
            client.post(
                f"/mediation/agreements/{agreement.pk}/sign/{party.pk}/", {"signature": signature_png()}
            ).status_code
            == 302
        )
    assert (
        client.post(f"/mediation/agreements/{agreement.pk}/sign/mediator/", {"signature": signature_png()}).status_code
        == 302
    )
    agreement.refresh_from_db()
    d.refresh_from_db()
    assert agreement.is_signed and d.status == DisputeStatus.AGREED
    signed = client.get(f"/mediation/agreements/{agreement.pk}.pdf").content
    text = _pdf_text(signed)
    assert "张桂英" in text and "李建国" in text and "人民调解协议书" in text and "草稿" not in text
    import hashlib

    assert hashlib.sha256(signed).hexdigest() == agreement.signed_pdf_sha256
    assert CaseEvent.objects.filter(
        case=d.case, kind=EventKind.NOTE, text__contains=agreement.signed_pdf_sha256
    ).exists()
    d.case.refresh_from_db()
    assert d.case.status == Status.RESOLVED and d.case.resolution == Resolution.MEDIATED


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_signature_that_is_not_an_image_is_refused_and_nothing_is_kept(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    agreement = services.agreement_draft(actor=w.mediator, dispute=d, terms="赔偿五百元。", now=NOW)
    party = d.parties.first()
    for bad in (
        "",
        "hello",
        "data:image/png;base64,bm90IGFuIGltYWdl",
        "data:text/html;base64,PGI+",
        signature_png(blank=True),
    ):
        with pytest.raises(ValidationError) as exc:
            services.signature_add(actor=w.mediator, agreement=agreement, party=party, image_data_url=bad)
        assert "signature" in exc.value.message_dict
    page = _client(w.mediator).post(f"/mediation/agreements/{agreement.pk}/sign/{party.pk}/", {"signature": "x"})
    assert page.status_code == 400
    assert not Signature.objects.exists()


def test_a_party_signs_once(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    agreement = services.agreement_draft(actor=w.mediator, dispute=d, terms="赔偿五百元。", now=NOW)
    party = d.parties.first()
    services.signature_add(actor=w.mediator, agreement=agreement, party=party, image_data_url=signature_png())
    with pytest.raises(ValidationError) as exc:
        services.signature_add(actor=w.mediator, agreement=agreement, party=party, image_data_url=signature_png())
    assert "party" in exc.value.message_dict
    assert Signature.objects.count() == 1


def test_an_agreement_with_no_parties_names_the_field(med_world):
    w = med_world
    d = services.dispute_open(
        actor=w.mediator, room=w.rooms["commercial"], claim="货款纠纷", parties=[], category=w.cat_neighbour, now=NOW
    )
    with pytest.raises(ValidationError) as exc:
        services.agreement_draft(actor=w.mediator, dispute=d, terms="还款。", now=NOW)
    assert "parties" in exc.value.message_dict
    response = _client(w.mediator).post(f"/mediation/disputes/{d.pk}/agreement/", {"terms": "还款。"})
    assert response.status_code == 400
    assert not d.agreements.exists()


def test_a_room_is_never_double_booked(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    services.session_schedule(actor=w.mediator, dispute=d, starts_at=NOW + dt.timedelta(hours=2), minutes=60)
    with pytest.raises(ValidationError) as exc:
        services.session_schedule(actor=w.mediator, dispute=d, starts_at=NOW + dt.timedelta(hours=2, minutes=30))
    assert "starts_at" in exc.value.message_dict
    assert Session.objects.count() == 1


def test_bad_dispute_input_names_fields_and_writes_nothing(med_world):
    w = med_world
    with pytest.raises(ValidationError) as exc:
        services.dispute_open(actor=w.mediator, room=w.b.room, claim="", parties=[{"name": "x" * 101}], category=None)
    assert {"room", "claim", "category", "parties"} <= set(exc.value.message_dict)
    assert not Dispute.objects.exists() and not Party.objects.exists()
    with pytest.raises(PermissionDenied):
        services.dispute_open(
            actor=w.volunteer, room=w.rooms["family"], claim="x", parties=[], category=w.cat_neighbour
        )


def test_no_agreement_is_referred_to_a_named_body(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    with pytest.raises(ValidationError) as exc:
        services.dispute_conclude(actor=w.mediator, dispute=d, outcome=DisputeStatus.NO_AGREEMENT)
    assert "referred_to" in exc.value.message_dict
    services.dispute_conclude(
        actor=w.mediator, dispute=d, outcome=DisputeStatus.NO_AGREEMENT, referred_to="振兴区人民法院", now=NOW
    )
    d.case.refresh_from_db()
    assert d.case.status == Status.RESOLVED and d.case.resolution == Resolution.REFERRED


def test_a_broken_agreement_reopens_the_dispute_and_its_case(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    agreement = services.agreement_draft(actor=w.mediator, dispute=d, terms="赔偿五百元。", now=NOW)
    _sign_all(w, d, agreement)
    with pytest.raises(ValidationError):
        services.followup_record(actor=w.mediator, agreement=agreement, is_kept=False, note="")
    services.followup_record(actor=w.mediator, agreement=agreement, is_kept=False, note="对方未按期赔偿")
    d.refresh_from_db()
    d.case.refresh_from_db()
    assert d.status == DisputeStatus.OPEN and d.reopened_count == 1 and d.case.status == Status.IN_PROGRESS
    again = services.agreement_draft(actor=w.mediator, dispute=d, terms="重新约定：月底前赔偿。", now=NOW)
    assert again.pk != agreement.pk and d.agreements.count() == 2


def test_judicial_confirmation_needs_a_signed_agreement(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    agreement = services.agreement_draft(actor=w.mediator, dispute=d, terms="赔偿五百元。", now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.confirmation_record(actor=w.mediator, agreement=agreement, court="", sent_on=None)
    assert {"agreement", "court", "sent_on"} <= set(exc.value.message_dict)
    _sign_all(w, d, agreement)
    services.confirmation_record(
        actor=w.mediator, agreement=agreement, court="振兴区人民法院", sent_on=dt.date(2026, 6, 20), answer="已确认有效"
    )
    agreement.refresh_from_db()
    assert agreement.confirmation_answer == "已确认有效"


def test_settled_locally_counts_agreements_over_concluded_outcomes(med_world, open_case):
    w = med_world
    settled = _dispute(w, open_case)
    agreement = services.agreement_draft(actor=w.mediator, dispute=settled, terms="赔偿五百元。", now=NOW)
    _sign_all(w, settled, agreement, now=NOW)
    failed = _dispute(w, open_case)
    services.dispute_conclude(actor=w.mediator, dispute=failed, outcome="no_agreement", referred_to="法院", now=NOW)
    withdrawn = _dispute(w, open_case)
    services.dispute_conclude(actor=w.mediator, dispute=withdrawn, outcome="withdrawn", now=NOW)
    value = settled_locally(
        station=w.station, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=1), with_records=True
    )
    assert (value.numerator, value.denominator) == (1, 2) and value.record_ids == (settled.case_id,)
    page = _client(w.mediator).get("/mediation/figures/").content.decode()
    assert "婚姻家庭邻里纠纷调解室" in page


def test_another_station_sees_404(med_world, open_case):
    w = med_world
    d = _dispute(w, open_case)
    other = _client(w.b.mediator)
    assert other.get(f"/mediation/disputes/{d.pk}/").status_code == 404
    assert other.get(f"/mediation/sessions/{d.pk}.ics").status_code == 404
    assert _client(w.resident_user).get("/mediation/").status_code == 403


def test_api_lists_and_shows_disputes(med_world, open_case, api_as):
    w = med_world
    d = _dispute(w, open_case)
    listed = api_as(w.mediator).get("/mediation/disputes").json()
    assert [x["case_number"] for x in listed] == [d.case.number]
    detail = api_as(w.mediator).get(f"/mediation/disputes/{d.pk}").json()
    assert [p["name"] for p in detail["parties"]] == ["张桂英", "李建国"]
    assert api_as(w.b.officer).get(f"/mediation/disputes/{d.pk}").status_code == 404


def test_the_reporter_of_the_case_becomes_the_linked_applicant(med_world, open_case):
    w = med_world
    case = open_case(actor=w.resident_user, channel="online", category=w.cat_neighbour, description="楼上漏水")
    _client(w.mediator).post(
        f"/mediation/from-case/{case.pk}/",
        {
            "room": w.rooms["family"].pk,
            "party_name": [w.resident.name, "赵宏伟"],
            "party_role": ["applicant", "respondent"],
        },
    )
    applicant = Party.objects.get(role="applicant")
    assert applicant.resident == w.resident


def test_text_a_database_cannot_store_is_refused_by_field(med_world, open_case):
    w = med_world
    with pytest.raises(ValidationError) as exc:
        services.dispute_open(
            actor=w.mediator, room=w.rooms["family"], claim="漏水\x00", parties=[], category=w.cat_neighbour
        )
    assert "claim" in exc.value.message_dict
    d = _dispute(w, open_case)
    with pytest.raises(ValidationError) as exc:
        services.agreement_draft(actor=w.mediator, dispute=d, terms="赔偿\x00五百元")
    assert "terms" in exc.value.message_dict


def test_a_restricted_dispute_reaches_a_mediator_only_when_given_to_them(med_world, open_case):
    from django.http import Http404

    from lianxin.cases.services import case_assign
    from lianxin.mediation.selectors import case_for_dispute, cases_waiting_for

    w = med_world
    case = open_case(actor=w.officer, category=w.cat_neighbour, description="家里吵架，邻居报的", is_restricted=True)
    assert case not in cases_waiting_for(user=w.mediator)
    assert case.number not in _client(w.mediator).get("/mediation/").content.decode()
    with pytest.raises(Http404):
        case_for_dispute(user=w.mediator, pk=case.pk)
    case_assign(case=case, actor=w.officer, assignee=w.mediator, team=None)
    assert case_for_dispute(user=w.mediator, pk=case.pk) == case
