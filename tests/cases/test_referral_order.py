"""The liaison's referral page: waiting referrals first (soonest due first), then answered ones, latest first."""

from __future__ import annotations

import datetime as dt

from lianxin.cases.models import Referral
from lianxin.cases.services import referral_reply
from tests.clients import page_text
from tests.conftest import NOW


def test_waiting_referrals_come_first_and_answers_newest_first(world, open_case, client_for):
    day = dt.timedelta(days=1)
    old_answered = open_case(category=world.cat_noise, now=NOW - 400 * day)
    new_answered = open_case(category=world.cat_noise, now=NOW - 3 * day)
    for case in (old_answered, new_answered):
        referral_reply(referral=Referral.objects.get(case=case), actor=world.dept_liaison, reply="已处理")
    later_due = open_case(category=world.cat_noise, now=NOW - day)
    sooner_due = open_case(category=world.cat_noise, now=NOW - 2 * day)

    text = page_text(client_for(world.dept_liaison).get("/cases/referrals/"))
    order = sorted([later_due, sooner_due, new_answered, old_answered], key=lambda c: text.index(c.number))
    assert order == [sooner_due, later_due, new_answered, old_answered]


def test_latest_update_and_reply_read_without_a_dangling_colon(world, open_case, client_for):
    """The update's text sits on its own line, not after an ASCII colon in a Chinese sentence."""
    from lianxin.cases.services import case_note

    case = open_case(actor=world.resident_user, channel="online", category=world.cat_noise, description="广场舞太吵")
    referral_reply(referral=Referral.objects.get(case=case), actor=world.dept_liaison, reply="已责令整改")
    case_note(case=case, actor=world.officer, text="已联系广场管理方", is_public=True)
    mine = page_text(client_for(world.resident_user).get("/cases/mine/"))
    assert '<p class="update">已联系广场管理方</p>' in mine
    referrals = page_text(client_for(world.dept_liaison).get("/cases/referrals/"))
    assert "<br>已责令整改</p>" in referrals and "): 已责令整改" not in referrals
