"""Live push: an event published after commit reaches a listener of its topic, in one process or through Redis."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import transaction

from lianxin.core.live import LiveEvent, live_events, live_publish, live_topics_for

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


async def _first_event(topics, publish) -> LiveEvent | None:
    stream = live_events(topics, heartbeat=0.05)
    first = await stream.__anext__()  # subscribed once the first heartbeat comes back
    assert first is None
    threading.Thread(target=publish).start()
    for _ in range(100):
        event = await stream.__anext__()
        if event is not None:
            await stream.aclose()
            return event
    await stream.aclose()
    return None


def _publish_in_a_transaction():
    with transaction.atomic():
        live_publish(topic="user:7", kind="warning", data={"id": 1})
        live_publish(topic="user:8", kind="warning", data={"id": 2})


@pytest.mark.django_db(transaction=True)
def test_an_event_reaches_a_listener_of_its_topic_only_after_commit(settings):
    settings.LIANXIN_REDIS_URL = ""
    event = asyncio.run(_first_event(["user:7"], _publish_in_a_transaction))
    assert event == LiveEvent(topic="user:7", kind="warning", data={"id": 1})


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_publishes_nothing(settings):
    settings.LIANXIN_REDIS_URL = ""

    def publish_then_fail():
        try:
            with transaction.atomic():
                live_publish(topic="user:7", kind="warning", data={})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert asyncio.run(_first_event(["user:7"], publish_then_fail)) is None


@pytest.mark.django_db(transaction=True)
def test_events_cross_processes_through_redis(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379 (CI starts one)")
    settings.LIANXIN_REDIS_URL = REDIS_TEST_URL
    event = asyncio.run(_first_event(["user:7"], _publish_in_a_transaction))
    assert event == LiveEvent(topic="user:7", kind="warning", data={"id": 1})


def test_topics_follow_the_role(world):
    assert live_topics_for(world.officer) == [f"user:{world.officer.pk}", f"role:{world.station.pk}:community_officer"]
    assert f"station:{world.station.pk}" in live_topics_for(world.auxiliary)
    assert live_topics_for(world.volunteer)[-1] == f"role:{world.station.pk}:volunteer"


def test_the_stream_needs_a_sign_in(client, db):
    response = client.get("/live/")
    assert response.status_code == 401
