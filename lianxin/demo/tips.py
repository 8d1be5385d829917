"""The demo station's safety lookouts at work: two months of tips (named and anonymous) from the grids, most
looked into and assessed, some that led to action, a thread where the officer asked and the lookout answered,
and today a tip waiting in the first grid's inbox.

The 1+N network: a property office, a gas-meter route and a market's shops in the first grids, each with
lookouts and their beats (buildings, whole grids, an area; the meter readers' route days), so the coverage
map shows grids watched, partly watched and the two inland grids with nobody.

What each role finds:
- the lookout (张海波): their tips with what became of each, one with an officer's question to answer and
  a photo (drawn with Pillow at seed time, stored re-encoded without EXIF);
- an officer or the station chief: the network's posts and beats, the coverage map with its gaps;
- the officer (李明辉, grid 1): today's anonymous tip about a family quarrel waiting, and its thread;
- anyone with the published demo receipt code DEMO_RECEIPT_CODE: that anonymous tip's thread;
- the lookout and the officer: an appeal about a missing elder near 浪头 market (grid 1) with the lookout's reply.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from shapely.geometry import Point, shape

from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.demo.base import Demo
from lianxin.places.models import Building
from lianxin.tips.appeals import appeal_send, appeal_write
from lianxin.tips.models import PostKind, TipKind, TipOutcome
from lianxin.tips.posts import beat_save, trade_post_save
from lianxin.tips.services import (
    tip_outcome_set,
    tip_send,
    tip_source_write,
    tip_station_write,
    tips_delete_for_station,
)

DAYS = 60
TIPS_AT_FULL_SCALE = 90
# Published in the demo's README: the anonymous tip of today can be followed with it.
DEMO_RECEIPT_CODE = "DEMO-TIPS-2026-0001"
TEXTS = {
    TipKind.SUSPICIOUS: ("有两个陌生人挨家挨户敲门，说是查燃气的，但没有工作证", "小区地下车库有人半夜撬电动车锁"),
    TipKind.MOVING: ("302 新搬来一伙年轻人，白天不出门，晚上很多人进出", "出租屋里住进了七八个人，像是在做网络兼职"),
    TipKind.FAMILY_DISPUTE: ("楼上夫妻吵得很凶，有摔东西的声音，孩子在哭", "老两口和儿子因为房子的事又吵起来了"),
    TipKind.ELDER: ("独居的王大爷两天没开门，报纸堆在门口", "一位老人每天被人接去听课，回来就买很贵的保健品"),
    TipKind.FRAUD: ("店里一位阿姨正在按电话里的人说的往“安全账户”转钱", "有人冒充银行客服让老人在手机上下载会议软件"),
    TipKind.HAZARD: ("楼道里堆满纸箱和旧家具，消防通道堵死了", "燃气表读数异常，屋里有煤气味，没人应门"),
}
OUTCOME_WEIGHTS = ((TipOutcome.CONFIRMED, 0.35), (TipOutcome.USEFUL, 0.35), (TipOutcome.UNFOUNDED, 0.15))
ANONYMOUS_SHARE = 0.2


def reset(station) -> None:
    tips_delete_for_station(station=station)


def _point_in(demo: Demo, grid) -> tuple[float, float]:
    polygon = shape(grid.boundary)
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(50):
        lon, lat = demo.rng.uniform(minx, maxx), demo.rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return lat, lon
    here = polygon.representative_point()
    return here.y, here.x


def _moment(demo: Demo, days_ago: float) -> dt.datetime:
    at = demo.now - dt.timedelta(days=days_ago)
    # Tips come in the daytime: 08:00–20:00 in the station's zone (UTC+8).
    return at.replace(hour=demo.rng.randint(0, 12), minute=demo.rng.randint(0, 59))


def _work(demo: Demo, tip, *, at: dt.datetime) -> None:
    """Work a tip's case as its grid officer would: accept, resolve, and say what the tip was worth."""
    case = tip.case
    officer = demo.chiefs.get(case.grid_id) if case.grid_id else demo.users["auxiliary"]
    officer = officer or demo.users["auxiliary"]
    roll = demo.rng.random()
    outcome = TipOutcome.PENDING
    cumulative = 0.0
    for value, weight in OUTCOME_WEIGHTS:
        cumulative += weight
        if roll < cumulative:
            outcome = value
            break
    done_at = min(at + dt.timedelta(hours=demo.rng.randint(2, 48)), demo.now - dt.timedelta(hours=1))
    case_transition(case=case, actor=officer, to_status=Status.ACCEPTED, now=at + dt.timedelta(minutes=30))
    resolution = Resolution.NO_ACTION_NEEDED if outcome == TipOutcome.UNFOUNDED else Resolution.RESOLVED_LOCALLY
    case_transition(case=case, actor=officer, to_status=Status.RESOLVED, resolution=resolution, now=done_at)
    if outcome != TipOutcome.PENDING:
        tip_outcome_set(tip=tip, actor=officer, outcome=outcome, now=done_at)


def _square_around(lat: float, lon: float, half_deg: float) -> dict:
    ring = [
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
        [lon - half_deg, lat - half_deg],
    ]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _network(demo: Demo) -> None:
    """Trade posts and beats in grids 1–6 (grids 7 and 8 left with nobody: the map's gaps), through tips.posts."""
    u, grids = demo.users, demo.grids
    chief = u["chief"]
    by_grid = {g.pk: list(Building.objects.filter(grid=g).order_by("name")) for g in grids}
    per_grid = [demo.lookouts[1 + i :: len(grids)] for i in range(len(grids))]

    def centre(grid) -> tuple[float, float]:
        here = shape(grid.boundary).representative_point()
        return round(here.y, 6), round(here.x, 6)

    # 1. A property office per grid 1–4: two lookouts, each watching half of the grid's buildings every day.
    for i, grid in enumerate(grids[:4]):
        lat, lon = centre(grid)
        staff = per_grid[i][:2]
        post = trade_post_save(
            actor=chief,
            station=demo.station,
            kind=PostKind.PROPERTY_OFFICE,
            name=f"{grid.name.removesuffix('网格')}物业服务中心",
            lat=lat,
            lon=lon,
            lookouts=staff,
        )
        buildings = by_grid[grid.pk]
        # Grid 4's office covers only its first half: the map shows it partly watched.
        halves = [buildings[0::2], buildings[1::2]] if i < 3 else [buildings[: len(buildings) // 4]] * 2
        for lookout, part in zip(staff, halves, strict=True):
            beat_save(actor=chief, post=post, lookout=lookout, building_ids=[b.pk for b in part], note="物业巡楼")
    # 2. The gas-meter route through grids 1–3 and 5: the demo lookout reads meters on Tuesdays and
    # Thursdays and on the 15th; a colleague takes grid 5 on the 5th and the 20th.
    g1 = grids[0]
    lat, lon = centre(g1)
    readers = [u["lookout"], per_grid[4][0]]
    route = trade_post_save(
        actor=chief,
        station=demo.station,
        kind=PostKind.GAS_METER_ROUTE,
        name="燃气抄表东线",
        lat=lat + 0.001,
        lon=lon + 0.001,
        lookouts=readers,
    )
    beat_save(
        actor=chief,
        post=route,
        lookout=readers[0],
        grid_ids=[g.pk for g in grids[:3]],
        weekdays=[2, 4],
        month_days="15",
        note="抄表路线：浪头、江沿、滨江",
    )
    beat_save(actor=chief, post=route, lookout=readers[1], grid_ids=[grids[4].pk], month_days="5,20", note="帽盔片抄表")
    # 3. The morning market's shops in grid 6: an area around the market, watched every morning.
    grid6 = grids[5]
    lat, lon = centre(grid6)
    shopkeepers = per_grid[5][:3]
    market = trade_post_save(
        actor=chief,
        station=demo.station,
        kind=PostKind.SHOP,
        name="六道口市场商户联防点",
        lat=lat,
        lon=lon,
        lookouts=shopkeepers,
    )
    for n, lookout in enumerate(shopkeepers):
        beat_save(
            actor=chief,
            post=market,
            lookout=lookout,
            area=_square_around(lat, lon, 0.002 + 0.001 * n),
            weekdays=[1, 2, 3, 4, 5, 6, 7],
            note="早市时段",
        )


def _demo_photo() -> SimpleUploadedFile:
    """Draw a small street scene (a van, boxes) as a phone would send it, EXIF and all; the seed strips it."""
    image = Image.new("RGB", (640, 480), (180, 200, 215))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(90, 90, 95))
    draw.rectangle((60, 120, 300, 330), fill=(205, 190, 160))
    draw.rectangle((340, 220, 560, 330), fill=(240, 240, 240))
    draw.rectangle((500, 250, 600, 330), fill=(220, 220, 225))
    for x in (370, 520):
        draw.ellipse((x, 310, x + 44, 354), fill=(30, 30, 30))
    for x, y in ((90, 290), (150, 290), (120, 250)):
        draw.rectangle((x, y, x + 50, y + 40), fill=(160, 110, 60), outline=(90, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"  # Make
    exif[0x0132] = "2026:12:02 21:14:00"  # DateTime
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, exif=exif.tobytes())
    return SimpleUploadedFile("IMG_20261202_211400.jpg", out.getvalue(), content_type="image/jpeg")


def seed(demo: Demo) -> None:
    _network(demo)
    if not demo.with_cases:
        return
    rng = demo.rng
    lookouts = demo.lookouts
    count = max(12, round(TIPS_AT_FULL_SCALE * demo.scale))
    kinds = list(TEXTS)
    for n in range(count):
        days_ago = DAYS * (count - n) / count + 1
        at = _moment(demo, days_ago)
        grid = demo.grids[n % len(demo.grids)]
        kind = rng.choice(kinds)
        lat, lon = _point_in(demo, grid)
        anonymous = rng.random() < ANONYMOUS_SHARE
        source = demo.users["lookout"] if n % 9 == 0 else rng.choice(lookouts)
        tip, _code = tip_send(
            station=demo.station,
            actor=None if anonymous else source,
            kind=kind,
            description=rng.choice(TEXTS[kind]),
            lat=lat,
            lon=lon,
            is_anonymous=anonymous,
            now=at,
        )
        if days_ago > 1.5:
            _work(demo, tip, at=at)
    # The demo lookout's open tip, with the officer's question waiting for an answer.
    u = demo.users
    grid1 = demo.grids[0]
    lat, lon = _point_in(demo, grid1)
    asked, _code = tip_send(
        station=demo.station,
        actor=u["lookout"],
        kind=TipKind.MOVING,
        description="浪头路 16 号 3 单元新搬来几个人，车里搬下来很多手机和银行卡",
        lat=lat,
        lon=lon,
        photos=[_demo_photo()],
        now=demo.now - dt.timedelta(hours=20),
    )
    tip_station_write(
        tip=asked, actor=u["officer"], text="谢谢！大概几个人？车牌记得吗？", now=demo.now - dt.timedelta(hours=18)
    )
    # Today's anonymous tip in grid 1, with the published demo code, waiting for the officer.
    lat, lon = _point_in(demo, grid1)
    waiting, _code = tip_send(
        station=demo.station,
        actor=None,
        kind=TipKind.FAMILY_DISPUTE,
        description="楼上夫妻又在吵架，听到东西摔碎和孩子哭，已经半个小时了",
        lat=lat,
        lon=lon,
        is_anonymous=True,
        receipt_code=DEMO_RECEIPT_CODE,
        now=demo.now - dt.timedelta(hours=2),
    )
    tip_station_write(
        tip=waiting, actor=u["officer"], text="现在还在吵吗？是几号楼几单元？", now=demo.now - dt.timedelta(hours=1)
    )
    tip_source_write(tip=waiting, text="7 号楼 2 单元 5 楼，现在安静些了", now=demo.now - dt.timedelta(minutes=40))
    _appeal(demo)


def _appeal(demo: Demo) -> None:
    """An appeal to the lookouts around 浪头 market (grid 1), sent an hour ago, with the demo lookout's reply."""
    u, grid1 = demo.users, demo.grids[0]
    here = shape(grid1.boundary).representative_point()
    appeal = appeal_send(
        actor=u["officer"],
        text="浪头市场附近有位老人走失：男，78 岁，灰色外套，拄拐杖，下午 14:00 最后出现在市场东门。看到请回复。",
        lat=round(here.y, 6),
        lon=round(here.x, 6),
        radius_m=400,
        expires_at=demo.now + dt.timedelta(hours=11),
        now=demo.now - dt.timedelta(hours=1),
    )
    replier = appeal.recipients.filter(pk=u["lookout"].pk).first() or appeal.recipients.order_by("id").first()
    if replier is None:  # appeal_send refuses an area nobody covers
        return
    appeal_write(
        appeal=appeal,
        actor=replier,
        text="14:30 左右在江沿路公交站见过一位拄拐的老人，往滨江方向走了",
        now=demo.now - dt.timedelta(minutes=30),
    )
