"""Writes of the core app: stations, partners and users, audit rows, audited reveals of personal data, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import pgtrigger
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.models import ApiToken, AuditEntry, Partner, Station, User
from lianxin.core.pii import KIND_ID_CARD, PersonalData
from lianxin.core.roles import AUDIT_READER_ROLES, has_role, may_see_masked, may_see_whole

logger = logging.getLogger("lianxin.core")

API_TOKEN_BYTES = 24
# A token's last_used_at is written at most this often (each write would take the database's write lock).
TOKEN_STAMP_SECONDS = 60
# The advisory lock that serialises audit-chain writers on PostgreSQL (any constant 64-bit number).
AUDIT_CHAIN_LOCK_ID = 7_266_213_001


def station_create(
    *, code: str, name: str, address: str = "", center_lat: float = 0.0, center_lon: float = 0.0
) -> Station:
    """Create a station (the top of every scope); centre in WGS84 degrees."""
    return Station.objects.create(code=code, name=name, address=address, center_lat=center_lat, center_lon=center_lon)


def partner_create(
    *, station: Station, kind: str, code: str, name: str, reply_hours: int, contact: str = ""
) -> Partner:
    """Create a partner (department, bank, law firm) of a station; reply_hours is its reply window."""
    return Partner.objects.create(
        station=station, kind=kind, code=code, name=name, reply_hours=reply_hours, contact=contact
    )


def users_create(*, station: Station, users: list[User]) -> list[User]:
    """Save new (unsaved) users of one station in one statement; raises ValueError for another station's user.

    Passwords must already be hashed or unusable: this is the bulk path of a seed or an import.
    """
    if any(user.pk is not None or user.station_id != station.id for user in users):
        raise ValueError("users_create takes new users of this station only")
    return User.objects.bulk_create(users)


@transaction.atomic
def station_delete(*, station: Station) -> None:
    """Delete a station's audit rows, users and the station itself (what hangs off users goes first: callers)."""
    with pgtrigger.ignore("core.AuditEntry:audit_append_only"):
        AuditEntry.objects.filter(station=station).delete()
    User.objects.filter(station=station).delete()
    station.delete()


def audit_record(
    *,
    actor: User | None,
    action: str,
    target=None,
    field: str = "",
    detail: str = "",
    now: dt.datetime | None = None,
    target_type: str = "",
    target_id: str = "",
    station_id: int | None = None,
) -> AuditEntry:
    """Append one audit row about target (any model instance), chained to the row before it.

    The chain is one sequence for the whole site: writers take a lock (an advisory lock on
    PostgreSQL; SQLite's write transaction is already exclusive), read the last row's hash
    and store it as prev_hash with this row's own hash (AuditEntry.compute_hash).
    """
    station_id = station_id or getattr(target, "station_id", None) or getattr(actor, "station_id", None)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK_ID])
        last = AuditEntry.objects.order_by("-id").values_list("row_hash", flat=True).first()
        entry = AuditEntry(
            station_id=station_id,
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            target_type=target._meta.model_name if target is not None else target_type,
            target_id=str(target.pk) if target is not None else target_id,
            field=field,
            detail=detail[:200],
            at=now or timezone.now(),
            prev_hash=last or "",
        )
        entry.row_hash = entry.compute_hash()
        entry.save(force_insert=True)
    return entry


def audit_verify() -> tuple[int, list[str]]:
    """Walk the audit chain oldest first; return (rows checked, problems found).

    A row is sound when its hash matches its fields and its prev_hash is the hash of the row
    before it. The oldest row left may point at a row that retention deleted: that link is
    the chain's anchor and is not checked.
    """
    problems: list[str] = []
    previous: str | None = None
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        checked += 1
        if entry.row_hash != entry.compute_hash():
            problems.append(f"row {entry.pk}: its fields do not match its hash (changed after it was written)")
        if previous is not None and entry.prev_hash != previous:
            problems.append(f"row {entry.pk}: does not follow the row before it (a row was removed or inserted)")
        previous = entry.row_hash
    return checked, problems


# Why a whole number is looked at: one of these codes, or a few words of the viewer's own.
REVEAL_REASONS = (
    ("call_back", gettext_lazy("Call the person back")),
    ("verify_identity", gettext_lazy("Check the person's identity")),
    ("home_visit", gettext_lazy("Visit at home")),
    ("department", gettext_lazy("A department needs it for the referral")),
    ("emergency", gettext_lazy("Emergency: the person may be in danger")),
)
REVEAL_REASON_MAX_CHARS = 100


def reveal_reason_text(reason: str) -> str:
    """Return the reason as stored on the audit row (a code's label, or the words given).

    Raises ValidationError naming `reason` when it is empty or too long.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you need the whole number.")]})
    if len(reason) > REVEAL_REASON_MAX_CHARS:
        raise ValidationError({"reason": [_("At most %(n)d characters, please.") % {"n": REVEAL_REASON_MAX_CHARS}]})
    return str(dict(REVEAL_REASONS).get(reason, reason))


def personal_data_reveal(*, actor: User, target, field: str, reason: str, now: dt.datetime | None = None) -> str:
    """Return the whole value of target.<field> for actor and write the audit row with the reason.

    Raises PermissionDenied if actor's role may not see whole values of that kind, and
    ValidationError (naming `reason`) without a reason. Returns "" when the field is empty
    (nothing is revealed, nothing audited).
    """
    value = getattr(target, field)
    if not value:
        return ""
    if not isinstance(value, PersonalData):
        raise ValueError(f"{field} is not a personal-data field")
    if not may_see_whole(actor, value.kind):
        raise PermissionDenied(_("Your role may not see whole personal data of this kind."))
    why = reveal_reason_text(reason)
    _reveal_limit_check(actor=actor, now=now)
    audit_record(actor=actor, action="pii_reveal", target=target, field=field, detail=why, now=now)
    return value.reveal()


def text_numbers_reveal(*, actor: User, target, field: str, reason: str, now: dt.datetime | None = None) -> str:
    """Return free text target.<field> whole, with the personal numbers typed into it, and audit it.

    The viewer must be allowed whole values of every kind of number in the text (a bank card
    counts as an ID number); PermissionDenied otherwise. Text without such numbers is
    returned as it is, unaudited.
    """
    from lianxin.core.textmask import KIND_CARD, kinds_in

    text = getattr(target, field) or ""
    kinds = kinds_in(text)
    if not kinds:
        return text
    for kind in kinds:
        if not may_see_whole(actor, KIND_ID_CARD if kind == KIND_CARD else kind):
            raise PermissionDenied(_("Your role may not see whole personal data of this kind."))
    why = reveal_reason_text(reason)
    _reveal_limit_check(actor=actor, now=now)
    audit_record(actor=actor, action="pii_reveal", target=target, field=field, detail=why, now=now)
    return text


def _reveal_limit_check(*, actor: User, now: dt.datetime | None) -> None:
    """Refuse a reveal over the user's hourly limit (nothing shown, nothing audited as shown).

    The first reveal past the bulk threshold raises an alert to the station chief: an audit
    row `bulk_reveal_alert` (the audit log's bulk-reveal view) and a live notice.
    """
    from lianxin.core.live import live_publish
    from lianxin.core.ratelimit import rate_limited

    limit, _window = settings.LIANXIN_RATE_LIMITS["reveal"]
    over = rate_limited(scope="reveal", key=f"user:{actor.pk}")
    alert_key = f"lianxin:reveal-alert:{actor.pk}:{int(timezone.now().timestamp() // 3600)}"
    if over and cache.add(alert_key, 1, timeout=3600):
        audit_record(
            actor=actor,
            action="bulk_reveal_alert",
            target=actor,
            field="pii",
            detail=f"more than {limit} whole numbers within an hour",
            now=now,
        )
        if actor.station_id:
            live_publish(
                topic=f"role:{actor.station_id}:station_chief",
                kind="bulk_reveal",
                data={"user": str(actor), "limit": limit},
            )
    if over:
        raise PermissionDenied(
            _("You have seen more than %(n)d whole numbers within an hour; the station chief has been told.")
            % {"n": limit}
        )


def personal_data_display(*, viewer: User, value: PersonalData | None) -> str:
    """Return what viewer may see of value in a list: masked, or nothing at all."""
    if not value:
        return ""
    return value.masked if may_see_masked(viewer, value.kind) else ""


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for user and return it with the secret key, shown only this once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name.")]})
    key = secrets.token_urlsafe(API_TOKEN_BYTES)
    token = ApiToken.objects.create(user=user, name=name[:60], key_digest=api_token_digest(key), prefix=key[:8])
    return token, key


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def last_used_stamp(row, *, now: dt.datetime, every_seconds: int, label: str) -> None:
    """Stamp row's last_used_at with now, at most once every every_seconds (one conditional UPDATE).

    A read (an API call, a calendar's poll) must not wait on or fail for this write: a row stamped
    recently is left alone, and a database that is busy (SQLite's write lock held) skips the stamp.
    """
    stale_before = now - dt.timedelta(seconds=every_seconds)
    if row.last_used_at is not None and row.last_used_at >= stale_before:
        return
    try:
        with transaction.atomic():
            type(row).objects.filter(pk=row.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before)
            ).update(last_used_at=now)
    except OperationalError:
        logger.info("%s: last_used_at not stamped (database busy)", label)


def api_token_authenticate(*, key: str, now: dt.datetime | None = None) -> User | None:
    """Return the active user owning key, or None; stamps last_used_at at most once a minute.

    A read-only API call must not wait on (or fail for) a write: the stamp is one conditional
    UPDATE that only a token unstamped for TOKEN_STAMP_SECONDS makes, and a database that is
    busy (SQLite's write lock held) skips it rather than failing the request.
    """
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_digest=api_token_digest(key), is_active=True).first()
    if token is None or not token.user.is_active:
        return None
    last_used_stamp(
        token, now=now or timezone.now(), every_seconds=TOKEN_STAMP_SECONDS, label=f"api token {token.prefix}"
    )
    return token.user


def totp_device_for(*, user: User):
    """Return (the user's TOTP device, whether it still needs setting up); makes an unconfirmed one if none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        return confirmed, False
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device, True


def totp_qr_svg(device) -> str:
    """Return the device's otpauth:// address as an inline SVG QR code (for an authenticator app)."""
    import segno

    return segno.make(device.config_url, error="m").svg_inline(scale=5)


def lockout_unlock(*, actor: User, username: str) -> int:
    """Lift the sign-in lockout of an account of the actor's station (station chief); audited."""
    from axes.utils import reset

    if not has_role(actor, AUDIT_READER_ROLES):
        raise PermissionDenied(_("Only the station chief may unlock accounts."))
    target = User.objects.filter(username=username).first()
    if target is not None and not actor.is_superuser and target.station_id != actor.station_id:
        raise PermissionDenied(_("That account belongs to another station."))
    count = reset(username=username)
    if target is not None:
        audit_record(actor=actor, action="unlock", target=target, field="login")
    return count


# The audit log is kept at least six months, whatever the setting says (PIPL and the station's own rules).
AUDIT_RETENTION_MIN_DAYS = 183


def audit_retention_days() -> int:
    return max(int(settings.LIANXIN_AUDIT_RETENTION_DAYS), AUDIT_RETENTION_MIN_DAYS)


def audit_retention_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Delete up to limit audit rows older than the retention period, oldest first; audit the deletion.

    The rows left keep their chain: the oldest remaining row's link becomes the anchor.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=audit_retention_days())
    ids = list(AuditEntry.objects.filter(at__lt=cutoff).order_by("id").values_list("id", flat=True)[:limit])
    if not ids:
        return 0
    with transaction.atomic(), pgtrigger.ignore("core.AuditEntry:audit_append_only"):
        AuditEntry.objects.filter(id__in=ids).delete()
    audit_record(
        actor=None,
        action="retention_delete",
        target_type="auditentry",
        target_id=f"{ids[0]}-{ids[-1]}",
        detail=f"{len(ids)} rows older than {audit_retention_days()} days",
        now=now,
    )
    return len(ids)
