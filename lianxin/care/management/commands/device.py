"""`lianxin device simulate`: behave like N call devices on the MQTT broker (heartbeats, SOS, a dropped connection)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lianxin.care.models import Device
from lianxin.care.mqtt import SimulationPlan, broker, broker_is_up, simulate
from lianxin.care.services import device_key


class Command(BaseCommand):
    help = "Call devices: `simulate` behaves like N of them on the broker."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sim = sub.add_parser("simulate", help="behave like N devices (heartbeats, SOS, a dropped connection)")
        host, port = broker()
        sim.add_argument("--host", default=host)
        sim.add_argument("--port", type=int, default=port)
        sim.add_argument(
            "--device",
            action="append",
            default=[],
            metavar="ID[:KEY]",
            help="a device (its key read from the database if not given)",
        )
        sim.add_argument("--count", type=int, default=0, help="also the first N enabled devices of the database")
        sim.add_argument("--heartbeat", type=float, default=30.0, help="seconds between heartbeats (default 30)")
        sim.add_argument("--seconds", type=float, default=60.0, help="how long to run (default 60)")
        sim.add_argument(
            "--sos", action="append", default=[], metavar="ID", help="press SOS on this device at the start"
        )
        sim.add_argument(
            "--sos-twice", action="store_true", help="deliver each SOS twice with one message id (QoS 1 redelivery)"
        )
        sim.add_argument("--checkin", action="append", default=[], metavar="ID", help="press the check-in key")
        sim.add_argument(
            "--drop", action="append", default=[], metavar="ID", help="drop this device's connection (its will fires)"
        )
        sim.add_argument(
            "--silent", action="append", default=[], metavar="ID", help="stay connected but send no heartbeat"
        )

    def handle(self, *args, action: str, **o):
        devices: dict[str, str] = {}
        for spec in o["device"]:
            device_id, _sep, key = spec.partition(":")
            if not key:
                row = Device.objects.filter(device_id=device_id).first()
                if row is None:
                    raise CommandError(f"no device {device_id!r}")
                key = device_key(row)
            devices[device_id] = key
        if o["count"]:
            for row in Device.objects.filter(is_enabled=True).order_by("id")[: o["count"]]:
                devices.setdefault(row.device_id, device_key(row))
        if not devices:
            raise CommandError("name devices with --device or --count")
        for name in ("sos", "checkin", "drop", "silent"):
            unknown = [d for d in o[name] if d not in devices]
            if unknown:
                raise CommandError(f"--{name}: not among the simulated devices: {', '.join(unknown)}")
        if not broker_is_up(o["host"], o["port"]):
            raise CommandError(f"no MQTT broker at {o['host']}:{o['port']}")
        plan = SimulationPlan(
            devices=list(devices.items()),
            heartbeat_seconds=o["heartbeat"],
            duration_seconds=o["seconds"],
            sos=o["sos"],
            sos_twice=o["sos_twice"],
            checkin=o["checkin"],
            drop=o["drop"],
            silent=o["silent"],
        )
        sent = simulate(plan, host=o["host"], port=o["port"], log=self.stdout.write)
        self.stdout.write("device simulate: " + " ".join(f"{k}={v}" for k, v in sent.items()))
