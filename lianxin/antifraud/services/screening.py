"""A resident's own check: screen a pasted message or a screenshot, and the two taps that follow.

Nothing a resident pastes is kept by `screening_check` (only a count per day, grid and band);
it is kept when they report it or open a case (`resident_pay_alert`, `blacklist_report`).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django_tasks import task

from lianxin.antifraud import adapters
from lianxin.antifraud.models import (
    Band,
    BlacklistEntry,
    Decision,
    EntryStatus,
    FraudLoss,
    Screening,
    ScreeningSource,
    ScreeningTally,
    Screenshot,
    ScreenshotStatus,
    WarningSource,
)
from lianxin.antifraud.services.blacklist import blacklist_match
from lianxin.antifraud.services.common import CATEGORY_CONSULT, CATEGORY_LOSS, desk_category, now_or
from lianxin.cases.models import Case, Channel, Priority, Status
from lianxin.cases.services import case_open
from lianxin.core.models import Station, User
from lianxin.people.models import Resident
from lianxin.places.models import Grid

logger = logging.getLogger("lianxin.antifraud")

MESSAGE_MAX_CHARS = 5000
SCREENSHOT_MAX_BYTES = 10 * 1024 * 1024
SCREENSHOT_MAX_PIXELS = 4000 * 8000
SCREENSHOT_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
SCREENSHOT_KEEP_HOURS = 24
SCREENSHOT_DIR = "antifraud/screenshots"


@dataclass(frozen=True)
class CheckResult:
    """A screened message with its blacklist marks."""

    text: str
    result: adapters.ScreenResult
    hits: list[dict] = field(default_factory=list)

    @property
    def is_high(self) -> bool:
        return self.result.band == "high"


def clean_message(text: str | None, *, field_name: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field_name: [_("Paste the message you received first.")]})
    if len(text) > MESSAGE_MAX_CHARS:
        raise ValidationError(
            {
                field_name: [
                    _("The message is too long: %(n)d characters (at most %(max)d). Paste the suspicious part.")
                    % {"n": len(text), "max": MESSAGE_MAX_CHARS}
                ]
            }
        )
    return text


def _local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)).date()


def _tally(*, station: Station, grid_id: int | None, band: str, now: dt.datetime) -> None:
    day = _local_day(now)
    # grid_id None (a check from outside every grid) matches the tally kept with no grid.
    updated = ScreeningTally.objects.filter(station=station, on=day, grid_id=grid_id, band=band).update(  # type: ignore[misc]
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                ScreeningTally.objects.create(station=station, on=day, grid_id=grid_id, band=band, count=1)
        except IntegrityError:  # another request created it first
            ScreeningTally.objects.filter(station=station, on=day, grid_id=grid_id, band=band).update(  # type: ignore[misc]
                count=F("count") + 1
            )


def screening_check(
    *,
    station: Station,
    text: str | None,
    grid: Grid | None = None,
    count: bool = True,
    now: dt.datetime | None = None,
) -> CheckResult:
    """Screen one message and mark its blacklisted entities; keep nothing but a count.

    Raises ValidationError on `text` (empty, too long), EngineUnavailable if the engine fails.
    """
    now = now_or(now)
    text = clean_message(text)
    result = adapters.screen(text)
    hits = blacklist_match(
        station=station, entities=result.entities, now=now, count_hits=count, grid_id=grid.pk if grid else None
    )
    if count:
        _tally(station=station, grid_id=grid.pk if grid else None, band=result.band, now=now)
    return CheckResult(text=text, result=result, hits=hits)


def screening_keep(
    *,
    station: Station,
    check: CheckResult,
    source: str,
    actor: User | None,
    case: Case | None,
    now: dt.datetime,
) -> Screening:
    """Store a screening result with the engine version (the resident reported it or a case needs it)."""
    r = check.result
    return Screening.objects.create(
        station=station,
        case=case,
        source=source,
        text=check.text,
        is_fraud=r.is_fraud,
        risk=r.risk,
        band=r.band,
        typology=r.typology,
        subtype=r.subtype,
        cues=r.cues,
        entities=r.entities,
        advice=r.advice,
        blacklist_hits=check.hits,
        engine_version=r.engine_version,
        actor=actor if actor is not None and actor.is_authenticated else None,
        screened_at=now,
    )


@dataclass(frozen=True)
class PayAlertResult:
    case: Case
    screening: Screening
    warning_id: int | None
    duty_phone: str


@transaction.atomic
def resident_pay_alert(
    *,
    station: Station,
    actor: User | None,
    text: str | None,
    decision: str,
    contact_name: str = "",
    contact_phone: str = "",
    screenshot: Screenshot | None = None,
    now: dt.datetime | None = None,
) -> PayAlertResult:
    """'I am about to pay' / 'I already paid': open an urgent case, keep the screening, alert a responder.

    About to pay raises a warning dispatched to the resident's grid (antifraud.services.warnings);
    already paid opens the fraud-loss record the stop-payment flow works on. A signed-in
    resident files through the fraud-screening channel; a visitor without an account through
    the online channel (the spine lets only online and Open311 be used anonymously) and must
    leave a phone number so the desk can call back.
    """
    from lianxin.antifraud.roles import duty_phone
    from lianxin.antifraud.services.warnings import warning_raise

    now = now_or(now)
    if decision not in (Decision.ABOUT_TO_PAY, Decision.ALREADY_PAID):
        raise ValidationError({"decision": [_("Say whether you are about to pay or have already paid.")]})
    signed_in = actor is not None and actor.is_authenticated
    resident = Resident.objects.filter(user=actor, station=station).first() if signed_in else None
    if not signed_in and not (contact_phone or "").strip():
        raise ValidationError({"contact_phone": [_("Leave your mobile number so the duty desk can call you.")]})
    check = screening_check(station=station, text=text, grid=resident.grid if resident else None, count=False, now=now)
    if screenshot is not None:
        if screenshot.station_id != station.id:
            raise ValidationError({"screenshot": [_("That screenshot belongs to another station.")]})
    r = check.result
    paid = decision == Decision.ALREADY_PAID
    title = _("Already paid: %(t)s") if paid else _("About to pay: %(t)s")
    # Whoever is signed in (a resident, or staff on someone's behalf) files through fraud screening.
    channel = Channel.FRAUD_SCREENING if signed_in else Channel.ONLINE
    case = case_open(
        station=station,
        actor=actor if signed_in else None,
        channel=channel,
        category=desk_category(station=station, code=CATEGORY_LOSS if paid else CATEGORY_CONSULT),
        title=(title % {"t": r.typology or _("suspicious message")})[:120],
        description=check.text,
        reporter=resident,
        contact_name=(contact_name or "").strip()[:60],
        contact_phone=(contact_phone or "").strip(),
        priority=Priority.URGENT,
        lat=None,
        lon=None,
        now=now,
    )
    screening = screening_keep(
        station=station,
        check=check,
        source=ScreeningSource.SCREENSHOT if screenshot else ScreeningSource.CHECK,
        actor=actor,
        case=case,
        now=now,
    )
    if screenshot is not None:
        Screenshot.objects.filter(pk=screenshot.pk).update(is_kept=True, case=case)
    warning_id = None
    if paid:
        FraudLoss.objects.create(station=station, case=case, resident=resident, reported_at=now)
    else:
        warning = warning_raise(
            station=station,
            actor=None,
            source=WarningSource.SCREENING,
            resident=resident,
            contact_name="" if resident else (contact_name or "").strip()[:60],
            contact_phone="" if resident else (contact_phone or "").strip(),
            risk=_("%(band)s screening, resident says they are about to pay: %(t)s")
            % {"band": Band(r.band).label, "t": r.typology or "-"},
            amount_at_stake_fen=_amount_at_stake(r.entities),
            screening=screening,
            case=case,
            now=now,
        )
        warning_id = warning.pk
    return PayAlertResult(case=case, screening=screening, warning_id=warning_id, duty_phone=duty_phone())


def _amount_at_stake(entities: dict) -> int | None:
    amounts = [a.get("value") for a in entities.get("amounts_fen") or () if isinstance(a.get("value"), int)]
    return max(amounts) if amounts else None


# --- screenshots --------------------------------------------------------------------------------------------


def _screenshot_root() -> Path:
    return Path(settings.DATA_DIR) / SCREENSHOT_DIR


def screenshot_upload(*, station: Station, actor: User | None, upload, now: dt.datetime | None = None) -> Screenshot:
    """Check an uploaded image (a real PNG, JPEG or WebP, at most 10 MB), store it under DATA_DIR, queue OCR.

    The bytes are opened with Pillow: a PDF renamed .png or a text file is refused with a
    message on `image`. Nothing is written if the check fails.
    """
    from PIL import Image, UnidentifiedImageError

    now = now_or(now)
    if upload is None:
        raise ValidationError({"image": [_("Choose a screenshot to upload.")]})
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise ValidationError({"image": [_("The file is empty.")]})
    if size > SCREENSHOT_MAX_BYTES:
        raise ValidationError(
            {"image": [_("The file is too large: %(mb).1f MB (at most 10 MB).") % {"mb": size / 1024 / 1024}]}
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            if width * height > SCREENSHOT_MAX_PIXELS:
                raise ValidationError({"image": [_("The picture is too large in pixels.")]})
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"image": [_("This file is not a picture (PNG, JPEG or WebP screenshot).")]}) from None
    if image_format not in SCREENSHOT_FORMATS:
        raise ValidationError({"image": [_("This file is not a picture (PNG, JPEG or WebP screenshot).")]})
    root = _screenshot_root() / f"{now:%Y%m}"
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{uuid.uuid4().hex}.{image_format.lower()}"
    path.write_bytes(data)
    try:
        with transaction.atomic():
            shot = Screenshot.objects.create(
                station=station,
                path=str(path),
                content_type=SCREENSHOT_FORMATS[image_format],
                size_bytes=len(data),
                width=width,
                height=height,
                uploaded_by=actor if actor is not None and actor.is_authenticated else None,
                uploaded_at=now,
            )
            transaction.on_commit(lambda: _enqueue_ocr(shot.pk))
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return shot


def _enqueue_ocr(pk: int) -> None:
    screenshot_ocr.enqueue(pk)


def screenshot_ocr_run(*, screenshot_id: int, now: dt.datetime | None = None) -> Screenshot | None:
    """Read the text of a queued screenshot (the OCR task's service); claim it first so it runs once."""
    claimed = Screenshot.objects.filter(
        pk=screenshot_id, status__in=[ScreenshotStatus.QUEUED, ScreenshotStatus.FAILED]
    ).update(status=ScreenshotStatus.RUNNING)
    if not claimed:
        return Screenshot.objects.filter(pk=screenshot_id).first()
    shot = Screenshot.objects.get(pk=screenshot_id)
    try:
        found = adapters.ocr_image(shot.path)
    except adapters.EngineUnavailable as exc:
        logger.warning("OCR of screenshot %s failed: %s", shot.pk, exc)
        shot.status = ScreenshotStatus.FAILED
        shot.error = str(exc)[:200]
        shot.finished_at = now_or(None)
        shot.save(update_fields=["status", "error", "finished_at"])
        return shot
    shot.status = ScreenshotStatus.DONE
    shot.text = found.text[:MESSAGE_MAX_CHARS]
    shot.ocr_seconds = found.seconds
    shot.ocr_engine = found.engine
    shot.finished_at = now_or(None)
    shot.save(update_fields=["status", "text", "ocr_seconds", "ocr_engine", "finished_at"])
    return shot


def screenshots_purge(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Delete the screenshots that nothing keeps any more (file and row); a sweep.

    1. Nobody reported or filed it within SCREENSHOT_KEEP_HOURS.
    2. Its case closed longer ago than LIANXIN_RETENTION_CASE_CONTACT_DAYS: the picture goes with
       the case's contact details under the same rule (cases.services.case_contact_retention_sweep).
    3. Kept only as a report's evidence, and no report stands on it any more (the officer
       rejected it, or the entry was deleted), with no case: it goes like an unreported one.
    4. A file under the screenshots folder whose row is gone (its case or station was deleted,
       which deletes the row but cannot remove the file), older than SCREENSHOT_KEEP_HOURS.
    Returns how many pictures were deleted (at most limit rows, then at most limit stray files).
    """
    now = now_or(now)
    unused = Q(is_kept=False, uploaded_at__lt=now - dt.timedelta(hours=SCREENSHOT_KEEP_HOURS))
    retained = Q(
        case__status__in=(Status.CLOSED, Status.REJECTED, Status.MERGED),
        case__closed_at__lt=now - dt.timedelta(days=settings.LIANXIN_RETENTION_CASE_CONTACT_DAYS),
    )
    standing = BlacklistEntry.objects.filter(screenshot__isnull=False).exclude(status=EntryStatus.REJECTED)
    no_report_stands = Q(
        is_kept=True, case__isnull=True, uploaded_at__lt=now - dt.timedelta(hours=SCREENSHOT_KEEP_HOURS)
    ) & ~Q(pk__in=standing.values("screenshot_id"))
    old = list(Screenshot.objects.filter(unused | retained | no_report_stands).order_by("uploaded_at")[:limit])
    for shot in old:
        Path(shot.path).unlink(missing_ok=True)
    Screenshot.objects.filter(pk__in=[s.pk for s in old]).delete()
    return len(old) + _stray_files_purge(before=now - dt.timedelta(hours=SCREENSHOT_KEEP_HOURS), limit=limit)


def _stray_files_purge(*, before: dt.datetime, limit: int) -> int:
    root = _screenshot_root()
    if not root.is_dir():
        return 0
    known = set(Screenshot.objects.values_list("path", flat=True))
    removed = 0
    for path in root.glob("*/*"):
        if removed >= limit:
            break
        if str(path) in known or not path.is_file() or path.stat().st_mtime >= before.timestamp():
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


# The background task of this module (django-tasks), beside the service it runs (OCR never
# runs in the request).
@task()
def screenshot_ocr(screenshot_id: int) -> str:
    """Read the text of one uploaded screenshot; returns its status."""
    shot = screenshot_ocr_run(screenshot_id=screenshot_id)
    return shot.status if shot is not None else "missing"
