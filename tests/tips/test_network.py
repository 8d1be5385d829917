"""The 1+N network: trade posts, beats (what and when), coverage of grids and buildings, its pages and GeoJSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.models import AuditEntry
from lianxin.places.models import Building
from lianxin.tips import coverage
from lianxin.tips.models import Beat, TradePost
from lianxin.tips.posts import beat_delete, beat_save, trade_post_save
from tests.conftest import square


def test_a_post_is_placed_in_its_grid_and_audited(net):
    post = net.post
    assert post.grid == net.grid1 and set(post.lookouts.all()) == {net.lookout, net.lookout2}
    assert [b.grid for b in net.b1] == [net.grid1] * 3 and net.b2[0].grid == net.grid2
    assert AuditEntry.objects.filter(action="trade_post_save", target_id=str(post.pk), actor=net.officer).exists()


def test_post_bad_input_names_the_field_and_writes_nothing(net):
    cases = (
        ({"kind": "bakery"}, "kind"),
        ({"name": " "}, "name"),
        ({"name": "一区物业"}, "name"),  # taken
        ({"lat": None}, "lat"),
        ({"lon": 200.0}, "lon"),
        ({"lookouts": [net.volunteer]}, "lookouts"),
        ({"lookouts": [net.b.lookout]}, "lookouts"),
    )
    for change, field in cases:
        kw = {"kind": "shop", "name": "新店", "lat": net.in_grid1[0], "lon": net.in_grid1[1], "lookouts": [], **change}
        with pytest.raises(ValidationError) as exc:
            trade_post_save(actor=net.chief, station=net.station, **kw)
        assert field in exc.value.message_dict, (change, exc.value.message_dict)
    assert TradePost.objects.count() == 1


def test_who_may_edit_posts(net):
    kw = {"kind": "shop", "name": "二区小卖部", "lat": net.in_grid2[0], "lon": net.in_grid2[1]}
    # The grid 1 officer may not place a post in grid 2; its officer and the station's staff may.
    with pytest.raises(ValidationError) as exc:
        trade_post_save(actor=net.officer, station=net.station, **kw)
    assert "lat" in exc.value.message_dict
    for outsider in (net.lookout, net.volunteer, net.grid_member):
        with pytest.raises(PermissionDenied):
            trade_post_save(actor=outsider, station=net.station, **kw)
    with pytest.raises(PermissionDenied):
        trade_post_save(actor=net.b.chief, station=net.station, **kw)
    shop = trade_post_save(actor=net.officer2, station=net.station, **kw)
    with pytest.raises(PermissionDenied):
        beat_save(actor=net.officer, post=shop, lookout=None, grid_ids=[net.grid2.pk])
    trade_post_save(actor=net.auxiliary, station=net.station, post=shop, **{**kw, "name": "二区便利店"})
    assert TradePost.objects.get(pk=shop.pk).name == "二区便利店"


def test_beat_days_are_validated_and_stored_simply(net):
    beat = beat_save(
        actor=net.officer,
        post=net.post,
        lookout=net.lookout,
        building_ids=[net.b1[0].pk],
        weekdays=["4", "2", "2"],
        month_days="15, 1，1",
    )
    beat.refresh_from_db()
    assert (beat.weekdays, beat.month_days) == ("24", "1,15")
    assert beat.is_on(dt.date(2026, 6, 16))  # a Tuesday
    assert beat.is_on(dt.date(2026, 6, 1))  # the 1st (a Monday)
    assert not beat.is_on(dt.date(2026, 6, 15 + 2))  # Wednesday the 17th
    every_day = beat_save(actor=net.officer, post=net.post, lookout=net.lookout2, grid_ids=[net.grid1.pk])
    assert every_day.is_on(dt.date(2026, 6, 17))
    bad = (
        ({"weekdays": [8]}, "weekdays"),
        ({"weekdays": ["x"]}, "weekdays"),
        ({"month_days": "0"}, "month_days"),
        ({"month_days": "32"}, "month_days"),
        ({"month_days": "1-5"}, "month_days"),
        ({"lookout": net.volunteer}, "lookout"),
        ({"building_ids": []}, "buildings"),  # nothing covered
        ({"grid_ids": [net.b.grid1.pk]}, "grids"),
        ({"area": {"type": "Point", "coordinates": [1, 2]}}, "area"),
        ({"note": "很" * 201}, "note"),
    )
    for change, field in bad:
        kw = {"lookout": net.lookout, "building_ids": [net.b1[1].pk], **change}
        with pytest.raises(ValidationError) as exc:
            beat_save(actor=net.officer, post=net.post, **kw)
        assert field in exc.value.message_dict, (change, exc.value.message_dict)
    assert Beat.objects.count() == 2


def test_taking_a_lookout_off_the_post_ends_their_beat(net):
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout2, building_ids=[net.b1[0].pk])
    trade_post_save(
        actor=net.officer,
        station=net.station,
        post=net.post,
        kind="property_office",
        name="一区物业",
        lat=net.post.lat,
        lon=net.post.lon,
        lookouts=[net.lookout],
    )
    assert not Beat.objects.filter(lookout=net.lookout2).exists()


def test_coverage_buildings_grids_and_areas(net):
    picture = coverage.coverage_for(user=net.officer)
    assert picture.coverage.grids_gap == sorted([net.grid1.pk, net.grid2.pk])
    assert len(picture.coverage.buildings_uncovered) == 5
    # Two of grid 1's buildings by name; one of grid 2's by an area around it (on Mondays only).
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout, building_ids=[b.pk for b in net.b1[:2]])
    b = net.b2[0]
    area = square(b.lon - 0.0002, b.lat - 0.0002, 0.0004)
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout2, area=area, weekdays=[1])
    cov = coverage.coverage_for(user=net.chief).coverage
    g1, g2 = cov.grids[net.grid1.pk], cov.grids[net.grid2.pk]
    assert (g1.status, g1.buildings, g1.buildings_covered, g1.lookouts) == ("partial", 3, 2, 1)
    assert (g2.status, g2.buildings_covered, g2.lookouts) == ("partial", 1, 1)
    assert cov.buildings_uncovered == sorted([net.b1[2].pk, net.b2[1].pk])
    # On a Tuesday the area's beat is off: grid 2 has nobody.
    tuesday = coverage.coverage_for(user=net.chief, on=dt.date(2026, 6, 16)).coverage
    assert tuesday.grids[net.grid2.pk].status == "gap"
    # A whole-grid beat covers the grid and every building in it.
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout, grid_ids=[net.grid1.pk])
    cov = coverage.coverage_for(user=net.chief).coverage
    assert cov.grids[net.grid1.pk].status == "covered" and cov.grids[net.grid1.pk].is_whole
    assert cov.building_lookouts[net.b1[0].pk] == 1 and cov.building_lookouts[net.b1[2].pk] == 1
    # Station B sees none of it; a lookout or resident gets nothing.
    assert not coverage.coverage_for(user=net.b.chief).buildings
    assert not coverage.coverage_for(user=net.lookout).grids


def test_coverage_reads_a_fixed_number_of_queries(net, django_assert_max_num_queries):
    for n in range(6):
        beat_save(
            actor=net.officer, post=net.post, lookout=net.lookout, building_ids=[net.b1[n % 3].pk], weekdays=[n % 7 + 1]
        )
    with django_assert_max_num_queries(8):
        coverage.coverage_for(user=net.chief)


def test_coverage_compute_counts_distinct_lookouts():
    grids = [(1, square(0, 0, 1)), (2, square(1, 0, 1))]
    buildings = [coverage.BuildingInput(10, 1, 0.5, 0.5), coverage.BuildingInput(11, 2, 0.5, 1.5)]
    beats = [
        coverage.BeatInput(1, lookout_id=7, building_ids=frozenset({10})),
        coverage.BeatInput(2, lookout_id=7, grid_ids=frozenset({1})),
        coverage.BeatInput(3, lookout_id=8, area=square(0.4, 0.4, 0.2)),
    ]
    result = coverage.coverage_compute(grids=grids, buildings=buildings, beats=beats)
    assert result.building_lookouts == {10: 2, 11: 0}
    assert result.grids[1].status == "covered" and result.grids[1].lookouts == 2
    assert result.grids[2].status == "gap" and result.grids_gap == [2]


def test_pages_posts_beats_with_field_errors_and_wrong_station_404(net, login):
    officer = login(net.officer)
    page = officer.post("/tips/posts/new/", {"kind": "shop", "name": "", "lat": "abc", "lon": ""})
    body = page.content.decode()
    assert page.status_code == 400 and 'id="error-name"' in body and 'id="error-lat"' in body
    assert TradePost.objects.count() == 1
    made = officer.post(
        "/tips/posts/new/",
        {
            "kind": "shop",
            "name": "一区便利店",
            "lat": str(net.in_grid1[0]),
            "lon": str(net.in_grid1[1]),
            "lookouts": [net.lookout.pk],
        },
    )
    shop = TradePost.objects.get(name="一区便利店")
    assert made.status_code == 302 and list(shop.lookouts.all()) == [net.lookout]
    bad = officer.post(f"/tips/posts/{shop.pk}/beats/new/", {"lookout": net.lookout.pk, "month_days": "40"})
    assert bad.status_code == 400 and 'id="error-month_days"' in bad.content.decode()
    area_bad = officer.post(f"/tips/posts/{shop.pk}/beats/new/", {"lookout": net.lookout.pk, "area": "{not json"})
    assert area_bad.status_code == 400 and 'id="error-area"' in area_bad.content.decode()
    assert not Beat.objects.exists()
    good = officer.post(
        f"/tips/posts/{shop.pk}/beats/new/",
        {"lookout": net.lookout.pk, "buildings": [net.b1[0].pk], "weekdays": ["1", "3"], "month_days": "15"},
    )
    beat = Beat.objects.get()
    assert good.status_code == 302 and beat.weekdays == "13" and list(beat.buildings.all()) == [net.b1[0]]
    assert officer.get(f"/tips/posts/{shop.pk}/").status_code == 200
    officer.post(f"/tips/posts/{shop.pk}/beats/{beat.pk}/", {"delete": "1"})
    assert not Beat.objects.exists()
    assert AuditEntry.objects.filter(action="beat_delete").exists()
    # Station B's chief: 404 on the post; a lookout or a volunteer may not open the network pages.
    stranger = login(net.b.chief)
    assert stranger.get(f"/tips/posts/{shop.pk}/").status_code == 404
    assert stranger.post(f"/tips/posts/{shop.pk}/beats/new/", {"lookout": net.lookout.pk}).status_code == 404
    assert login(net.lookout).get("/tips/posts/").status_code == 403
    assert login(net.volunteer).get("/tips/coverage.geojson").status_code == 403


def test_coverage_geojson_has_layers_and_nothing_personal(net, login):
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout, building_ids=[net.b1[0].pk])
    client = login(net.officer2)
    answer = client.get("/tips/coverage.geojson")
    data = answer.json()
    layers = {f["properties"]["layer"] for f in data["features"]}
    assert layers == {"grid", "building", "post"}
    text = answer.content.decode()
    assert net.lookout.display_name not in text and net.lookout.username not in text
    covered = [f for f in data["features"] if f["properties"]["layer"] == "building" and f["properties"]["is_covered"]]
    assert [f["properties"]["name"] for f in covered] == [net.b1[0].name]
    assert client.get("/tips/coverage.geojson?on=2026-13-01").status_code == 400
    assert client.get("/tips/coverage/").status_code == 200
    assert Building.objects.filter(station=net.b.station).count() == 0
    assert (
        login(net.b.chief).get("/tips/coverage.geojson").json()["features"][0]["properties"]["name"] != net.grid1.name
    )


def test_beats_of_other_posts_are_404(net, login):
    other = trade_post_save(
        actor=net.chief,
        station=net.station,
        kind="other",
        name="别的点",
        lat=net.in_grid1[0],
        lon=net.in_grid1[1],
        lookouts=[net.lookout],
    )
    beat = beat_save(actor=net.chief, post=other, lookout=net.lookout, building_ids=[net.b1[0].pk])
    assert login(net.chief).get(f"/tips/posts/{net.post.pk}/beats/{beat.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        beat_delete(actor=net.lookout, beat=beat)


def test_the_lookouts_to_ask_about_a_place_are_those_whose_beat_covers_it(net):
    near = net.b1[0]
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout, building_ids=[near.pk], weekdays=[2])
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout2, building_ids=[net.b1[2].pk])
    # 0.0001° (about 11 m) from the first building: only its lookout; on a Wednesday nobody.
    here = {"station_id": net.station.pk, "lat": near.lat + 0.0001, "lon": near.lon}
    assert coverage.lookout_ids_covering(**here) == [net.lookout.pk]
    assert coverage.lookout_ids_covering(**here, on=dt.date(2026, 6, 17)) == []
    beat_save(actor=net.officer, post=net.post, lookout=net.lookout2, grid_ids=[net.grid1.pk])
    assert coverage.lookout_ids_covering(**here) == sorted([net.lookout.pk, net.lookout2.pk])
    far = {"station_id": net.station.pk, "lat": net.in_grid2[0], "lon": net.in_grid2[1]}
    assert coverage.lookout_ids_covering(**far) == []
