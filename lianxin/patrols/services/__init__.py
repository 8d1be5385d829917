"""Writes of the patrols app: start, track uploads, stop, findings (each a case), help and lone-worker alerts, GPX.

A patrol's distance is recomputed from all its stored points after every upload by the
track engine (lianxin.engines.geo.track, through patrols.adapters), so duplicates, order of
arrival and late points (queued offline, sent after the stop) never change the result.
Findings are opened through cases.services.case_open on the patrol-finding channel, so
they are placed in their grid and routed to its team like every case. Alerts go to the
station-wide roles live (core.live) and stay open until someone acknowledges them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import gpxpy
import gpxpy.gpx
import numpy as np
import shapely
import shapely.errors
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry

from lianxin.cases.models import Category, Channel, Priority
from lianxin.cases.services import case_open
from lianxin.core.live import live_publish
from lianxin.core.models import Station, User
from lianxin.core.roles import has_role
from lianxin.patrols.adapters import track_measure
from lianxin.patrols.models import (
    AlertKind,
    Finding,
    FindingKind,
    Patrol,
    PatrolAlert,
    PatrolSource,
    PatrolStatus,
    Shift,
    ShiftSeries,
    TrackPoint,
)
from lianxin.patrols.roles import PATROL_ROLES, WATCH_ROLES, patrol_team_for
from lianxin.places.models import Grid, Landmark

POINTS_PER_UPLOAD_MAX = 5000
GPX_POINTS_MAX = 200_000
GPX_BYTES_MAX = 20 * 1024 * 1024
# A fix may be stamped a little ahead of the server's clock (phones drift); more is refused.
FUTURE_SLACK_SECONDS = 120
# A fix may come from a little before the start button was pressed (the first fix is often older).
BEFORE_START_SLACK_MINUTES = 10
# Farther than this from the station's centre a fix cannot be a patrol of this station.
STATION_RADIUS_KM = 100.0
# Lone-worker rule: no new point for this long on an active patrol raises an alert.
STILL_ALERT_MINUTES = 20
# A patrol longer than this is refused (a forgotten stop); the import and the stop check it.
PATROL_HOURS_MAX = 24
DESCRIPTION_MAX_CHARS = 2000
# From this many stored fixes an upload that follows the track is measured on the tail only (see _extend).
INCREMENTAL_FROM_POINTS = 2000
TAIL_POINTS = 60
COVERAGE_SAMPLES = 300
SEGMENT_NEAR_M = 600.0  # the border is the river's mid-line; the riverside path is a few hundred metres off it
# Findings that cannot wait: a scam in progress is urgent, an elder in trouble high.
FINDING_PRIORITY: dict[str, int] = {FindingKind.SCAM: Priority.URGENT, FindingKind.ELDER: Priority.HIGH}


@dataclass(frozen=True)
class PointIn:
    """One fix as uploaded: an aware time, WGS84 degrees, accuracy in metres (or None)."""

    recorded_at: dt.datetime
    lat: float
    lon: float
    accuracy_m: float | None = None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require_member(actor: User, patrol: Patrol) -> None:
    if patrol.member_id != actor.pk:
        raise PermissionDenied(_("Only the member on this patrol may do this."))


def _publish(patrol: Patrol, kind: str, data: dict) -> None:
    live_publish(topic=f"station:{patrol.station_id}", kind=kind, data={"patrol": patrol.pk, **data})
    for role in ("community_officer", "grid_member"):
        live_publish(topic=f"role:{patrol.station_id}:{role}", kind=kind, data={"patrol": patrol.pk, **data})


@transaction.atomic
def patrol_start(*, actor: User, now: dt.datetime | None = None) -> Patrol:
    """Start a patrol for actor, credited to their patrol team; an already running one is returned as it is."""
    if not has_role(actor, PATROL_ROLES) or actor.station_id is None:
        raise PermissionDenied(_("Your role does not patrol."))
    now = _now(now)
    running = Patrol.objects.select_for_update().filter(member=actor, status=PatrolStatus.ACTIVE).first()
    if running is not None:
        return running
    patrol = Patrol.objects.create(
        station_id=actor.station_id,
        team=patrol_team_for(actor),
        member=actor,
        started_at=now,
        alert_after=now + dt.timedelta(minutes=STILL_ALERT_MINUTES),
    )
    _publish(patrol, "patrol_started", {"member": str(actor)})
    return patrol


def _point_errors(patrol: Patrol, points: Sequence[PointIn], now: dt.datetime) -> list[str]:
    """Return why points cannot be stored (each naming the point by its place in the upload), or []."""
    from lianxin.patrols.adapters import metres_between

    errors: list[str] = []
    latest = (patrol.ended_at or now) + dt.timedelta(seconds=FUTURE_SLACK_SECONDS)
    earliest = patrol.started_at - dt.timedelta(minutes=BEFORE_START_SLACK_MINUTES)
    station = patrol.station
    for n, p in enumerate(points, start=1):
        if not isinstance(p.recorded_at, dt.datetime) or timezone.is_naive(p.recorded_at):
            errors.append(_("point %(n)d: give the time with its zone") % {"n": n})
        elif p.recorded_at > latest:
            errors.append(_("point %(n)d: its time is in the future or after the patrol ended") % {"n": n})
        elif p.recorded_at < earliest:
            errors.append(_("point %(n)d: its time is before the patrol started") % {"n": n})
        if not (
            isinstance(p.lat, int | float)
            and isinstance(p.lon, int | float)
            and math.isfinite(p.lat)
            and math.isfinite(p.lon)
            and -90 <= p.lat <= 90
            and -180 <= p.lon <= 180
        ):
            errors.append(_("point %(n)d: latitude and longitude must be WGS84 degrees") % {"n": n})
        elif station.center_lat is not None and station.center_lon is not None:
            km = metres_between(station.center_lat, station.center_lon, p.lat, p.lon) / 1000
            if km > STATION_RADIUS_KM:
                errors.append(
                    _("point %(n)d: %(km)d km from the station, too far for one of its patrols")
                    % {"n": n, "km": round(km)}
                )
        if p.accuracy_m is not None and not (math.isfinite(p.accuracy_m) and 0 <= p.accuracy_m <= 100_000):
            errors.append(_("point %(n)d: the accuracy must be metres, 0 or more") % {"n": n})
        if len(errors) >= 10:
            break
    return errors


def _track_arrays(
    patrol_id: int, *, tail: int | None = None
) -> tuple[list[float], list[float], list[float], list[float | None]]:
    """Return the patrol's stored fixes (or its last `tail`) as columns (epoch seconds, lat, lon, accuracy), in time order.

    Times are read as epoch seconds by the database itself: turning 100,000 timestamps into
    aware datetimes costs more than measuring the track.
    """
    table = TrackPoint._meta.db_table
    epoch = (
        "EXTRACT(EPOCH FROM recorded_at)"
        if connection.vendor == "postgresql"
        else "(julianday(recorded_at) - 2440587.5) * 86400.0"
    )
    with connection.cursor() as cursor:
        if tail is None:
            cursor.execute(f"SELECT {epoch}, lat, lon, accuracy_m FROM {table} WHERE patrol_id = %s", [patrol_id])
        else:
            cursor.execute(
                f"SELECT {epoch}, lat, lon, accuracy_m FROM {table} WHERE patrol_id = %s "
                "ORDER BY recorded_at DESC LIMIT %s",
                [patrol_id, tail],
            )
        rows = cursor.fetchall()[::-1]
    if not rows:
        return [], [], [], []
    t, lat, lon, acc = (list(column) for column in zip(*rows, strict=True))
    return [float(x) for x in t], lat, lon, acc


def _store_points(patrol: Patrol, points: Sequence[PointIn]) -> None:
    """Insert fixes, skipping a time already stored for the patrol (ON CONFLICT, on both databases).

    PostgreSQL takes the whole upload as five arrays in one statement (one round trip);
    SQLite, in process, takes it row by row through executemany.
    """
    table = TrackPoint._meta.db_table
    sql = f"INSERT INTO {table} (patrol_id, recorded_at, lat, lon, accuracy_m) "
    conflict = " ON CONFLICT (patrol_id, recorded_at) DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                sql
                + "SELECT %s, * FROM unnest(%s::timestamptz[], %s::float8[], %s::float8[], %s::float8[])"
                + conflict,
                [
                    patrol.pk,
                    [p.recorded_at for p in points],
                    [p.lat for p in points],
                    [p.lon for p in points],
                    [p.accuracy_m for p in points],
                ],
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                sql + "VALUES (%s, %s, %s, %s, %s)" + conflict,
                [(patrol.pk, adapt(p.recorded_at), p.lat, p.lon, p.accuracy_m) for p in points],
            )


def _recompute(patrol: Patrol, *, now: dt.datetime) -> None:
    """Measure the patrol's whole track again and save the figures and the last point."""
    t, lat, lon, acc = _track_arrays(patrol.pk)
    result = track_measure(t, lat, lon, acc)
    patrol.distance_m = result.metres
    patrol.points_count = len(t)
    patrol.points_rejected = result.duplicates + result.inaccurate + result.jumps
    patrol.engine_version = result.engine_version
    fields = ["distance_m", "points_count", "points_rejected", "engine_version"]
    last = patrol.points.order_by("-recorded_at").values_list("recorded_at", "lat", "lon").first()
    if last is not None:
        last_at, patrol.last_lat, patrol.last_lon = last
        patrol.last_point_at = last_at
        fields += ["last_point_at", "last_lat", "last_lon"]
        if patrol.is_active:
            # The lone-worker clock runs from the later of the last fix and its arrival.
            patrol.alert_after = max(last_at, now) + dt.timedelta(minutes=STILL_ALERT_MINUTES)
            fields.append("alert_after")
    if not patrol.is_active:
        patrol.grid_ids, patrol.segment_ids = _coverage(patrol.station_id, lat, lon)
        fields += ["grid_ids", "segment_ids"]
    patrol.save(update_fields=fields)


@dataclass(frozen=True)
class _Places:
    """A station's grids (lowest id first) and border segments, as shapely geometries (WGS84 / degrees)."""

    grids: list[tuple[int, BaseGeometry]]
    borders: list[tuple[int, list[tuple[float, float]]]]


def _coverage_places(station_id: int) -> _Places:
    grids = []
    for grid_id, boundary in Grid.objects.filter(station_id=station_id).order_by("id").values_list("id", "boundary"):
        try:
            polygon = shape(boundary)
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            continue
        shapely.prepare(polygon)
        grids.append((grid_id, polygon))
    borders = []
    for pk, geometry in Landmark.objects.filter(station_id=station_id, kind=Landmark.Kind.BORDER).values_list(
        "id", "geometry"
    ):
        try:
            borders.append((pk, [(float(x), float(y)) for x, y in geometry["coordinates"]]))
        except (KeyError, TypeError, ValueError):
            continue
    return _Places(grids, borders)


def _coverage(
    station_id: int, lat: Sequence[float], lon: Sequence[float], places: _Places | None = None
) -> tuple[list[int], list[int]]:
    """Return (grid ids, border segment ids) a track covers, from up to COVERAGE_SAMPLES of its fixes.

    A fix in two grids (on a shared border) counts for the one with the lowest id, as
    places.geometry.grid_id_for_point decides. A segment counts when a fix passed within
    SEGMENT_NEAR_M of it (measured on a local plane in metres: the station's area is a few
    kilometres across). Both tests run over all the samples at once (shapely's array functions):
    a year of tracks is a thousand calls of this.
    """
    if not len(lat):
        return [], []
    step = max(1, len(lat) // COVERAGE_SAMPLES)
    ys, xs = np.asarray(lat[::step], dtype=float), np.asarray(lon[::step], dtype=float)
    places = places or _coverage_places(station_id)
    grids = []
    left = np.ones(len(xs), dtype=bool)
    for grid_id, polygon in places.grids:
        inside = left & shapely.intersects_xy(polygon, xs, ys)  # intersects a point = covers it
        if inside.any():
            grids.append(grid_id)
            left &= ~inside
    kx, ky = 111_320.0 * math.cos(math.radians(float(ys[0]))), 110_574.0
    points = shapely.points(xs * kx, ys * ky)
    segments = []
    for pk, coordinates in places.borders:
        try:
            line = LineString([(x * kx, y * ky) for x, y in coordinates])
        except (TypeError, ValueError, shapely.errors.GEOSException):
            continue
        if shapely.dwithin(line, points, SEGMENT_NEAR_M).any():
            segments.append(pk)
    return sorted(grids), segments


def patrols_coverage_recompute(*, station_id: int, since: dt.datetime) -> int:
    """Work out again the grids and segments of every ended patrol of a station started since `since`; return how many.

    For when grids are redrawn or a border segment is added (each patrol's coverage is kept when
    it ends). Steps: 1. read every n-th fix of each patrol in one query (n from its points_count,
    about COVERAGE_SAMPLES a patrol, as _coverage samples; by id, which follows arrival), so a year
    of tracks (2,000,000 fixes) is not read into Python whole; 2. test all the samples at once
    against each grid (lowest id first) and each border segment (within SEGMENT_NEAR_M, on a local
    plane in metres around the station's centre); 3. save each patrol's ids.
    """
    table, patrols = TrackPoint._meta.db_table, Patrol._meta.db_table
    scope = Patrol.objects.filter(station_id=station_id, status=PatrolStatus.ENDED, started_at__gte=since)
    ids = list(scope.order_by("id").values_list("id", flat=True))
    if not ids:
        return 0
    sql = (
        f"SELECT t.patrol_id, t.lat, t.lon FROM {table} t JOIN {patrols} p ON p.id = t.patrol_id "
        "WHERE p.station_id = %s AND p.status = %s AND p.started_at >= %s "
        "AND t.id %% (CASE WHEN p.points_count >= %s THEN p.points_count / %s ELSE 1 END) = 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                station_id,
                PatrolStatus.ENDED,
                connection.ops.adapt_datetimefield_value(since),
                2 * COVERAGE_SAMPLES,
                COVERAGE_SAMPLES,
            ],
        )
        rows = np.array(cursor.fetchall(), dtype=float).reshape(-1, 3)
    owner, ys, xs = rows[:, 0].astype(np.int64), rows[:, 1], rows[:, 2]
    places = _coverage_places(station_id)
    found: dict[int, tuple[set[int], set[int]]] = {pk: (set(), set()) for pk in ids}
    left = np.ones(len(xs), dtype=bool)
    for grid_id, polygon in places.grids:
        inside = left & shapely.intersects_xy(polygon, xs, ys)
        left &= ~inside
        for pk in np.unique(owner[inside]).tolist():
            found[pk][0].add(grid_id)
    if len(xs):
        kx, ky = 111_320.0 * math.cos(math.radians(float(np.median(ys)))), 110_574.0
        points = shapely.points(xs * kx, ys * ky)
        for segment_id, coordinates in places.borders:
            try:
                line = LineString([(x * kx, y * ky) for x, y in coordinates])
            except (TypeError, ValueError, shapely.errors.GEOSException):
                continue
            for pk in np.unique(owner[shapely.dwithin(line, points, SEGMENT_NEAR_M)]).tolist():
                found[pk][1].add(segment_id)
    kept = [Patrol(pk=pk, grid_ids=sorted(g), segment_ids=sorted(b)) for pk, (g, b) in found.items()]
    with transaction.atomic():
        Patrol.objects.bulk_update(kept, ["grid_ids", "segment_ids"], batch_size=500)
    return len(kept)


def _extend(patrol: Patrol, points: Sequence[PointIn], *, now: dt.datetime) -> bool:
    """Store fixes that all follow the stored track and add their length by measuring only the tail; False if not.

    A long patrol under way would otherwise re-read its whole track on every upload. The tail
    (the last TAIL_POINTS fixes) gives the smoothing and the jump test what they need; the
    stop measures the whole track again, so the patrol's final figure never depends on this.
    """
    if not points or not patrol.is_active or patrol.points_count < INCREMENTAL_FROM_POINTS:
        return False
    ordered = sorted(points, key=lambda p: p.recorded_at)
    if patrol.last_point_at is None or ordered[0].recorded_at <= patrol.last_point_at:
        return False
    t, lat, lon, acc = _track_arrays(patrol.pk, tail=TAIL_POINTS)
    before = track_measure(t, lat, lon, acc)
    new_t = [p.recorded_at.timestamp() for p in ordered]
    after = track_measure(
        t + new_t, lat + [p.lat for p in ordered], lon + [p.lon for p in ordered], acc + [p.accuracy_m for p in ordered]
    )
    _store_points(patrol, ordered)
    patrol.distance_m += max(0.0, after.metres - before.metres)
    patrol.points_count += len(set(new_t))
    patrol.points_rejected += max(0, after.jumps + after.inaccurate - before.jumps - before.inaccurate)
    last = ordered[-1]
    patrol.last_point_at, patrol.last_lat, patrol.last_lon = last.recorded_at, last.lat, last.lon
    patrol.alert_after = max(last.recorded_at, now) + dt.timedelta(minutes=STILL_ALERT_MINUTES)
    patrol.save(
        update_fields=[
            "distance_m",
            "points_count",
            "points_rejected",
            "last_point_at",
            "last_lat",
            "last_lon",
            "alert_after",
        ]
    )
    return True


@transaction.atomic
def patrol_points_add(*, patrol: Patrol, actor: User, points: Sequence[PointIn], now: dt.datetime | None = None) -> int:
    """Store a batch of fixes of actor's patrol and measure it again; return how many were new.

    A fix whose time is already stored is a repeat and is skipped (a phone resending its
    queue after a lost answer). Fixes recorded before the stop are taken even after it (sent
    late from an offline queue). Raises ValidationError on `points` (the whole batch is
    refused, nothing is stored) for more than POINTS_PER_UPLOAD_MAX fixes or any bad one.
    """
    _require_member(actor, patrol)
    now = _now(now)
    if len(points) > POINTS_PER_UPLOAD_MAX:
        raise ValidationError(
            {"points": [_("At most %(n)d points in one upload; send them in parts.") % {"n": POINTS_PER_UPLOAD_MAX}]}
        )
    errors = _point_errors(patrol, points, now)
    if errors:
        raise ValidationError({"points": errors})
    patrol = Patrol.objects.select_for_update(of=("self",)).select_related("station").get(pk=patrol.pk)
    before = patrol.points_count
    if not _extend(patrol, points, now=now):
        _store_points(patrol, points)
        _recompute(patrol, now=now)
    added = patrol.points_count - before
    if added:
        _publish(
            patrol,
            "patrol_point",
            {"lat": patrol.last_lat, "lon": patrol.last_lon, "distance_m": patrol.distance_m},
        )
    return added


@transaction.atomic
def patrol_stop(*, patrol: Patrol, actor: User, now: dt.datetime | None = None) -> Patrol:
    """End actor's patrol now (stopping twice changes nothing)."""
    _require_member(actor, patrol)
    now = _now(now)
    patrol = Patrol.objects.select_for_update(of=("self",)).select_related("station").get(pk=patrol.pk)
    if not patrol.is_active:
        return patrol
    patrol.status, patrol.ended_at, patrol.alert_after = PatrolStatus.ENDED, now, None
    patrol.save(update_fields=["status", "ended_at", "alert_after"])
    _recompute(patrol, now=now)
    _publish(patrol, "patrol_ended", {"distance_m": patrol.distance_m})
    return patrol


@transaction.atomic
def finding_report(
    *,
    patrol: Patrol,
    actor: User,
    kind: str,
    category: Category | None,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    now: dt.datetime | None = None,
) -> Finding:
    """Take something found on patrol in as a case of channel patrol finding, at (lat, lon) or the last point.

    Raises ValidationError naming `kind`, `category`, `description` or the location fields.
    """
    _require_member(actor, patrol)
    now = _now(now)
    patrol = Patrol.objects.select_related("station").get(pk=patrol.pk)
    if kind not in FindingKind.values:
        raise ValidationError({"kind": [_("Choose what you found.")]})
    if lat is None and lon is None:
        lat, lon = patrol.last_lat, patrol.last_lon
    description = (description or "").strip() or str(FindingKind(kind).label)
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise ValidationError({"description": [_("At most %(n)d characters, please.") % {"n": DESCRIPTION_MAX_CHARS}]})
    case = case_open(
        station=patrol.station,
        actor=actor,
        channel=Channel.PATROL_FINDING,
        category=category,
        description=str(description),
        title=_("%(kind)s (patrol finding)") % {"kind": FindingKind(kind).label},
        lat=lat,
        lon=lon,
        priority=FINDING_PRIORITY.get(kind, Priority.NORMAL),
        now=now,
    )
    finding = Finding.objects.create(patrol=patrol, case=case, kind=kind, lat=lat, lon=lon, found_at=now)
    _publish(patrol, "patrol_finding", {"case": case.number, "lat": lat, "lon": lon})
    return finding


@transaction.atomic
def patrol_help(
    *, patrol: Patrol, actor: User, lat: float | None = None, lon: float | None = None, now: dt.datetime | None = None
) -> PatrolAlert:
    """Raise a help alert from the member on patrol, at (lat, lon) or their last point; the desk hears it live."""
    _require_member(actor, patrol)
    now = _now(now)
    patrol = Patrol.objects.get(pk=patrol.pk)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat, lon = patrol.last_lat, patrol.last_lon
    alert = PatrolAlert.objects.create(patrol=patrol, kind=AlertKind.HELP, raised_at=now, lat=lat, lon=lon)
    _publish(patrol, "patrol_alert", {"alert": alert.pk, "kind": alert.kind, "lat": lat, "lon": lon})
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: PatrolAlert, actor: User, now: dt.datetime | None = None) -> PatrolAlert:
    """Acknowledge an alert (a desk officer has it in hand); once is enough."""
    if not has_role(actor, WATCH_ROLES) or actor.station_id != alert.patrol.station_id:
        raise PermissionDenied(_("Your role may not acknowledge patrol alerts."))
    now = _now(now)
    updated = PatrolAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor
    )
    alert.refresh_from_db()
    if updated:
        _publish(alert.patrol, "patrol_alert_ack", {"alert": alert.pk})
    return alert


def patrols_watch(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Raise a lone-worker alert for each active patrol past its alert_after (a worker sweep); return alerts raised.

    Each patrol is claimed with a conditional update of alert_after, so two workers never
    raise the same alert; the next alert comes only after a new point sets a new deadline.
    """
    now = _now(now)
    raised = 0
    due = Patrol.objects.filter(status=PatrolStatus.ACTIVE, alert_after__lte=now).order_by("alert_after")[:limit]
    for patrol in due:
        with transaction.atomic():
            claimed = Patrol.objects.filter(pk=patrol.pk, alert_after=patrol.alert_after).update(alert_after=None)
            if not claimed:
                continue
            alert = PatrolAlert.objects.create(
                patrol=patrol, kind=AlertKind.STILL, raised_at=now, lat=patrol.last_lat, lon=patrol.last_lon
            )
            _publish(patrol, "patrol_alert", {"alert": alert.pk, "kind": alert.kind})
            raised += 1
    return raised


def _gpx_points(data: bytes | str) -> list[PointIn]:
    if isinstance(data, bytes):
        if len(data) > GPX_BYTES_MAX:
            raise ValidationError({"gpx": [_("The file is too large (at most 20 MB).")]})
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"gpx": [_("The file is not GPX (not UTF-8 text).")]}) from None
    try:
        parsed = gpxpy.parse(data)
    except (gpxpy.gpx.GPXException, ValueError, TypeError) as exc:
        raise ValidationError({"gpx": [_("The file is not GPX: %(e)s") % {"e": str(exc)[:200]}]}) from None
    points: list[PointIn] = []
    for track in parsed.tracks:
        for segment in track.segments:
            for p in segment.points:
                if p.time is None:
                    raise ValidationError({"gpx": [_("Every track point needs its time; this file has none.")]})
                at = p.time if timezone.is_aware(p.time) else p.time.replace(tzinfo=dt.UTC)
                points.append(PointIn(recorded_at=at, lat=p.latitude, lon=p.longitude, accuracy_m=None))
                if len(points) > GPX_POINTS_MAX:
                    raise ValidationError({"gpx": [_("At most %(n)d points in one file.") % {"n": GPX_POINTS_MAX}]})
    if len(points) < 2:
        raise ValidationError({"gpx": [_("The file holds no track (at least two timed points).")]})
    return points


@transaction.atomic
def patrol_import_gpx(*, actor: User, data: bytes | str, now: dt.datetime | None = None) -> Patrol:
    """Make an ended patrol of actor from a GPX track (a member's own GPS device); return it.

    Raises ValidationError on `gpx` for a file that is not GPX, has no timed track, is in
    the future, longer than PATROL_HOURS_MAX or far from the station; nothing is stored then.
    """
    if not has_role(actor, PATROL_ROLES) or actor.station_id is None:
        raise PermissionDenied(_("Your role does not patrol."))
    now = _now(now)
    points = sorted(_gpx_points(data), key=lambda p: p.recorded_at)
    started, ended = points[0].recorded_at, points[-1].recorded_at
    if ended - started > dt.timedelta(hours=PATROL_HOURS_MAX):
        raise ValidationError({"gpx": [_("The track is longer than %(h)d hours; split it.") % {"h": PATROL_HOURS_MAX}]})
    patrol = Patrol(
        station_id=actor.station_id,
        team=patrol_team_for(actor),
        member=actor,
        status=PatrolStatus.ENDED,
        source=PatrolSource.GPX,
        started_at=started,
        ended_at=ended,
    )
    station = actor.station
    assert station is not None  # checked with the role above
    patrol.station = station
    errors = _point_errors(patrol, points, now)
    if errors:
        raise ValidationError({"gpx": errors})
    patrol.save()
    _store_points(patrol, [PointIn(p.recorded_at, p.lat, p.lon, None) for p in points])
    _recompute(patrol, now=now)
    return patrol


@transaction.atomic
def patrols_delete_for_station(*, station: Station) -> None:
    """Delete a station's patrols and rosters (before its cases and users go, as a station is taken down)."""
    Patrol.objects.filter(station=station).delete()
    Shift.objects.filter(station=station).delete()
    ShiftSeries.objects.filter(team__station=station).delete()
