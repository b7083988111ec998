"""The webhook outbox in the store's database: deliveries, leased to one sender at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from factdesk.published import WebhookDelivery
from factdesk.sqlitedb import fields
from factdesk.store.sql import SQLDatabase, assignments

_COLUMNS = frozenset(
    {"status", "attempts", "next_attempt_at", "last_status", "last_error", "delivered_at"}
)


class SQLDeliveries:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def add(self, delivery: WebhookDelivery) -> None:
        self._db.execute(
            "INSERT INTO webhook_deliveries(id, target_id, event, url, payload, status, "
            "attempts, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                delivery.id,
                delivery.target_id,
                delivery.event,
                delivery.url,
                delivery.payload,
                delivery.status,
                delivery.attempts,
                delivery.next_attempt_at.isoformat(),
                delivery.created_at.isoformat(),
            ),
        )

    def due(self, now: datetime, lease_s: float, limit: int) -> list[WebhookDelivery]:
        """Each due delivery is leased by moving its next attempt past the lease: a
        conditional update, so of two senders only one gets it."""
        rows = self._db.rows(
            "SELECT * FROM webhook_deliveries WHERE status='pending' AND next_attempt_at<=? "
            "ORDER BY next_attempt_at LIMIT ?",
            (now.isoformat(), limit),
        )
        leased: list[WebhookDelivery] = []
        until = (now + timedelta(seconds=lease_s)).isoformat()
        for row in rows:
            if self._db.execute(
                "UPDATE webhook_deliveries SET next_attempt_at=? "
                "WHERE id=? AND next_attempt_at=? AND status='pending'",
                (until, row["id"], row["next_attempt_at"]),
            ):
                leased.append(WebhookDelivery.model_validate(fields(row)))
        return leased

    def update(self, delivery_id: str, **values: Any) -> None:
        columns, args = assignments(values, _COLUMNS, "webhook deliveries")
        self._db.execute(
            f"UPDATE webhook_deliveries SET {columns} WHERE id=?", (*args, delivery_id)
        )

    def for_target(self, target_id: str) -> list[WebhookDelivery]:
        rows = self._db.rows(
            "SELECT * FROM webhook_deliveries WHERE target_id=? ORDER BY created_at, id",
            (target_id,),
        )
        return [WebhookDelivery.model_validate(fields(row)) for row in rows]
