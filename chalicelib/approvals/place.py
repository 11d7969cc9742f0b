"""Roughly where an IP address is, for the approval page: from a local database only.

A stage may ship a MaxMind-format database (GeoLite2 or GeoIP2, City or Country;
``SESAME_GEOIP_DB``: its path, relative to the package). Without one, or for an
address it does not know, there is no place and the page shows the IP alone.
Never a network call: the answer comes from a file in the package.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

SETTING = "SESAME_GEOIP_DB"
_ROOT = Path(__file__).resolve().parents[2]  # the package's root: the stage's path is relative to it


@lru_cache(maxsize=2)
def _reader(path: str) -> Any:
    import maxminddb  # on first use, and only on stages that have a database

    return maxminddb.open_database(str(_ROOT / path))


def _name(record: dict[str, Any], part: str, locale: str) -> str | None:
    names = record.get(part, {}).get("names", {})
    found = names.get(locale.split("-")[0]) or names.get("en")
    return str(found) if found else None


def near(ip: str, locale: str) -> str | None:
    """"Berlin, Germany" (in ``locale`` where the database has it), or None."""
    path = os.environ.get(SETTING)
    if not path:
        return None
    try:
        record = _reader(path).get(ip)
    except (OSError, ValueError):  # a missing or broken file, or no IP (API Gateway always has one)
        return None
    if not isinstance(record, dict):
        return None
    parts = (_name(record, "city", locale), _name(record, "country", locale))
    return ", ".join(p for p in parts if p) or None
