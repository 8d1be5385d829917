"""The anti-fraud desk at work: months of screenings, clinic consultations, warnings and campaigns.

Written only through antifraud.services with explicit times. What each role finds:
- the officer (李明辉): a warning from the anti-fraud centre waiting for "I'm going";
- the volunteer (陈淑琴, silver-hair patrol): the 86,000-yuan transfer she talked a neighbour out of;
- the auxiliary / duty desk: a visitor's "about to pay" with no grid (only the desk was alerted) and
  residents' blacklist reports to review;
- the chief: the figures (warnings, dissuaded, amount protected, time to contact, trainings, money held
  and returned);
- the police–bank channel (lianxin.demo.antifraud_bank): the 49,000-yuan drinks-purchase story traced to
  the card farmer two hops away and returned in full, a stop request waiting in the bank liaison's inbox
  today and one the desk sees overdue, and the older losses worked through the banks.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile

from lianxin.antifraud.models import (
    BlacklistEntry,
    BlacklistHit,
    Consultation,
    Decision,
    FraudLoss,
    FraudWarning,
    Outcome,
    Screening,
    ScreeningTally,
    Screenshot,
    WarningSource,
    WarningStep,
)
from lianxin.antifraud.services import (
    blacklist_add,
    blacklist_report,
    campaign_create,
    campaigns_delete_for_station,
    consultation_record,
    resident_pay_alert,
    screening_check,
    warning_acknowledge,
    warning_outcome_record,
    warning_raise,
)
from lianxin.cases.models import Resolution, Status
from lianxin.cases.services import case_transition
from lianxin.core.models import Station
from lianxin.demo import antifraud_bank
from lianxin.demo.base import Demo

HISTORY_DAYS = 150
WARNINGS_IN_HISTORY = 46  # with the 86,000-yuan story: 47 transfers stopped or warned
SCREENINGS_AT_FULL_SCALE = 600
TRAININGS = 28
VIDEO_VIEWS = (212_000, 158_000, 96_000, 41_000)  # about 500,000 in all

SCAM_MESSAGES = (
    "【公安局】您涉嫌一起洗钱案件，请立即将资金转入安全账户配合调查，联系电话 0415-96188123",
    "您好，我是淘宝客服，您购买的商品有质量问题，需要退款，请加QQ 2837465910 并提供银行卡号和验证码",
    "恭喜您被选为刷单兼职，日赚300-500元，先垫付即返佣金，详情加微信 shuadan_vip88",
    "【医保局】您的医保卡已被冻结，请点击 http://ybj-check.top/unlock 办理解冻",
    "妈，我手机掉水里了，这是我新号，急需交培训费两万元，先转到这个卡 6222 0214 0200 1234 567",
    "内部消息，某平台数字货币稳赚不赔，带您投资翻倍，下载app: http://www.coin-profit.vip",
)
PLAIN_MESSAGES = (
    "明天上午九点社区体检，请带好身份证",
    "你好，快递已放在门口，请查收",
    "周六下午广场舞队在江边集合排练",
)
BLACKLIST = (
    ("phone", "0415-96188123", "冒充公检法来电"),
    ("domain", "ybj-check.top", "仿冒医保局网站"),
    ("domain", "coin-profit.vip", "虚假投资平台"),
    ("im", "shuadan_vip88", "刷单返利微信号"),
    ("account", "6222021402001234567", "涉诈收款账户（反诈中心通报）"),
    ("phone", "+86 170 1234 8899", "冒充客服退款"),
)
OUTCOME_MIX = (Outcome.DISSUADED,) * 7 + (Outcome.FALSE_ALARM, Outcome.UNREACHABLE, Outcome.TRANSFERRED)


def reset(station: Station) -> None:
    """Remove the desk's rows of the demo station (they protect residents and users)."""
    WarningStep.objects.filter(warning__station=station).delete()
    antifraud_bank.reset(station)
    FraudLoss.objects.filter(station=station).delete()
    FraudWarning.objects.filter(station=station).delete()
    Consultation.objects.filter(station=station).delete()
    Screening.objects.filter(station=station).delete()
    BlacklistHit.objects.filter(station=station).delete()
    BlacklistEntry.objects.filter(station=station).delete()
    ScreeningTally.objects.filter(station=station).delete()
    Screenshot.objects.filter(station=station).delete()
    campaigns_delete_for_station(station_id=station.pk)


def seed(demo: Demo) -> None:
    if not demo.with_cases:
        return
    u = demo.users
    now = demo.now
    rng = demo.rng
    start = now - dt.timedelta(days=HISTORY_DAYS)
    for kind, value, reason in BLACKLIST:
        blacklist_add(actor=u["auxiliary"], kind=kind, value=value, reason=reason, now=start)
    grid_one = demo.grids[0]
    residents = [r for r in demo.residents if r.grid_id is not None]
    grid_one_residents = [r for r in residents if r.grid_id == grid_one.id and r.user_id is None]

    # 1. Residents' own checks over the months (counted, not kept).
    for _ in range(max(20, int(SCREENINGS_AT_FULL_SCALE * demo.scale))):
        at = start + dt.timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))
        text = rng.choice(SCAM_MESSAGES if rng.random() < 0.55 else PLAIN_MESSAGES)
        screening_check(station=demo.station, text=text, grid=rng.choice(demo.grids), now=at)

    # 2. The clinic at the counter.
    for _ in range(max(6, int(40 * demo.scale))):
        at = start + dt.timedelta(days=rng.randrange(HISTORY_DAYS), hours=rng.randrange(1, 8))
        consultation = consultation_record(
            actor=rng.choice([u["officer"], u["auxiliary"]]),
            resident=rng.choice(residents),
            text=rng.choice(SCAM_MESSAGES),
            decision=rng.choice([Decision.WILL_NOT_PAY] * 4 + [Decision.UNSURE, Decision.NOT_FRAUD]),
            now=at,
        )
        # The follow-up call a day later closes the older ones; the last few days' still wait.
        follow_up_at = at + dt.timedelta(days=1)
        if consultation.case is not None and follow_up_at < now - dt.timedelta(days=3):
            _resolve_if_open(consultation.case, u["auxiliary"], Resolution.ADVICE_GIVEN, follow_up_at)

    # 3. Warnings from banks and the anti-fraud centre, answered by the grids.
    history_losses = []
    for _ in range(WARNINGS_IN_HISTORY):
        at = start + dt.timedelta(days=rng.randrange(HISTORY_DAYS - 2), hours=rng.randrange(0, 12))
        resident = rng.choice(residents)
        amount = rng.choice((5_000, 12_000, 20_000, 30_000, 49_000, 60_000)) * 100
        bank = rng.random() < 0.6
        warning = warning_raise(
            station=demo.station,
            actor=u["bank"] if bank else u["auxiliary"],
            source=WarningSource.BANK_ALERT if bank else WarningSource.CENTRE,
            risk=rng.choice(
                ("银行监测到向涉诈账户大额转账", "反诈中心预警：疑似刷单返利受害人", "反诈中心预警：疑似冒充客服退款")
            ),
            resident=resident,
            amount_at_stake_fen=amount,
            deadline_at=at + dt.timedelta(minutes=60),
            now=at,
        )
        responder = warning.responder or u["auxiliary"]
        ack_at = at + dt.timedelta(minutes=rng.randint(1, 6))
        warning_acknowledge(warning=warning, actor=responder, now=ack_at)
        outcome = rng.choice(OUTCOME_MIX)
        result = warning_outcome_record(
            warning=warning,
            actor=responder,
            outcome=outcome,
            amount_protected_fen=amount if outcome == Outcome.DISSUADED else None,
            amount_lost_fen=amount if outcome == Outcome.TRANSFERRED else None,
            now=ack_at + dt.timedelta(minutes=rng.randint(5, 40)),
        )
        # The desk closes the loop on the older ones: the warning case here; a loss case when its
        # money is back or written off (antifraud_bank works it through the banks).
        later = ack_at + dt.timedelta(hours=2)
        _resolve_if_open(result.warning.case, u["auxiliary"], Resolution.ADVICE_GIVEN, later)
        if result.loss_case is not None:
            history_losses.append(result.loss_case.fraud_loss)

    # 4. The 86,000-yuan story: a bank alert; the square-dance patroller who lives nearby goes.
    story_at = now - dt.timedelta(days=12, hours=3)
    neighbour = grid_one_residents[0] if grid_one_residents else residents[0]
    story = warning_raise(
        station=demo.station,
        actor=u["bank"],
        source=WarningSource.BANK_ALERT,
        risk="银行预警：居民正在柜台向“安全账户”转账 86,000 元（冒充公检法）",
        resident=neighbour,
        amount_at_stake_fen=8_600_000,
        deadline_at=story_at + dt.timedelta(minutes=30),
        responder=u["volunteer"],
        now=story_at,
    )
    warning_acknowledge(warning=story, actor=u["volunteer"], now=story_at + dt.timedelta(minutes=2))
    warning_outcome_record(
        warning=story,
        actor=u["volunteer"],
        outcome=Outcome.DISSUADED,
        amount_protected_fen=8_600_000,
        note="广场舞巡逻队员赶到银行，当面劝阻，老人没有转账",
        now=story_at + dt.timedelta(minutes=11),
    )
    _resolve_if_open(story.case, u["auxiliary"], Resolution.RESOLVED_LOCALLY, story_at + dt.timedelta(hours=1))

    # 5. Waiting now: the centre's warning for a resident of the officer's grid.
    waiting_at = now - dt.timedelta(minutes=3)
    warning_raise(
        station=demo.station,
        actor=u["auxiliary"],
        source=WarningSource.CENTRE,
        risk="反诈中心预警：该居民正在与冒充客服的人通话，可能马上转账",
        resident=grid_one_residents[1] if len(grid_one_residents) > 1 else residents[1],
        amount_at_stake_fen=3_000_000,
        deadline_at=waiting_at + dt.timedelta(minutes=30),
        now=waiting_at,
    )

    # 6. For the duty desk: a visitor's "about to pay" (no grid known) and residents' reports to review.
    resident_pay_alert(
        station=demo.station,
        actor=None,
        text=SCAM_MESSAGES[0],
        decision=Decision.ABOUT_TO_PAY,
        contact_name="游客",
        contact_phone="13700001234",
        now=now - dt.timedelta(minutes=8),
    )
    for kind, value, text in (
        ("phone", "17099887766", "您好我是京东金融客服，您的白条利率过高需要注销，请按提示操作"),
        ("url", "http://loan-fast.xyz/apply", "无抵押秒到账贷款，先交保证金 http://loan-fast.xyz/apply"),
    ):
        blacklist_report(
            station=demo.station, actor=None, kind=kind, value=value, evidence=text, now=now - dt.timedelta(hours=5)
        )

    # 7. The police–bank channel: the older losses, the 49,000-yuan story, today's requests.
    antifraud_bank.seed(demo, history_losses=history_losses)

    # 8. Campaigns: short videos, talks in the grids, trainings for finance staff. The first video
    # plays from its own file (a few seconds made here), the others are links.
    for i, (title, views) in enumerate(
        zip(("识破冒充公检法", "刷单就是诈骗", "银发族防骗指南", "广场舞里学反诈"), VIDEO_VIEWS, strict=True)
    ):
        video = demo_video_file() if i == 0 else None
        campaign_create(
            actor=u["chief"],
            kind="video",
            title=title,
            link="" if video is not None else "https://example.org/videos/antifraud",
            video=video,
            views=views,
            now=start,
        )
    for i, grid in enumerate(demo.grids):
        campaign_create(
            actor=u["officer"],
            kind="talk",
            title=f"{grid.name}反诈宣讲",
            held_on=(start + dt.timedelta(days=10 + i * 12)).date(),
            place=f"{grid.name}活动室",
            attendance=rng.randint(30, 90),
            grid=grid,
            residents_reached=rng.randint(120, 400),
            now=start,
        )
    banks = [p for p in demo.partners.values() if p.kind == "bank"]
    for i in range(TRAININGS):
        held = (start + dt.timedelta(days=int(i * (HISTORY_DAYS - 1) / TRAININGS))).date()
        campaign_create(
            actor=u["chief"],
            kind="training",
            title="金融从业人员反诈培训",
            held_on=held,
            enterprise=banks[i % len(banks)].name if banks else "",
            place="派出所会议室",
            attendance=rng.randint(12, 40),
            materials="识别涉诈转账的十个信号",
            now=start,
        )


DEMO_VIDEO_SECONDS = 4
DEMO_VIDEO_FPS = 12
DEMO_VIDEO_SIZE_PX = (480, 270)


def demo_video_file() -> ContentFile | None:
    """Make a few seconds of WebM (VP8) to play: a card saying "96110 · do not transfer", a bar filling.

    Written with OpenCV, which the OCR package already brings (no new dependency); None if this
    OpenCV cannot write WebM, and the demo's video stays a link.
    """
    try:
        import cv2
        import numpy as np
    except ImportError:
        return None
    width, height = DEMO_VIDEO_SIZE_PX
    frames = DEMO_VIDEO_SECONDS * DEMO_VIDEO_FPS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.webm"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"VP80"), DEMO_VIDEO_FPS, (width, height))
        if not writer.isOpened():
            return None
        for n in range(frames):
            frame = np.full((height, width, 3), (40, 40, 178), np.uint8)  # BGR: the warning red
            cv2.putText(frame, "96110", (110, 130), cv2.FONT_HERSHEY_DUPLEX, 2.6, (255, 255, 255), 4, cv2.LINE_AA)
            cv2.putText(frame, "STOP - DO NOT TRANSFER", (70, 190), cv2.FONT_HERSHEY_DUPLEX, 0.9, (255, 255, 255), 2)
            cv2.rectangle(frame, (40, 225), (40 + (width - 80) * (n + 1) // frames, 240), (255, 255, 255), -1)
            writer.write(frame)
        writer.release()
        data = path.read_bytes() if path.exists() else b""
    return ContentFile(data, name="demo.webm") if data else None


def _resolve_if_open(case, actor, resolution: str, at: dt.datetime) -> None:
    """The desk closes a case the demo story has finished with, if nobody has yet."""
    case.refresh_from_db()
    if case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS):
        case_transition(case=case, actor=actor, to_status=Status.RESOLVED, resolution=resolution, now=at)
