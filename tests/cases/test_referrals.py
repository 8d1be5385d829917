"""The department liaison's page: referrals to my department and the reply form."""

from __future__ import annotations

from django.urls import reverse

from lianxin.cases.models import EventKind, Referral
from tests.clients import page_text


def test_liaison_sees_own_department_referrals_and_replies(world, open_case, client_for):
    case = open_case(category=world.cat_noise, description="夜间施工噪声")
    client = client_for(world.dept_liaison)
    text = page_text(client.get(reverse("cases:referrals")))
    assert case.number in text and "夜间施工噪声" in text
    referral = Referral.objects.get(case=case)
    response = client.post(
        reverse("cases:referral_reply", args=[referral.pk]), {"reply": "已责令夜间停工"}, follow=True
    )
    referral.refresh_from_db()
    assert (referral.state, referral.reply, referral.replied_by) == ("replied", "已责令夜间停工", world.dept_liaison)
    assert case.events.filter(kind=EventKind.REFERRAL_REPLY, text="已责令夜间停工", is_public=True).exists()
    assert "msg success" in page_text(response)
    again = client.post(reverse("cases:referral_reply", args=[referral.pk]), {"reply": "再答一次"}, follow=True)
    assert Referral.objects.get(pk=referral.pk).reply == "已责令夜间停工" and "msg error" in page_text(again)


def test_empty_reply_is_a_message(world, open_case, client_for):
    open_case(category=world.cat_noise)
    referral = Referral.objects.get()
    response = client_for(world.dept_liaison).post(
        reverse("cases:referral_reply", args=[referral.pk]), {"reply": ""}, follow=True
    )
    assert Referral.objects.get().state == "sent" and "msg error" in page_text(response)


def test_other_station_liaison_gets_404(world, open_case, client_for):
    open_case(category=world.cat_noise)
    referral = Referral.objects.get()
    client = client_for(world.b.dept_liaison)
    assert referral.case.number not in page_text(client.get(reverse("cases:referrals")))
    response = client.post(reverse("cases:referral_reply", args=[referral.pk]), {"reply": "越权答复"})
    assert response.status_code == 404 and Referral.objects.get().state == "sent"


def test_bank_liaison_sees_no_referrals(world, open_case, client_for):
    case = open_case(category=world.cat_noise)
    assert case.number not in page_text(client_for(world.bank_liaison).get(reverse("cases:referrals")))
