"""Enterprise legal check-ups (法治体检): credit codes, the checklist, findings with deadlines, the PDF, micro-classrooms."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from pypdf import PdfReader

from lianxin.legal import checkups
from lianxin.legal.models import CheckUp, Enterprise, Finding, Training
from tests.conftest import NOW

CHECKLIST = [
    {
        "section": "劳动用工",
        "question": "是否与全部员工签订书面劳动合同",
        "answers": [{"label": "全部签订", "risk": "none"}, {"label": "部分未签", "risk": "high"}],
        "fix_hint": "一个月内补签书面劳动合同",
    },
    {
        "section": "合同管理",
        "question": "重要合同是否经法律审核",
        "answers": [
            {"label": "是", "risk": "none"},
            {"label": "偶尔", "risk": "medium"},
            {"label": "否", "risk": "high"},
        ],
    },
    {
        "section": "消防安全",
        "question": "消防设施是否定期检查",
        "answers": [{"label": "是", "risk": "none"}, {"label": "否", "risk": "low"}],
    },
]
VALID_CODE = "9144030071526726XG"


@pytest.fixture
def checklist(legal_world):
    return checkups.checklist_create(actor=legal_world.chief, title="企业法治体检清单", items=CHECKLIST)


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("code", ["9144030071526726XA", "914403007152672", "9144030071526726XGZ", "O144030071526726XG"])
def test_an_invalid_credit_code_names_the_field_and_writes_nothing(legal_world, code):
    with pytest.raises(ValidationError) as exc:
        checkups.enterprise_register(actor=legal_world.lawyer, name="鸭绿江商贸", credit_code=code)
    assert "credit_code" in exc.value.message_dict
    assert not Enterprise.objects.exists()


def test_a_valid_code_registers_once(legal_world):
    assert checkups.credit_code_is_valid("91110000600037341L")
    e = checkups.enterprise_register(actor=legal_world.lawyer, name="鸭绿江商贸", credit_code=VALID_CODE.lower())
    assert e.credit_code == VALID_CODE
    with pytest.raises(ValidationError) as exc:
        checkups.enterprise_register(actor=legal_world.lawyer, name="另一家", credit_code=VALID_CODE)
    assert "credit_code" in exc.value.message_dict
    response = _client(legal_world.lawyer).post("/legal/enterprises/", {"name": "x", "credit_code": "123"})
    assert response.status_code == 400 and Enterprise.objects.count() == 1


def test_a_checkup_turns_risky_answers_into_findings_with_deadlines_and_a_pdf(legal_world, checklist):
    w = legal_world
    e = checkups.enterprise_register(actor=w.lawyer, name="鸭绿江商贸有限公司", credit_code=VALID_CODE)
    response = _client(w.lawyer).post(
        f"/legal/enterprises/{e.pk}/",
        {"checklist": checklist.pk, "checked_on": "2026-06-15", "q0": "1", "q1": "1", "q2": "0"},
    )
    checkup = CheckUp.objects.get()
    assert response.status_code == 302
    findings = {f.question: f for f in checkup.findings.all()}
    assert set(findings) == {"是否与全部员工签订书面劳动合同", "重要合同是否经法律审核"}
    assert findings["是否与全部员工签订书面劳动合同"].fix_due_on == dt.date(2026, 6, 30)  # high: 15 days
    assert findings["重要合同是否经法律审核"].fix_due_on == dt.date(2026, 7, 15)  # medium: 30 days
    pdf = _client(w.lawyer).get(f"/legal/checkups/{checkup.pk}.pdf").content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "鸭绿江商贸有限公司" in text and "企业法治体检报告" in text and "2026-06-30" in text


def test_a_missing_answer_names_the_question_and_writes_nothing(legal_world, checklist):
    w = legal_world
    e = checkups.enterprise_register(actor=w.lawyer, name="商贸", credit_code=VALID_CODE)
    with pytest.raises(ValidationError) as exc:
        checkups.checkup_record(
            actor=w.lawyer, enterprise=e, checklist=checklist, answers={0: 0}, checked_on=NOW.date()
        )
    assert "answers" in exc.value.message_dict
    assert not CheckUp.objects.exists() and not Finding.objects.exists()


def test_findings_are_fixed_and_a_recheck_points_back(legal_world, checklist):
    w = legal_world
    e = checkups.enterprise_register(actor=w.lawyer, name="商贸", credit_code=VALID_CODE)
    first = checkups.checkup_record(
        actor=w.lawyer, enterprise=e, checklist=checklist, answers={0: 1, 1: 0, 2: 0}, checked_on=NOW.date()
    )
    finding = first.findings.get()
    with pytest.raises(ValidationError):
        checkups.finding_fix(actor=w.lawyer, finding=finding, note="")
    checkups.finding_fix(actor=w.lawyer, finding=finding, note="已补签全部劳动合同", now=NOW)
    again = checkups.checkup_record(
        actor=w.lawyer,
        enterprise=e,
        checklist=checklist,
        answers={0: 0, 1: 0, 2: 0},
        checked_on=NOW.date() + dt.timedelta(days=30),
        previous=first,
    )
    assert again.previous == first and not again.findings.exists()
    from lianxin.legal.metrics import findings_fixed

    assert (
        findings_fixed(station=w.station, start=NOW - dt.timedelta(days=1), end=NOW + dt.timedelta(days=1)).numerator
        == 1
    )


def test_a_bad_checklist_is_refused(legal_world):
    with pytest.raises(ValidationError) as exc:
        checkups.checklist_create(
            actor=legal_world.chief,
            title="x",
            items=[{"section": "a", "question": "b", "answers": [{"label": "c", "risk": "huge"}]}],
        )
    assert "items" in exc.value.message_dict


def test_micro_classroom_with_enterprises_and_attendance(legal_world):
    w = legal_world
    e = checkups.enterprise_register(actor=w.lawyer, name="商贸", credit_code=VALID_CODE)
    response = _client(w.lawyer).post(
        "/legal/trainings/",
        {
            "topic": "劳动合同风险防范",
            "place": "派出所会议室",
            "held_at": "2026-06-20T15:00",
            "attendance": "23",
            "enterprises": [e.pk],
        },
    )
    t = Training.objects.get()
    assert response.status_code == 302 and t.attendance == 23 and list(t.enterprises.all()) == [e]
    bad = _client(w.lawyer).post("/legal/trainings/", {"topic": "", "place": "", "held_at": "x"})
    assert bad.status_code == 400 and Training.objects.count() == 1


def test_roles_and_other_stations(legal_world, checklist):
    w = legal_world
    with pytest.raises(PermissionDenied):
        checkups.enterprise_register(actor=w.resident_user, name="x", credit_code=VALID_CODE)
    e = checkups.enterprise_register(actor=w.lawyer, name="商贸", credit_code=VALID_CODE)
    assert _client(w.b.officer).get(f"/legal/enterprises/{e.pk}/").status_code == 404
    assert _client(w.resident_user).get("/legal/enterprises/").status_code == 403


def test_an_enterprise_phone_is_masked_and_a_whole_view_is_audited(legal_world):
    from lianxin.core.models import AuditEntry

    e = checkups.enterprise_register(
        actor=legal_world.lawyer, name="鸭绿江商贸", credit_code=VALID_CODE, contact_phone="13812345678"
    )
    registry = _client(legal_world.registry)
    page = registry.get(f"/legal/enterprises/{e.pk}/").content.decode()
    assert "13812345678" not in page and "138****5678" in page and "enterprise-reveal" in page

    no_reason = registry.post(f"/legal/enterprises/{e.pk}/phone/", {"reason": ""})
    assert no_reason.status_code == 400 and "13812345678" not in no_reason.content.decode()
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()

    shown = registry.post(f"/legal/enterprises/{e.pk}/phone/", {"reason": "call_back"})
    assert shown.status_code == 200 and "tel:13812345678" in shown.content.decode()
    audit = AuditEntry.objects.get(action="pii_reveal")
    assert (audit.actor, audit.field, audit.target_id) == (legal_world.registry, "contact_phone", str(e.pk))

    lawyer = _client(legal_world.lawyer)  # sees the number masked, may not see it whole
    assert "enterprise-reveal" not in lawyer.get(f"/legal/enterprises/{e.pk}/").content.decode()
    assert lawyer.post(f"/legal/enterprises/{e.pk}/phone/", {"reason": "call_back"}).status_code == 403
    other = _client(legal_world.b.officer)
    assert other.post(f"/legal/enterprises/{e.pk}/phone/", {"reason": "call_back"}).status_code == 404
    assert AuditEntry.objects.filter(action="pii_reveal").count() == 1
