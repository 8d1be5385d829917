"""ASGI entry point (uvicorn); live push uses async views under it.

Django runs each request's sync code in a thread of its own under ASGI, so a process under load
has as many threads as requests in flight, all sharing one interpreter lock and the database
pool: 50 busy users made every answer slow at once and ran the pool dry. `BoundedRequests` lets
at most settings.LIANXIN_WEB_CONCURRENCY requests into Django at a time per process; the others
wait their turn in the event loop, first come first served. A turn starts once the request's body
is in and ends when its answer starts, so a slow upload, a live stream or a long download holds
none while it flows.
"""

from __future__ import annotations

import asyncio
import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")


class BoundedRequests:
    """Wrap an ASGI app so that at most `limit` HTTP requests run in it at once (0: no bound)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._turns: asyncio.Semaphore | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        if self._turns is None:  # made in the server's own event loop
            self._turns = asyncio.Semaphore(self.limit)
        turns = self._turns
        state = {"held": False, "taken": False}

        async def receive_then_wait_for_a_turn():
            # Django reads the whole body before it runs anything: a phone uploading a video
            # slowly holds no turn. The turn is taken when the last piece of the body is in.
            message = await receive()
            if not state["taken"] and message["type"] == "http.request" and not message.get("more_body", False):
                state["taken"] = True
                await turns.acquire()
                state["held"] = True
            return message

        def give_back() -> None:
            if state["held"]:
                state["held"] = False
                turns.release()

        async def send_and_give_back(message) -> None:
            if message["type"] == "http.response.start":
                give_back()
            await send(message)

        try:
            await self.app(scope, receive_then_wait_for_a_turn, send_and_give_back)
        finally:
            give_back()


application = BoundedRequests(get_asgi_application(), settings.LIANXIN_WEB_CONCURRENCY)
