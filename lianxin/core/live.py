"""Live push to open pages: a service publishes an event on a topic; pages listen with Server-Sent Events.

Topics name who listens: `user:<id>` (one person's phone), `station:<id>` (the station-wide
roles: chief, registry, duty desk), `role:<station id>:<role>` (everyone of one role).
`live_topics_for(user)` says which topics a signed-in user hears; apps publish to them and
never need to know who is connected.

One process (the demo) fans out in memory. Several web processes share Redis pub/sub:
set LIANXIN_REDIS_URL and every process subscribes to the same channels, so an event
published by one reaches a page connected to another. Events are hints to look again, not
the record: the record is in the database, and a page that reconnects (EventSource does so
by itself) re-reads what it missed from there.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse

from lianxin.core.roles import STATION_WIDE_ROLES, has_role

logger = logging.getLogger("lianxin.live")

CHANNEL_PREFIX = "lianxin:live:"
HEARTBEAT_SECONDS = 15.0
# A stream ends after this long; the browser reconnects at once, so no connection is held forever.
STREAM_MAX_SECONDS = 300.0


@dataclass(frozen=True)
class LiveEvent:
    topic: str
    kind: str
    data: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"topic": self.topic, "kind": self.kind, "data": self.data}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> LiveEvent:
        raw = json.loads(text)
        return cls(topic=raw["topic"], kind=raw["kind"], data=raw.get("data") or {})


def live_topics_for(user: Any) -> list[str]:
    """Return the topics a signed-in user hears: their own, their role's, and the station's if station-wide."""
    if not getattr(user, "is_authenticated", False):
        return []
    topics = [f"user:{user.pk}"]
    if user.station_id:
        topics.append(f"role:{user.station_id}:{user.role}")
        if has_role(user, STATION_WIDE_ROLES):
            topics.append(f"station:{user.station_id}")
    return topics


# --- the in-process hub ----------------------------------------------------------------------------------------


class _Hub:
    """Subscribers of this process: (loop, queue, topics); publish is safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[LiveEvent], frozenset[str]]] = []

    def add(self, topics: Iterable[str]) -> asyncio.Queue[LiveEvent]:
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue()
        with self._lock:
            self._subscribers.append((asyncio.get_running_loop(), queue, frozenset(topics)))
        return queue

    def remove(self, queue: asyncio.Queue[LiveEvent]) -> None:
        with self._lock:
            self._subscribers = [s for s in self._subscribers if s[1] is not queue]

    def deliver(self, event: LiveEvent) -> int:
        with self._lock:
            targets = [(loop, queue) for loop, queue, topics in self._subscribers if event.topic in topics]
        for loop, queue in targets:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            except RuntimeError:  # that page's loop has closed; it is gone
                pass
        return len(targets)


_hub = _Hub()


def _redis_url() -> str:
    return getattr(settings, "LIANXIN_REDIS_URL", "") or ""


@functools.lru_cache(maxsize=8)
def _publisher(url: str):
    """One client per Redis URL and process, its connections pooled (redis-py's pool is thread-safe and
    starts afresh in a forked child). A case's creation publishes to a dozen topics: a new client and
    TCP connection for each cost about 2 ms of the request."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


def _publish_now(event: LiveEvent) -> None:
    url = _redis_url()
    if not url:
        _hub.deliver(event)
        return
    import redis

    try:
        _publisher(url).publish(CHANNEL_PREFIX + event.topic, event.to_json())
    except redis.RedisError:
        # The record is saved; a page that missed the push sees it on its next read.
        logger.exception("live: could not publish %s on %s", event.kind, event.topic)


def live_publish(*, topic: str, kind: str, data: dict[str, Any] | None = None) -> None:
    """Publish an event on a topic once the current transaction commits (at once outside one)."""
    event = LiveEvent(topic=topic, kind=kind, data=data or {})
    transaction.on_commit(lambda: _publish_now(event))


async def live_events(
    topics: Iterable[str], *, heartbeat: float = HEARTBEAT_SECONDS
) -> AsyncIterator[LiveEvent | None]:
    """Yield the events published on topics from now on; None every `heartbeat` seconds of silence."""
    topics = list(topics)
    url = _redis_url()
    if not url:
        queue = _hub.add(topics)
        try:
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=heartbeat)
                except TimeoutError:
                    yield None
        finally:
            _hub.remove(queue)
    else:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url)
        pubsub = client.pubsub()
        await pubsub.subscribe(*[CHANNEL_PREFIX + t for t in topics])
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=heartbeat)
                if message is None:
                    yield None
                elif message.get("type") == "message":
                    yield LiveEvent.from_json(message["data"])
        finally:
            await pubsub.aclose()
            await client.aclose()


def _sse(event: LiveEvent) -> str:
    return f"event: {event.kind}\ndata: {event.to_json()}\n\n"


async def _stream(topics: list[str], *, max_seconds: float) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + max_seconds
    yield "retry: 2000\n: connected\n\n"
    async for event in live_events(topics):
        yield ": heartbeat\n\n" if event is None else _sse(event)
        if loop.time() >= ends_at:
            break


def sse_response(topics: list[str], *, max_seconds: float = STREAM_MAX_SECONDS) -> StreamingHttpResponse:
    """Return a text/event-stream response carrying the events of topics (serve it from an async view)."""
    response = StreamingHttpResponse(_stream(topics, max_seconds=max_seconds), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # a reverse proxy must not hold the stream back
    return response
