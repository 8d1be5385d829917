"""lianxin.asgi.BoundedRequests: at most N requests in Django at once, first come first served; an upload or a stream holds no turn."""

from __future__ import annotations

import asyncio

from lianxin.asgi import BoundedRequests


def _run(app, paths: list[str]) -> list[str]:
    async def main() -> list[str]:
        done: list[str] = []

        async def one(path: str) -> None:
            pieces = 5 if path.startswith("/upload") else 1

            async def receive():
                nonlocal pieces
                pieces -= 1
                if pieces > 0:
                    await asyncio.sleep(0.05)  # a phone sending its body slowly
                return {"type": "http.request", "body": b"x", "more_body": pieces > 0}

            async def send(message):
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    done.append(path)

            await app({"type": "http", "path": path}, receive, send)

        await asyncio.gather(*(one(p) for p in paths))
        return done

    return asyncio.run(main())


class Recorder:
    """An app that counts how many requests are inside it before their answer starts."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.order: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        while (await receive()).get("more_body"):  # as Django does: the whole body first
            pass
        self.inside += 1
        self.most = max(self.most, self.inside)
        self.order.append(scope["path"])
        await asyncio.sleep(0.01)
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"].startswith("/stream"):
            await asyncio.sleep(0.2)  # a long body after the start: holds no turn
        await send({"type": "http.response.body", "body": b"ok"})


def test_no_more_than_the_limit_run_at_once_and_all_are_answered_in_arrival_order():
    app = Recorder()
    paths = [f"/r{i}" for i in range(12)]
    assert sorted(_run(BoundedRequests(app, 3), paths)) == sorted(paths)
    assert app.most == 3
    assert app.order == paths


def test_without_a_bound_every_request_is_inside_at_once():
    app = Recorder()
    _run(BoundedRequests(app, 0), [f"/r{i}" for i in range(12)])
    assert app.most == 12


def test_a_streaming_answer_gives_its_turn_back_when_it_starts():
    app = Recorder()
    # one turn, two long streams first: the short requests behind them must not wait for the streams' bodies
    done = _run(BoundedRequests(app, 1), ["/stream-a", "/stream-b", "/short-1", "/short-2"])
    assert done.index("/short-1") < done.index("/stream-a") and done.index("/short-2") < done.index("/stream-b")


def test_a_slow_upload_holds_no_turn_while_its_body_comes_in():
    app = Recorder()
    done = _run(BoundedRequests(app, 1), ["/upload-a", "/short-1", "/short-2"])
    assert done.index("/short-1") < done.index("/upload-a") and done.index("/short-2") < done.index("/upload-a")


def test_an_app_that_fails_before_answering_gives_its_turn_back():
    async def broken(scope, receive, send):
        await receive()
        raise RuntimeError("boom")

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    bounded = BoundedRequests(broken, 1)

    async def main() -> None:
        for _ in range(3):  # would hang on the second call if the turn were kept
            try:
                await asyncio.wait_for(bounded({"type": "http", "path": "/"}, receive, None), timeout=2)
            except RuntimeError:
                pass

    asyncio.run(main())
