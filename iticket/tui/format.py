"""How times and durations read on screen: relative ("5 min ago") next to exact local time.

The hospital's zone comes from ``ITICKET_TIMEZONE`` (else the system's); storage stays UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from rich.text import Text

from iticket.core.config import get_settings
from iticket.core.i18n import _
from iticket.core.models import Status
from iticket.core.rules import status_label
from iticket.core.timeutil import local_zone, utcnow

# Open tickets waiting longer than these are highlighted in the queue.
WAIT_WARN = timedelta(hours=8)
WAIT_ALARM = timedelta(hours=48)

STATUS_STYLE = {
    Status.PENDING: "bold yellow",
    Status.IN_PROGRESS: "bold cyan",
    Status.RESOLVED: "green",
    Status.REJECTED: "red",
}


@cache
def zone():  # type: ignore[no-untyped-def]
    return local_zone(get_settings().timezone)


def exact(dt: datetime | None) -> str:
    if dt is None:
        return "—"
    return dt.astimezone(zone()).strftime("%Y-%m-%d %H:%M")


def clock_time(dt: datetime, now: datetime | None = None) -> str:
    """Today's entries show only the time; older ones the date and time."""
    local = dt.astimezone(zone())
    today = (now or utcnow()).astimezone(zone()).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d/%m %H:%M")


def duration(delta: timedelta) -> str:
    """A compact duration: 45 min, 3 h 20 min, 2 d 4 h."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("{h} h {m} min").format(h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return _("{d} d {h} h").format(d=days, h=hours)


def relative(dt: datetime, now: datetime | None = None) -> str:
    """One unit, as people say it ("5 min ago", "13 h ago", "2 d ago"): the exact time is shown
    beside it, so "13 h 53 min" would only spend the room the sentence next to it needs."""
    delta = (now or utcnow()) - dt
    if delta < timedelta(minutes=1):
        return _("just now")
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        ago = _("{n} min").format(n=minutes)
    elif minutes < 24 * 60:
        ago = _("{h} h").format(h=minutes // 60)
    else:
        ago = _("{d} d").format(d=minutes // (24 * 60))
    return _("{ago} ago").format(ago=ago)


def when(dt: datetime, now: datetime | None = None) -> str:
    """Relative and exact together: "5 min ago · 14:32"."""
    return f"{relative(dt, now)} · {clock_time(dt, now)}"


def status_text(status: Status) -> Text:
    return Text(status_label(status), style=STATUS_STYLE.get(status, ""))


def waiting_text(created: datetime, closed: datetime | None, now: datetime | None = None) -> Text:
    """How long the ticket has waited (or waited, once closed); long waits stand out."""
    end = closed or (now or utcnow())
    delta = end - created
    style = ""
    if closed is None:
        if delta >= WAIT_ALARM:
            style = "bold red"
        elif delta >= WAIT_WARN:
            style = "yellow"
    else:
        style = "dim"
    return Text(duration(delta), style=style)
