"""`lianxin listen_devices`: take call-device messages from the MQTT broker into the care app until stopped."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from lianxin.care.mqtt import LISTENER_CLIENT_ID, broker, broker_is_up, listen


class Command(BaseCommand):
    help = "Listen to the call devices on the MQTT broker (topics lianxin/care/<device>/<kind>)."

    def add_arguments(self, parser):
        host, port = broker()
        parser.add_argument("--host", default=host)
        parser.add_argument("--port", type=int, default=port)
        parser.add_argument("--client-id", default=LISTENER_CLIENT_ID)
        parser.add_argument(
            "--seconds", type=float, default=0.0, help="stop after this long (default: run until stopped)"
        )

    def handle(self, *args, host: str, port: int, client_id: str, seconds: float, **options):
        if not broker_is_up(host, port):
            raise CommandError(f"no MQTT broker at {host}:{port}")
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        if seconds > 0:
            threading.Timer(seconds, stop.set).start()
        self.stdout.write(f"listen_devices: {host}:{port} as {client_id}; stop with Ctrl-C or SIGTERM")
        stats = listen(host=host, port=port, stop=stop, client_id=client_id)
        self.stdout.write(
            f"listen_devices: accepted={stats.accepted} duplicates={stats.duplicates} refused={stats.refused} "
            f"malformed={stats.malformed} failed={stats.failed}"
        )
