"""State the emulator keeps on a moto object (a pool, a backend): moto's models have no place for
what devstack adds, so it rides along as an attribute, and goes when moto resets the object."""

from __future__ import annotations

from typing import Any


def table(owner: Any, name: str) -> dict[Any, Any]:
    """The dict ``owner`` carries under ``name``, made empty on first use."""
    found: dict[Any, Any] | None = getattr(owner, name, None)
    if found is None:
        found = {}
        setattr(owner, name, found)
    return found
