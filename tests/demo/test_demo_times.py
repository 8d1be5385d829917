"""The demo's history happens mostly in local daytime, whatever time of day the seed runs."""

import datetime as dt
import random
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from lianxin.demo.cases import History

LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2026, 11, 28, 17, 45, tzinfo=dt.UTC),  # 01:45 at the station
        dt.datetime(2026, 6, 15, 10, 0, tzinfo=LOCAL),
    ],
)
def test_moments_fall_in_local_daytime_and_before_now(now):
    history = History(SimpleNamespace(rng=random.Random(7), now=now, grids=[], residents=[]))
    moments = [history._moment(0, 730) for _ in range(2000)]
    daytime = sum(7 <= m.astimezone(LOCAL).hour < 21 for m in moments)
    assert daytime / len(moments) > 0.8
    assert max(moments) < now
