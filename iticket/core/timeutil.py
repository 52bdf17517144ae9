"""Time helpers: every instant in iTicket is a timezone-aware UTC datetime.

SQLite has no timezone type, so :class:`UTCDateTime` stores naive UTC and hands back aware
values; PostgreSQL gets ``timestamptz``. Front ends convert to the hospital's zone only to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Now, in UTC. Every service stamps rows through this one function, so the clock seam
    below moves all of them together."""
    if _clock is not None:
        return _clock()
    return datetime.now(UTC)


@contextmanager
def clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Run a block with ``utcnow()`` answered by ``now`` (an aware datetime factory).

    Explicit and scoped on purpose: ``iticket demo`` replays two months of history through the
    real services, and tests pin "now"; production code never sets it."""
    global _clock
    previous, _clock = _clock, now
    try:
        yield
    finally:
        _clock = previous


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (naive UTC on disk for SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def local_zone(name: str | None) -> tzinfo:
    """The hospital's zone: ``ITICKET_TIMEZONE`` if set, else the system's (by its IANA name
    when the system says it, so daylight saving is followed; else its current fixed offset)."""
    from zoneinfo import ZoneInfo

    name = name or system_zone_name()
    if name:
        return ZoneInfo(name)
    return datetime.now().astimezone().tzinfo or UTC


def system_zone_name() -> str | None:
    """The system's IANA zone name (``TZ``, ``/etc/timezone`` or the ``/etc/localtime`` link),
    or ``None`` when it cannot be told."""
    import os
    from pathlib import Path
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if not name or name.startswith("/"):
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return name
    return None
