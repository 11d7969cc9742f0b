"""How the API writes a moment: ISO 8601 in UTC, whole seconds. A leaf module, so that sessions,
passkeys and known browsers share it without importing one another."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(timestamp: float) -> str:
    """A Unix time as ISO 8601 in UTC, whole seconds (``2026-12-04T03:20:17+00:00``)."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).isoformat()
