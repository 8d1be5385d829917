"""Lianxin's ASGI app under uvicorn in a thread of the test process (the WSGI live_server cannot stream events).

It runs in the test's own process so it shares the test database; it keeps its port across a
stop and a start, so a test can take the server down under an open page and bring it back.
"""

from __future__ import annotations

import socket
import threading
import time

# Open streams (the live event stream) get this long to end by themselves when the server stops.
STOP_GRACE_SECONDS = 0.5
START_TIMEOUT_SECONDS = 5.0


class AsgiServer:
    """One uvicorn server on a free loopback port: `start()`, `stop()`, and `start()` again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Serve until stop(); raises RuntimeError if uvicorn has not started within START_TIMEOUT_SECONDS."""
        import uvicorn

        from lianxin.asgi import application

        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=STOP_GRACE_SECONDS,
        )
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop serving: open connections are closed after STOP_GRACE_SECONDS."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server = self._thread = None
