"""A lookout's "Report something" (我要上报) is a tip: the spine's report form sends them to the tips form."""

from __future__ import annotations

from lianxin.cases.models import Case, Channel
from lianxin.core.models import Role
from lianxin.core.plugins import menu_for, report_page
from lianxin.tips.models import Tip


def test_the_spine_report_form_sends_a_lookout_to_the_tips_form(world, login):
    assert report_page(Role.LOOKOUT) == "tips:home" and report_page(Role.VOLUNTEER) == ""
    lookout = login(world.lookout)
    assert lookout.get("/cases/new/")["Location"] == "/tips/"
    posted = lookout.post("/cases/new/", {"description": "有人撬锁", "category": world.cat_fight.pk})
    assert posted.status_code == 302 and posted["Location"] == "/tips/"
    assert not Case.objects.exists()
    # The lookout's menu has one "Report something", and it is the tips form; a volunteer keeps the spine's.
    entries = [e.url_name for e in menu_for(world.lookout)]
    assert "tips:home" in entries and "cases:file" not in entries
    assert "cases:file" in [e.url_name for e in menu_for(world.volunteer)]
    sent = lookout.post(
        "/tips/send/",
        {"kind": "suspicious", "description": "有人撬锁", "lat": world.in_grid1[0], "lon": world.in_grid1[1]},
    )
    tip = Tip.objects.get()
    assert sent.status_code == 302 and tip.source_user == world.lookout
    assert tip.case.channel == Channel.LOOKOUT_TIP and tip.case.grid == world.grid1
