"""API tokens held in the store, with per-token rate limits and daily quotas.

A token is shown once, when it is made: `fdk_<id>_<secret>`. The store keeps only the
SHA-256 of the secret, and a presented token is checked by comparing digests in
constant time. Limits are counted in the store's shared counters, so they hold across
every server replica: writes per minute (fixed one-minute windows) and checks per UTC
day (a batch spends one per question; a refused batch spends nothing).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from factdesk.errors import RateLimitedError
from factdesk.protocols import TokenStore
from factdesk.published import ApiToken
from factdesk.records import utcnow

PREFIX = "fdk"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    tokens: TokenStore, name: str, rate_per_minute: int, daily_quota: int
) -> tuple[ApiToken, str]:
    """Store a new token; return it and the only copy of its full text."""
    secret = secrets.token_urlsafe(24)
    token = ApiToken(
        id=secrets.token_hex(4),
        name=name,
        secret_sha256=_digest(secret),
        rate_per_minute=rate_per_minute,
        daily_quota=daily_quota,
        created_at=utcnow(),
    )
    tokens.add(token)
    return token, f"{PREFIX}_{token.id}_{secret}"


def looks_like_token(presented: str | None) -> bool:
    return bool(presented) and str(presented).startswith(f"{PREFIX}_")


def authenticate(tokens: TokenStore, presented: str) -> ApiToken | None:
    """The active token `presented` is, or None (unknown, wrong secret or revoked)."""
    prefix, _, rest = presented.partition("_")
    token_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not token_id or not secret:
        return None
    token = tokens.get(token_id)
    digest = _digest(secret)
    stored = token.secret_sha256 if token is not None else _digest("")
    if not secrets.compare_digest(stored, digest) or token is None or token.revoked_at:
        return None
    return token


def take_write(tokens: TokenStore, token: ApiToken, now: datetime | None = None) -> None:
    """Spend one write of the token's per-minute allowance, or raise RateLimitedError."""
    if not token.rate_per_minute:
        return
    now = now or utcnow()
    used = tokens.count(f"writes:{token.id}", now.strftime("%Y-%m-%dT%H:%M"))
    if used > token.rate_per_minute:
        raise RateLimitedError(
            f"This token allows {token.rate_per_minute} writes a minute; try again in "
            f"{60 - now.second} s.",
            60 - now.second,
        )


def take_checks(
    tokens: TokenStore, token: ApiToken, checks: int, now: datetime | None = None
) -> None:
    """Spend `checks` of the token's daily quota, all or none, or raise RateLimitedError."""
    if not token.daily_quota or checks <= 0:
        return
    now = now or utcnow()
    day = now.date().isoformat()
    used = tokens.count(f"checks:{token.id}", day, checks)
    if used > token.daily_quota:
        tokens.count(f"checks:{token.id}", day, -checks)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
        raise RateLimitedError(
            f"This token's quota is {token.daily_quota} checks a day and {used - checks} are "
            f"used today, so {checks} more do not fit; it renews at midnight UTC.",
            int((midnight - now).total_seconds()) + 1,
        )
