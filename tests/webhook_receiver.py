"""A slow webhook receiver for the sender tests: records each delivery as it arrives."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True, slots=True)
class Delivery:
    path: str
    event_id: str
    signature: str
    body: bytes
    at: float

    @property
    def data(self) -> dict:
        return json.loads(self.body)["data"]


class SlowReceiver:
    """Answers 204 after ``delay_s``; keeps every delivery and the most requests in flight."""

    def __init__(self, delay_s: float = 0.01) -> None:
        self.deliveries: list[Delivery] = []
        self.max_in_flight = 0
        self._in_flight = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.deliveries.append(
                        Delivery(
                            self.path,
                            self.headers["Safeguarding-Event-Id"],
                            self.headers["Safeguarding-Signature"],
                            body,
                            time.monotonic(),
                        )
                    )
                    receiver._in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver._in_flight)
                time.sleep(delay_s)
                with lock:
                    receiver._in_flight -= 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, path: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def first_seen(deliveries: list[Delivery]) -> list[Delivery]:
    """The deliveries after de-duplication on the event id, as a receiver should do."""
    seen: set[str] = set()
    out = []
    for d in deliveries:
        if d.event_id not in seen:
            seen.add(d.event_id)
            out.append(d)
    return out
