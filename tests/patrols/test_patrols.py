"""Patrols through the services, the API and the pages: start, fixes, stop, findings as cases, alerts, GPX, scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from lianxin.cases.models import Case, Channel, Priority
from lianxin.patrols import selectors, services
from lianxin.patrols.models import AlertKind, Finding, Patrol, PatrolAlert, PatrolStatus, TrackPoint
from lianxin.people.models import Team, TeamKind, TeamMembership
from tests.conftest import NOW
from tests.patrols.routes import route_walk, timed, true_length


@pytest.fixture
def patrol_team(world):
    team = Team.objects.create(station=world.station, name="舞动平安巡逻队", kind=TeamKind.PATROL)
    TeamMembership.objects.create(team=team, user=world.volunteer)
    return team


def walk(world):
    lat, lon = world.in_grid1
    return route_walk(lat - 0.004, lon - 0.004, legs=((0.0, 300.0), (60.0, 250.0)))


def upload(patrol, user, points, now):
    return services.patrol_points_add(
        patrol=patrol,
        actor=user,
        points=[services.PointIn(recorded_at=t, lat=a, lon=b, accuracy_m=5.0) for t, a, b in points],
        now=now,
    )


def test_a_patrol_is_measured_from_its_track_whatever_the_order_and_repeats(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    assert patrol.team == patrol_team and patrol.status == PatrolStatus.ACTIVE
    route = walk(world)
    points = timed(route, NOW)
    end = points[-1][0] + dt.timedelta(seconds=10)
    # Sent late half first, then the early half, then the whole lot again (a lost answer).
    assert upload(patrol, world.volunteer, points[60:], end) == len(points) - 60
    assert upload(patrol, world.volunteer, points[:60], end) == 60
    assert upload(patrol, world.volunteer, points, end) == 0
    patrol.refresh_from_db()
    assert TrackPoint.objects.filter(patrol=patrol).count() == len(points)
    assert abs(patrol.distance_m - true_length(route)) / true_length(route) < 0.02
    assert patrol.last_point_at == points[-1][0]
    stopped = services.patrol_stop(patrol=patrol, actor=world.volunteer, now=end)
    assert stopped.status == PatrolStatus.ENDED and stopped.alert_after is None
    # Starting again makes a new patrol; starting twice returns the running one.
    again = services.patrol_start(actor=world.volunteer, now=end)
    assert again.pk != patrol.pk and services.patrol_start(actor=world.volunteer, now=end).pk == again.pk


def test_bad_points_are_refused_whole_naming_the_point(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    good = (NOW + dt.timedelta(seconds=5), *world.in_grid1)
    cases = [
        (NOW + dt.timedelta(hours=2), *world.in_grid1),  # in the future
        (NOW - dt.timedelta(hours=2), *world.in_grid1),  # before the start
        (NOW + dt.timedelta(seconds=9), -40.1, -55.6),  # the other side of the earth
        (NOW + dt.timedelta(seconds=9), 95.0, 124.0),  # not a latitude
    ]
    for bad in cases:
        with pytest.raises(ValidationError) as exc:
            upload(patrol, world.volunteer, [good, bad], NOW + dt.timedelta(minutes=1))
        assert "points" in exc.value.message_dict and "第 2 个点" in exc.value.message_dict["points"][0]
    with pytest.raises(ValidationError):
        upload(patrol, world.volunteer, [good] * (services.POINTS_PER_UPLOAD_MAX + 1), NOW)
    assert not TrackPoint.objects.filter(patrol=patrol).exists()


def test_points_queued_offline_arrive_after_the_stop_and_still_count(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    points = timed(walk(world), NOW)
    end = points[-1][0]
    upload(patrol, world.volunteer, points[:20], end)
    services.patrol_stop(patrol=patrol, actor=world.volunteer, now=end + dt.timedelta(seconds=30))
    upload(patrol, world.volunteer, points[20:], end + dt.timedelta(minutes=5))
    patrol.refresh_from_db()
    assert patrol.points_count == len(points) and patrol.distance_m > 500
    late = (end + dt.timedelta(minutes=3), *world.in_grid1)  # after the stop: refused
    with pytest.raises(ValidationError):
        upload(patrol, world.volunteer, [late], end + dt.timedelta(minutes=5))


def test_only_the_member_uploads_and_stops(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    with pytest.raises(PermissionDenied):
        services.patrol_stop(patrol=patrol, actor=world.officer, now=NOW)
    with pytest.raises(PermissionDenied):
        services.patrol_start(actor=world.resident_user, now=NOW)


def test_a_finding_becomes_a_case_in_its_grid_credited_to_the_patrol(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    upload(patrol, world.volunteer, [(NOW + dt.timedelta(seconds=5), *world.in_grid2)], NOW + dt.timedelta(minutes=1))
    finding = services.finding_report(
        patrol=patrol,
        actor=world.volunteer,
        kind="scam",
        category=world.cat_papers,
        description="有人在推销保健品，老人要付钱",
        now=NOW + dt.timedelta(minutes=1),
    )
    case = finding.case
    assert case.channel == Channel.PATROL_FINDING and case.grid == world.grid2 and case.team == world.team2
    assert case.priority == Priority.URGENT
    assert (finding.lat, finding.lon) == world.in_grid2  # the last point, as none was given
    assert case.was_filed_by(world.volunteer)
    with pytest.raises(ValidationError) as exc:
        services.finding_report(
            patrol=patrol, actor=world.volunteer, kind="x", category=world.cat_papers, description=""
        )
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.finding_report(patrol=patrol, actor=world.volunteer, kind="fire_hazard", category=None, description="")
    assert "category" in exc.value.message_dict
    assert Finding.objects.count() == 1


def test_lone_worker_alert_after_silence_once_until_a_new_point(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    quiet = NOW + dt.timedelta(minutes=services.STILL_ALERT_MINUTES + 1)
    assert services.patrols_watch(now=NOW + dt.timedelta(minutes=5)) == 0
    assert services.patrols_watch(now=quiet) == 1
    assert services.patrols_watch(now=quiet + dt.timedelta(minutes=1)) == 0  # claimed: one alert only
    alert = PatrolAlert.objects.get(patrol=patrol)
    assert alert.kind == AlertKind.STILL and alert.is_open
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(alert=alert, actor=world.volunteer)
    services.alert_acknowledge(alert=alert, actor=world.auxiliary, now=quiet)
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.auxiliary
    help_alert = services.patrol_help(patrol=patrol, actor=world.volunteer, lat=None, lon=None, now=quiet)
    assert help_alert.kind == AlertKind.HELP


def test_gpx_round_trip_and_bad_files(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    points = timed(walk(world), NOW)
    upload(patrol, world.volunteer, points, points[-1][0])
    patrol = services.patrol_stop(patrol=patrol, actor=world.volunteer, now=points[-1][0])
    gpx = selectors.patrol_gpx(patrol=patrol)
    imported = services.patrol_import_gpx(actor=world.volunteer, data=gpx.encode(), now=NOW + dt.timedelta(days=1))
    assert imported.source == "gpx" and imported.points_count == patrol.points_count
    assert abs(imported.distance_m - patrol.distance_m) < 1
    before = Patrol.objects.count()
    for bad in (
        b"not xml at all",
        b"<gpx></gpx>",
        b"<gpx version='1.1'><trk><trkseg><trkpt lat='40.1' lon='124.3'/><trkpt lat='40.2' lon='124.3'/></trkseg></trk></gpx>",
        b"\xff\xfe",
    ):
        with pytest.raises(ValidationError) as exc:
            services.patrol_import_gpx(actor=world.volunteer, data=bad, now=NOW)
        assert "gpx" in exc.value.message_dict
    assert Patrol.objects.count() == before


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, path, body):
    return client.post(f"/api/v1/patrols{path}", data=json.dumps(body), content_type="application/json")


def test_api_start_points_finding_stop_and_wrong_station_404(world, patrol_team):
    client = api(world.volunteer)
    started = post(client, "/start", {})
    assert started.status_code == 201
    pid = started.json()["id"]
    from django.utils import timezone

    now = timezone.now()
    route = walk(world)
    points = [
        {"t": (now - dt.timedelta(seconds=5 * (len(route) - i))).isoformat(), "lat": a, "lon": b, "accuracy": 5}
        for i, (a, b) in enumerate(route)
    ]
    Patrol.objects.filter(pk=pid).update(started_at=now - dt.timedelta(hours=1))
    answer = post(client, f"/{pid}/points", {"points": points})
    assert answer.status_code == 200, answer.content
    assert answer.json()["added"] == len(points)
    assert abs(answer.json()["patrol"]["distance_m"] - true_length(route)) / true_length(route) < 0.02
    bad = post(client, f"/{pid}/points", {"points": [{"t": "2099-01-01T00:00:00Z", "lat": 40.1, "lon": 124.3}]})
    assert bad.status_code in (400, 422) and "points" in bad.content.decode()
    too_many = post(client, f"/{pid}/points", {"points": [points[0]] * (services.POINTS_PER_UPLOAD_MAX + 1)})
    assert too_many.status_code in (400, 422)
    found = post(
        client,
        f"/{pid}/findings",
        {"kind": "fire_hazard", "category_id": world.cat_papers.pk, "description": "楼道堆放杂物"},
    )
    assert found.status_code == 201
    assert Case.objects.get(pk=found.json()["case_id"]).channel == Channel.PATROL_FINDING
    # A category of another station is refused on the field the client sent (category_id, not category).
    other = post(
        client,
        f"/{pid}/findings",
        {"kind": "fire_hazard", "category_id": world.b.cat_papers.pk, "description": "楼道堆放杂物"},
    )
    assert other.status_code == 422 and [e["field"] for e in other.json()["detail"]] == ["category_id"]
    assert post(client, f"/{pid}/stop", {}).json()["status"] == "ended"
    # Station B's officer sees no such patrol; a resident neither.
    assert api(world.b.officer).get(f"/api/v1/patrols/{pid}").status_code == 404
    assert api(world.resident_user).get(f"/api/v1/patrols/{pid}").status_code == 404
    desk = api(world.auxiliary).get("/api/v1/patrols/desk").json()
    assert desk["findings"] and desk["findings"][0]["case"] == Case.objects.get(pk=found.json()["case_id"]).number


def test_pages_for_the_member_the_team_and_the_desk(world, patrol_team):
    client = api(world.volunteer)
    assert "开始巡逻" in client.get("/patrols/").content.decode()
    client.post("/patrols/start/")
    patrol = Patrol.objects.get(member=world.volunteer)
    page = client.get("/patrols/").content.decode()
    assert "我需要帮助" in page and f"/api/v1/patrols/{patrol.pk}/points" in page
    client.post(
        f"/patrols/{patrol.pk}/finding/",
        {"kind": "fire_hazard", "category": world.cat_papers.pk, "description": "电动车楼道充电"},
    )
    assert Finding.objects.filter(patrol=patrol).count() == 1
    client.post(f"/patrols/{patrol.pk}/help/", {"lat": "", "lon": ""})
    assert PatrolAlert.objects.filter(patrol=patrol, kind=AlertKind.HELP).exists()
    client.post(f"/patrols/{patrol.pk}/stop/")
    assert Patrol.objects.get(pk=patrol.pk).status == PatrolStatus.ENDED
    assert "舞动平安巡逻队" in client.get("/patrols/team/").content.decode()
    assert client.get(f"/patrols/{patrol.pk}/track.gpx")["Content-Type"] == "application/gpx+xml"
    bad = client.post("/patrols/import/", {"gpx": _file(b"<not gpx")})
    assert bad.status_code == 400 and "GPX" in bad.content.decode()
    desk = api(world.auxiliary)
    assert desk.get("/patrols/desk/").status_code == 200
    assert api(world.b.auxiliary).get(f"/patrols/{patrol.pk}/").status_code == 404
    assert api(world.resident_user).get("/patrols/desk/").status_code == 403


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("track.gpx", content, content_type="application/gpx+xml")


def test_a_long_patrol_is_measured_on_its_tail_while_under_way_and_whole_at_the_stop(world, patrol_team):
    from lianxin.patrols.adapters import track_measure
    from lianxin.patrols.services import _track_arrays

    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    lat, lon = world.in_grid1
    legs = tuple((bearing, 400.0) for bearing in (0, 90, 180, 270) * 4)  # 6.4 km, about 1,000 fixes
    points = timed(route_walk(lat - 0.004, lon - 0.004, legs=legs) * 1, NOW)
    points = points + [(t + (points[-1][0] - NOW) + dt.timedelta(seconds=5), a, b) for t, a, b in points]
    points = points + [(t + (points[-1][0] - NOW) + dt.timedelta(seconds=5), a, b) for t, a, b in points]
    assert len(points) > services.INCREMENTAL_FROM_POINTS + 500
    end = points[-1][0]
    for start in range(0, len(points), 100):
        upload(patrol, world.volunteer, points[start : start + 100], end)
    patrol.refresh_from_db()
    whole = track_measure(*_track_arrays(patrol.pk)).metres
    assert patrol.points_count == len(points)
    assert abs(patrol.distance_m - whole) / whole < 0.01  # the live figure, from the tails
    stopped = services.patrol_stop(patrol=patrol, actor=world.volunteer, now=end)
    assert stopped.distance_m == whole


def test_figures_km_patrols_and_findings_of_a_period(world, patrol_team):
    from lianxin.patrols import metrics

    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    points = timed(walk(world), NOW)
    upload(patrol, world.volunteer, points, points[-1][0])
    services.finding_report(
        patrol=patrol, actor=world.volunteer, kind="fire_hazard", category=world.cat_papers, description="杂物", now=NOW
    )
    start, end = NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
    assert metrics.metres_patrolled(station=world.station, start=start, end=end).numerator == 0  # not ended yet
    patrol = services.patrol_stop(patrol=patrol, actor=world.volunteer, now=points[-1][0])
    assert metrics.metres_patrolled(station=world.station, start=start, end=end).numerator == round(patrol.distance_m)
    assert metrics.patrols_walked(station=world.station, start=start, end=end).numerator == 1
    found = metrics.findings_reported(station=world.station, start=start, end=end, with_records=True)
    assert found.numerator == 1 and found.record_ids == (Finding.objects.get().case_id,)
    assert metrics.findings_reported(station=world.station, start=start, end=end, grid_id=world.grid2.pk).numerator == 0
    assert metrics.patrols_walked(station=world.b.station, start=start, end=end).numerator == 0


def test_coverage_of_grids_and_border_segments_with_gaps(world, patrol_team):
    from lianxin.places.models import Landmark
    from lianxin.places.services import landmark_save

    lat, lon = world.in_grid1
    segment = landmark_save(
        station=world.station,
        kind=Landmark.Kind.BORDER,
        name="边境线第1段",
        geometry={"type": "LineString", "coordinates": [[lon - 0.004, lat - 0.0045], [lon + 0.004, lat - 0.0045]]},
    )
    landmark_save(
        station=world.station,
        kind=Landmark.Kind.BORDER,
        name="边境线第2段",
        geometry={"type": "LineString", "coordinates": [[lon + 0.05, lat + 0.05], [lon + 0.06, lat + 0.05]]},
    )
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    points = timed(walk(world), NOW)
    upload(patrol, world.volunteer, points, points[-1][0])
    patrol = services.patrol_stop(patrol=patrol, actor=world.volunteer, now=points[-1][0])
    assert patrol.grid_ids == [world.grid1.pk] and patrol.segment_ids == [segment.pk]
    rows = {r.name: r for r in selectors.coverage_for(user=world.auxiliary, now=NOW + dt.timedelta(days=3))}
    assert rows[world.grid1.name].days_since == 3 and rows[world.grid1.name].patrols == 1
    assert not rows[world.grid1.name].is_gap
    assert rows[world.grid2.name].last_on is None and rows[world.grid2.name].is_gap
    assert rows["边境线第1段"].patrols == 1 and rows["边境线第2段"].is_gap
    assert selectors.coverage_for(user=world.volunteer, now=NOW) == []
    page = api(world.auxiliary).get("/patrols/desk/").content.decode()
    assert "边境线第2段" in page and "空档" in page
    # Worked out again from the stored track (grids redrawn): the same answer, sampled in the database.
    Patrol.objects.filter(pk=patrol.pk).update(grid_ids=[], segment_ids=[])
    assert services.patrols_coverage_recompute(station_id=world.station.pk, since=NOW - dt.timedelta(days=1)) == 1
    patrol.refresh_from_db()
    assert patrol.grid_ids == [world.grid1.pk] and patrol.segment_ids == [segment.pk]
    assert services.patrols_coverage_recompute(station_id=world.b.station.pk, since=NOW - dt.timedelta(days=1)) == 0


def test_the_drawn_track_leaves_out_a_lone_jump(world, patrol_team):
    patrol = services.patrol_start(actor=world.volunteer, now=NOW)
    points = timed(walk(world), NOW)
    t, a, b = points[30]
    points[30] = (t, a + 0.01, b)  # 1 km off for one fix
    upload(patrol, world.volunteer, points, points[-1][0])
    drawn = selectors.track_for(patrol=patrol)
    assert len(drawn) == len(points) - 1
    assert [round(a + 0.01, 6), round(b, 6)] not in drawn
