"""Signed webhook deliveries: the sender that empties the store's outbox, and how a
receiver checks a signature.

A finished job or batch leaves a delivery in the store (`JobService`); a sender in
every server and worker takes the due ones (each leased to one sender), POSTs them and
records the outcome, retrying with doubling waits until it is delivered or out of
tries. Every delivery carries

    X-Factdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">

made with FACTDESK_WEBHOOKS__SECRET, so a receiver can tell the body came from this
desk, unaltered, recently (`verify`). Webhook URLs are untrusted: the connection goes
through the same SSRF guard as page fetching (private and loopback addresses only when
FACTDESK_WEBHOOKS__ALLOW_HOSTS names them).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from datetime import timedelta

import httpx

from factdesk.backends.fetch.netguard import AllowList, GuardedTransport, check_url
from factdesk.errors import FactdeskError, redact
from factdesk.protocols import DeliveryStore
from factdesk.published import WebhookDelivery
from factdesk.records import utcnow
from factdesk.settings import WebhookSettings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Factdesk-Signature"
TOLERANCE_S = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, now: float | None = None, tolerance_s: int = TOLERANCE_S
) -> bool:
    """True when `header` signs `body` with `secret` and is at most `tolerance_s` old
    (which stops a captured delivery from being replayed later)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not given:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, body, int(timestamp)).rpartition("v1=")[2]
    return hmac.compare_digest(expected, given)


class WebhookSender:
    """Sends due deliveries every `poll_s` on a background thread (`start`), or once
    (`send_due`)."""

    def __init__(self, deliveries: DeliveryStore, settings: WebhookSettings) -> None:
        self._deliveries = deliveries
        self._settings = settings
        self._allow = AllowList(settings.allow_hosts)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def send_due(self, limit: int = 50) -> int:
        """Send what is due now; return how many were delivered."""
        lease = self._settings.timeout_s * 2 + 5
        due = self._deliveries.due(utcnow(), lease, limit)
        if not due:
            return 0
        return asyncio.run(self._send_all(due))

    async def _send_all(self, due: list[WebhookDelivery]) -> int:
        transport = GuardedTransport(self._allow)
        async with httpx.AsyncClient(
            transport=transport, timeout=self._settings.timeout_s, follow_redirects=False
        ) as client:
            outcomes = await asyncio.gather(*(self._send(client, d) for d in due))
        return sum(outcomes)

    async def _send(self, client: httpx.AsyncClient, delivery: WebhookDelivery) -> bool:
        body = delivery.payload.encode()
        secret = self._settings.secret.get_secret_value()
        headers = {
            "content-type": "application/json",
            "user-agent": "factdesk-webhooks/0.1",
            "X-Factdesk-Event": delivery.event,
            "X-Factdesk-Delivery": delivery.id,
            SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        }
        attempts = delivery.attempts + 1
        status: int | None = None
        try:
            check_url(delivery.url, self._allow)
            response = await client.post(delivery.url, content=body, headers=headers)
            status = response.status_code
            error = None if response.is_success else f"the receiver answered {status}"
        except (httpx.HTTPError, FactdeskError) as exc:
            error = redact(str(exc)) or type(exc).__name__  # the deliveries API shows it
        if error is None:
            self._deliveries.update(
                delivery.id, status="delivered", attempts=attempts, last_status=status,
                last_error=None, delivered_at=utcnow(),
            )  # fmt: skip
            return True
        wait = self._settings.backoff_s * 2 ** (attempts - 1)
        self._deliveries.update(
            delivery.id,
            status="failed" if attempts >= self._settings.attempts else "pending",
            attempts=attempts,
            last_status=status,
            last_error=error[:500],
            next_attempt_at=utcnow() + timedelta(seconds=wait),
        )
        return False

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="factdesk-webhooks", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.wait(self._settings.poll_s):
            try:
                self.send_due()
            except Exception:  # the store may be briefly unreachable; try again later
                log.exception("sending webhook deliveries failed")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(self._settings.timeout_s + 5)
            self._thread = None
