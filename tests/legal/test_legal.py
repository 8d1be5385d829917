"""The 24-hour legal consultation: ask, keep it (a case), book a duty lawyer (.ics), the lawyer answers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation
from icalendar import Calendar

from lianxin.cases.models import Case, CaseEvent, Channel, EventKind, Resolution, Status
from lianxin.legal import adapters, services
from lianxin.legal.models import Booking, Consultation, DutySlot
from tests.conftest import NOW

QUESTION = "楼上广场舞音响太吵怎么办"


def _slot(world, *, hours_ahead=2, lawyer=None):
    return services.slot_create(
        actor=world.chief, lawyer=lawyer or world.lawyer, starts_at=NOW + dt.timedelta(hours=hours_ahead), minutes=30
    )


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_ask_shows_the_noise_card_and_articles_without_sign_in(law_index, legal_world):
    page = Client().get("/legal/ask/", {"q": QUESTION})
    text = page.content.decode()
    assert page.status_code == 200
    assert "广场舞" in text and "噪声污染防治法" in text and "第六十四条" in text
    # The card comes before the articles.
    assert text.index("law-card") < text.index("law-hit")


def test_a_citation_finds_its_article(law_index):
    answer = services.consultation_ask(question="民法典1165条")
    assert answer.hits[0]["id"] == "civil-1165"
    assert answer.engine_version


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Type your question"),
        ("   ", "Type your question"),
        ("？？！！", "not only symbols"),
        ("吵" * 2001, "too long"),
    ],
)
def test_bad_questions_get_a_message_on_the_question(law_index, question, message):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.consultation_ask(question=question)
    assert "question" in exc.value.message_dict
    assert message in exc.value.message_dict["question"][0]


def test_a_2000_character_question_is_answered(law_index):
    answer = services.consultation_ask(question=("楼上邻居每天晚上跳广场舞音响很吵" * 200)[:2000])
    assert answer.hits


def test_missing_index_is_a_clear_message_not_a_500(legal_world, settings, tmp_path):
    adapters.use_index(None)
    settings.LEGAL_LAW_INDEX_DIR = str(tmp_path / "nothing-here")
    page = Client().get("/legal/ask/", {"q": QUESTION})
    assert page.status_code == 200
    assert "12348" in page.content.decode()
    adapters.use_index(None)


def test_keeping_a_consultation_opens_an_online_legal_case(law_index, legal_world):
    w = legal_world
    client = Client()
    response = client.post(
        "/legal/ask/save/?station=a", {"question": QUESTION, "contact_name": "张大姐", "contact_phone": "13800001111"}
    )
    c = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/legal/c/{c.token}/"
    assert c.case.channel == Channel.ONLINE and c.case.category == w.cat_legal
    assert c.case.description == QUESTION and c.engine_version == adapters.ENGINE_VERSION
    assert c.hits[0]["id"] == "noise-64" and c.cards[0]["id"] == "square-dance-noise"
    page = client.get(f"/legal/c/{c.token}/").content.decode()
    assert "第六十四条" in page and c.case.number in page


def test_keeping_without_a_phone_names_the_field_and_writes_nothing(law_index, legal_world):
    response = Client().post("/legal/ask/save/?station=a", {"question": QUESTION})
    assert response.status_code == 400
    assert "Give a mobile number" in response.content.decode() or "手机" in response.content.decode()
    assert not Case.objects.exists() and not Consultation.objects.exists()


def test_kiosk_consultation_at_a_cart_stop_counts_as_a_contact_of_the_stop(law_index, legal_world):
    from lianxin.cases.services import cart_stop_start

    w = legal_world
    stop = cart_stop_start(actor=w.officer, place="江边广场")
    client = _signed_in(w.officer)
    client.post("/legal/ask/save/", {"question": QUESTION, "kiosk": "1", "contact_phone": "13800001111"})
    c = Consultation.objects.get()
    assert c.is_kiosk and c.case.cart_stop == stop and c.case.channel == Channel.SERVICE_CART


def test_booking_gives_a_valid_ics_with_the_room_link_and_assigns_the_lawyer(law_index, legal_world, settings):
    settings.LEGAL_VIDEO_ROOM_URL = "https://video.example.org/room/{token}"
    w = legal_world
    c = services.consultation_save(
        station=w.station, actor=w.resident_user, question=QUESTION, now=NOW - dt.timedelta(minutes=5)
    )
    slot = _slot(w)
    booking = services.booking_make(consultation=c, slot=slot, now=NOW)
    c.case.refresh_from_db()
    assert c.case.assignee == w.lawyer
    ics = Client().get(f"/legal/c/{c.token}/bookings/{booking.pk}.ics")
    assert ics["Content-Type"] == "text/calendar"
    event = next(e for e in Calendar.from_ical(ics.content).walk("VEVENT"))
    assert event.decoded("dtstart") == slot.starts_at
    assert str(event["location"]) == f"https://video.example.org/room/{booking.room_token}"
    # The invitation reminds on the phone itself, as long before as the worker's reminder.
    alarm = next(iter(event.walk("VALARM")))
    assert alarm.decoded("trigger") == -dt.timedelta(minutes=services.REMINDER_MINUTES_BEFORE)
    # Another consultation cannot have the same slot.
    other = services.consultation_save(station=w.station, actor=w.resident_user, question="工资拖欠三个月", now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.booking_make(consultation=other, slot=slot, now=NOW)
    assert "slot" in exc.value.message_dict
    assert Booking.objects.count() == 1


def test_booking_through_the_page_refuses_a_taken_slot_with_a_message(law_index, legal_world):
    w = legal_world
    first = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION)
    second = services.consultation_save(station=w.station, actor=w.resident_user, question="房东不退押金")
    slot = services.slot_create(
        actor=w.chief, lawyer=w.lawyer, starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    )
    assert Client().post(f"/legal/c/{first.token}/book/", {"slot": slot.pk}).status_code == 302
    again = Client().post(f"/legal/c/{second.token}/book/", {"slot": slot.pk})
    assert again.status_code == 400 and Booking.objects.filter(slot=slot).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_slot_give_one_booking(law_index, legal_world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    w = legal_world
    cs = [services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION) for _ in range(2)]
    slot = services.slot_create(
        actor=w.chief, lawyer=w.lawyer, starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def book(c):
        barrier.wait()
        try:
            services.booking_make(consultation=c, slot=slot)
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(c,)) for c in cs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked", "refused"]
    assert Booking.objects.filter(slot=slot).count() == 1


def test_the_lawyer_answers_from_the_inbox_and_the_resident_sees_it(law_index, legal_world):
    w = legal_world
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION)
    lawyer = _signed_in(w.lawyer)
    inbox = lawyer.get("/legal/").content.decode()
    assert QUESTION[:10] in inbox
    detail = lawyer.get(f"/legal/consultations/{c.pk}/").content.decode()
    assert "第六十四条" in detail
    lawyer.post(
        f"/legal/consultations/{c.pk}/", {"answer": "可先与对方协商音量和时段。", "advice": "协商不成可到调解室。"}
    )
    c.refresh_from_db()
    case = Case.objects.get(pk=c.case_id)
    assert c.answered_by == w.lawyer and case.status == Status.RESOLVED
    assert case.resolution == Resolution.ADVICE_GIVEN and case.assignee == w.lawyer
    assert CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, actor=w.lawyer, is_public=True).exists()
    page = Client().get(f"/legal/c/{c.token}/").content.decode()
    assert "可先与对方协商音量和时段。" in page and "协商不成可到调解室。" in page


def test_an_empty_answer_names_the_field_and_leaves_the_case_open(law_index, legal_world):
    w = legal_world
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION)
    response = _signed_in(w.lawyer).post(f"/legal/consultations/{c.pk}/", {"answer": "  "})
    assert response.status_code == 400
    c.case.refresh_from_db()
    assert c.case.status == Status.NEW and not Consultation.objects.get().is_answered


def test_only_a_lawyer_answers_and_another_station_sees_404(law_index, legal_world):
    w = legal_world
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION)
    with pytest.raises(PermissionDenied):
        services.consultation_answer(consultation=c, actor=w.officer, answer="x")
    assert _signed_in(w.b.officer).get(f"/legal/consultations/{c.pk}/").status_code == 404
    assert _signed_in(w.resident_user).get("/legal/").status_code == 403


def test_the_reminder_sweep_notes_the_case_once(law_index, legal_world):
    w = legal_world
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION, now=NOW)
    slot = _slot(w, hours_ahead=1)
    services.booking_make(consultation=c, slot=slot, now=NOW)
    assert services.bookings_remind(now=NOW) == 0  # an hour ahead: too early
    at = slot.starts_at - dt.timedelta(minutes=20)
    assert services.bookings_remind(now=at) == 1
    assert services.bookings_remind(now=at) == 0
    note = CaseEvent.objects.filter(case=c.case, kind=EventKind.NOTE).get()
    assert note.is_public and "meet.lianxin.local" in note.text


def test_rota_refuses_a_non_lawyer_and_a_repeated_slot(legal_world):
    w = legal_world
    with pytest.raises(ValidationError) as exc:
        services.slot_create(actor=w.chief, lawyer=w.officer, starts_at=NOW)
    assert "lawyer" in exc.value.message_dict
    _slot(w)
    with pytest.raises(ValidationError) as exc:
        _slot(w)
    assert "starts_at" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.slot_create(actor=w.lawyer, lawyer=w.lawyer, starts_at=NOW)
    assert DutySlot.objects.count() == 1


def test_night_questions_are_told_about_the_morning_slot():
    assert services.is_night(dt.datetime(2026, 6, 15, 15, 0, tzinfo=dt.UTC))  # 23:00 Shanghai
    assert not services.is_night(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))  # 10:00


def test_api_ask_needs_no_sign_in_and_names_the_field(law_index, legal_world, api_as):
    api = api_as(None)
    ok = api.post("/legal/ask", {"question": QUESTION})
    assert ok.status_code == 200 and ok.json()["hits"][0]["law"] == "中华人民共和国噪声污染防治法"
    bad = api.post("/legal/ask", {"question": ""})
    assert bad.status_code in (400, 422) and "question" in bad.content.decode()


def test_api_answer_by_the_lawyer(law_index, legal_world, api_as):
    w = legal_world
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION)
    response = api_as(w.lawyer).post(f"/legal/consultations/{c.pk}/answer", {"answer": "先协商。"})
    assert response.status_code == 200 and response.json()["answer"] == "先协商。"
    assert api_as(w.b.officer).post(f"/legal/consultations/{c.pk}/answer", {"answer": "x"}).status_code == 404


def test_metric_counts_answered_consultations(law_index, legal_world):
    from lianxin.legal.metrics import consultations_answered

    w = legal_world
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION, now=NOW)
    services.consultation_answer(consultation=c, actor=w.lawyer, answer="先协商。", now=NOW)
    value = consultations_answered(
        station=w.station, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=1), with_records=True
    )
    assert value.numerator == 1 and value.record_ids == (c.case_id,)


def test_without_the_index_the_question_is_still_kept_for_a_lawyer(legal_world, settings, tmp_path):
    adapters.use_index(None)
    settings.LEGAL_LAW_INDEX_DIR = str(tmp_path / "nothing-here")
    c = services.consultation_save(station=legal_world.station, actor=legal_world.resident_user, question=QUESTION)
    assert c.hits == [] and c.engine_version == "" and c.case.category == legal_world.cat_legal
    page = Client().get(f"/legal/c/{c.token}/").content.decode()
    assert "提问时法条检索暂时无法使用" in page
    adapters.use_index(None)


def test_api_keep_then_book_by_token(law_index, legal_world, api_as):
    w = legal_world
    kept = api_as(w.resident_user).post("/legal/consultations", {"question": QUESTION})
    assert kept.status_code == 201 and kept.json()["hits"][0]["id"] == "noise-64"
    token = kept.json()["token"]
    slot = services.slot_create(
        actor=w.chief, lawyer=w.lawyer, starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    )
    anonymous = api_as(None)
    assert [s["id"] for s in anonymous.get(f"/legal/consultations/{token}/slots").json()] == [slot.pk]
    booked = anonymous.post(f"/legal/consultations/{token}/bookings", {"slot": slot.pk})
    assert booked.status_code == 201 and booked.json()["ics_url"].endswith(".ics")
    again = anonymous.post(f"/legal/consultations/{token}/bookings", {"slot": slot.pk})
    assert again.status_code in (400, 422) and "slot" in again.content.decode()
    assert anonymous.get("/legal/consultations/not-a-token/slots").status_code == 404
    empty = api_as(w.resident_user).post("/legal/consultations", {"question": ""})
    assert empty.status_code in (400, 422) and Consultation.objects.count() == 1


def test_text_a_database_cannot_store_is_refused_by_field(law_index, legal_world):
    w = legal_world
    with pytest.raises(ValidationError) as exc:
        services.consultation_save(station=w.station, actor=w.resident_user, question="噪音\x00太吵")
    assert "question" in exc.value.message_dict
    c = services.consultation_save(station=w.station, actor=w.resident_user, question=QUESTION)
    with pytest.raises(ValidationError) as exc:
        services.consultation_answer(consultation=c, actor=w.lawyer, answer="先\ud800协商")
    assert "answer" in exc.value.message_dict
    assert Consultation.objects.count() == 1
