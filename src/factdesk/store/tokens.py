"""API tokens and shared usage counters in the store's database.

The counters are what makes rate limits and quotas hold across server replicas: each
request adds to a row keyed by token and period with one upsert, and the new count
comes back in the same statement.
"""

from __future__ import annotations

from factdesk.published import ApiToken
from factdesk.records import utcnow
from factdesk.sqlitedb import fields
from factdesk.store.sql import SQLDatabase


class SQLTokens:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def add(self, token: ApiToken) -> None:
        self._db.execute(
            "INSERT INTO api_tokens(id, name, secret_sha256, rate_per_minute, daily_quota, "
            "created_at) VALUES (?,?,?,?,?,?)",
            (
                token.id,
                token.name,
                token.secret_sha256,
                token.rate_per_minute,
                token.daily_quota,
                token.created_at.isoformat(),
            ),
        )

    def get(self, token_id: str) -> ApiToken | None:
        row = self._db.row("SELECT * FROM api_tokens WHERE id=?", (token_id,))
        return None if row is None else ApiToken.model_validate(fields(row))

    def all(self) -> list[ApiToken]:
        rows = self._db.rows("SELECT * FROM api_tokens ORDER BY created_at, id")
        return [ApiToken.model_validate(fields(row)) for row in rows]

    def revoke(self, token_id: str) -> bool:
        return bool(
            self._db.execute(
                "UPDATE api_tokens SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                (utcnow().isoformat(), token_id),
            )
        )

    def count(self, key: str, period: str, amount: int = 1) -> int:
        row = self._db.row(
            "INSERT INTO usage_counters(key, period, count) VALUES (?,?,?) "
            "ON CONFLICT(key, period) DO UPDATE SET count=usage_counters.count+excluded.count "
            "RETURNING count",
            (key, period, amount),
        )
        assert row is not None  # RETURNING always gives the row
        return int(row["count"])
