"""`lianxin bank simulate`: play a partner bank's system against the station's signed bank API.

It listens on 127.0.0.1 for the station's signed requests (checking each signature), and answers each
one by posting a signed answer back to the station: it may accept and hold, answer late, answer
twice (a new message with the same idempotency key), refuse, or be down (answer 503 so the station
retries and dead-letters). To prove the station's checks it can also misbehave: `--tamper signature`
signs with a secret that is not the bank's, `--tamper request` answers a request id the station never
sent, `--replay` sends each signed answer a second time byte for byte. With a token it also uploads a
ledger file for the request. Bounded: it stops after --requests requests or --seconds. Only loopback
addresses are used. Each thing it does is printed as one JSON line.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianxin.antifraud.services.outbox import HEADER_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, sign

BEHAVIOURS = ("accept", "late", "twice", "empty", "reject", "down")
TAMPERS = ("signature", "request")
LATE_FACTOR = 10  # "late" waits this many times --delay before answering
UNKNOWN_REQUEST_OFFSET = 10_000_000  # --tamper request: an id this far past the real one was never sent
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def signed_request(url: str, key_id: str, secret: str, body: dict) -> urllib.request.Request:
    """A POST of a JSON body signed as a bank's system (sendable again as it is: a replay)."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    timestamp = int(time.time())
    return urllib.request.Request(
        url,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            HEADER_KEY: key_id,
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: sign(secret, timestamp, raw),
        },
    )


def send(request: urllib.request.Request) -> tuple[int, dict]:
    """Send a request; return (status, JSON answer)."""
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback only
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def upload_ledger(url: str, token: str, path: Path) -> tuple[int, dict]:
    """POST a ledger file as multipart/form-data with the bank's API token."""
    boundary = uuid.uuid4().hex
    data = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback only
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Command(BaseCommand):
    help = "Play a partner bank's system against the station's signed bank API (simulate)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["simulate"])
        parser.add_argument("--station", required=True, help="the station's base URL, e.g. http://127.0.0.1:8000")
        parser.add_argument("--key-id", required=True)
        parser.add_argument("--secret", required=True)
        parser.add_argument("--port", type=int, default=8765, help="port to listen on (127.0.0.1)")
        parser.add_argument(
            "--behaviour",
            choices=BEHAVIOURS,
            default="accept",
            help="accept (hold), late (answer after --delay × 10), twice (resend with the same idempotency key), "
            "empty, reject, down (answer the station's requests with 503)",
        )
        parser.add_argument(
            "--tamper",
            choices=TAMPERS,
            default=None,
            help="misbehave on purpose: 'signature' signs answers with a wrong secret (the station must answer 401), "
            "'request' answers a request id the station never sent (404)",
        )
        parser.add_argument(
            "--replay", action="store_true", help="send each signed answer twice, byte for byte (the station: 409)"
        )
        parser.add_argument("--hold-fen", type=int, default=None, help="hold at most this much (default: all)")
        parser.add_argument("--delay", type=float, default=0.2, help="seconds before answering (late: more)")
        parser.add_argument("--token", default="", help="the bank's API token, to upload --ledger")
        parser.add_argument("--ledger", default="", help="a ledger file to upload for each request")
        parser.add_argument("--requests", type=int, default=1, help="stop after this many requests")
        parser.add_argument("--seconds", type=float, default=60, help="stop after this long in any case")

    def handle(self, *args, **opts):
        station = opts["station"].rstrip("/")
        host = station.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if host not in LOOPBACK:
            raise CommandError("the simulator talks to a station on this machine only (127.0.0.1)")
        answer_url = f"{station}/api/v1/bank/signed/answers"
        done = threading.Event()
        seen: list[int] = []
        out = self.stdout

        def say(**event) -> None:
            out.write(json.dumps(event, ensure_ascii=False))
            out.flush()

        def answer(body: dict) -> None:
            time.sleep(opts["delay"] * (LATE_FACTOR if opts["behaviour"] == "late" else 1))
            kind = {"accept": "held", "late": "held", "twice": "held", "empty": "empty", "reject": "rejected"}
            held = body["amount_fen"] if opts["hold_fen"] is None else min(opts["hold_fen"], body["amount_fen"])
            request_id = body["request_id"] + (UNKNOWN_REQUEST_OFFSET if opts["tamper"] == "request" else 0)
            secret = opts["secret"] + ("-not-the-banks" if opts["tamper"] == "signature" else "")
            message = {
                "request_id": request_id,
                "idempotency_key": f"sim-{body['request_id']}",
                "answer": kind[opts["behaviour"]],
                "held_fen": held,
                "note": "模拟银行：已止付" if opts["behaviour"] != "reject" else "模拟银行：账户状态不允许",
            }
            for attempt in range(2 if opts["behaviour"] == "twice" else 1):
                if attempt:  # a bank system that resends after a second: a new message, the same key
                    time.sleep(1.1)
                signed = signed_request(answer_url, opts["key_id"], secret, message)
                status, reply = send(signed)
                say(event="answered", request_id=request_id, status=status, reply=reply, tamper=opts["tamper"])
                if opts["replay"]:  # the very same bytes and headers again, as an eavesdropper would
                    status, reply = send(signed)
                    say(event="replayed", request_id=request_id, status=status, reply=reply)
            if opts["ledger"] and opts["token"]:
                status, reply = upload_ledger(
                    f"{station}/api/v1/bank/requests/{body['request_id']}/ledger", opts["token"], Path(opts["ledger"])
                )
                say(event="ledger", request_id=body["request_id"], status=status, reply=reply)
            if len(seen) >= opts["requests"]:
                done.set()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    timestamp = int(self.headers.get(HEADER_TIMESTAMP, ""))
                except ValueError:
                    timestamp = -1
                good = sign(opts["secret"], timestamp, raw) == (self.headers.get(HEADER_SIGNATURE) or "")
                # Each line is written before the answer, so whoever sees the answer finds the line.
                if not good:
                    say(event="refused", reason="bad signature")
                    self.send_response(401)
                    self.end_headers()
                    return
                if opts["behaviour"] == "down":
                    say(event="down")
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.loads(raw)
                seen.append(body["request_id"])
                say(event="received", request_id=body["request_id"], account=body["account"])
                self.send_response(202)
                self.end_headers()
                threading.Thread(target=answer, args=(body,), daemon=True).start()

            def log_message(self, *args):  # quiet: the JSON lines say what happened
                return

        server = ThreadingHTTPServer(("127.0.0.1", opts["port"]), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        say(event="listening", port=opts["port"], behaviour=opts["behaviour"])
        done.wait(timeout=opts["seconds"])
        time.sleep(0.2)
        server.shutdown()
        say(event="stopped", requests=len(seen))
