"""Simulate two years of a hospital helpdesk: who opens what, when, and how each ticket lives.

Contract: :meth:`Simulation.days` yields, day by day, the rows to insert — tickets in creation
order with their final state as of *now*, notes, and activity rows in time order with ids that
follow time. Activity rows carry exactly what ``iticket/core/services/tickets.py`` logs:

* create (bot): ``ticket_created`` unit=helpdesk, after=pending
* route (helpdesk admin): ``moved`` unit=helpdesk, other_unit=target (ticket stays pending)
* assign (an admin or the agent taking it): ``moved`` if the unit changes, then ``assigned``
  unit=target unit, user=assignee, before=previous username, after=assignee's username, then
  ``status_changed`` pending→in_progress
* resolve / reject: ``status_changed`` unit=ticket's unit, before→after, detail=message/reason
* note: ``note_added`` unit=ticket's unit (and a ``note`` row; ``updated_at`` moves)

Each ticket's life is sampled from per-unit delays: most are picked up within hours, a minority
wait weeks (the backlog that makes the open counts realistic, by Little's law), and whatever
would happen after *now* has not happened: that is what leaves tickets pending or in progress.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from bench import common as voc

DAYS = 730
DAY = 86_400.0
HOUR = 3_600.0
UNITS = ("helpdesk", "soporte", "desarrollo", "seguridad")
UNIT_SHARE = (0.40, 0.36, 0.15, 0.09)
_UNIT_CUM = tuple(accumulate(UNIT_SHARE))[:-1]
# unit: (wait fast mean h, wait slow mean days, work fast mean h, work slow mean days)
DELAYS = {
    "helpdesk": (1.0, 25.0, 2.0, 30.0),
    "soporte": (3.0, 25.0, 6.0, 35.0),
    "desarrollo": (6.0, 40.0, 24.0, 50.0),
    "seguridad": (2.0, 40.0, 24.0, 60.0),
}
P_SLOW = 0.12
# Hospital hours are UTC-3: the busy hours in UTC, index = UTC hour.
_LOCAL_WEIGHT = [0.15] * 7 + [0.6] + [1.0] * 5 + [0.8] * 5 + [0.45] * 3 + [0.25] * 3
HOUR_WEIGHT = [_LOCAL_WEIGHT[(h - 3) % 24] for h in range(24)]
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.95, 0.35, 0.25)

Stamp = Callable[[float], object]


@dataclass
class Batch:
    tickets: list[tuple[object, ...]] = field(default_factory=list)
    notes: list[tuple[object, ...]] = field(default_factory=list)
    activity: list[tuple[object, ...]] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        self.tickets += other.tickets
        self.notes += other.notes
        self.activity += other.activity


@dataclass(frozen=True)
class Staff:
    bot: int
    admins: dict[str, tuple[int, str]]
    agents: dict[str, list[tuple[int, str]]]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Simulation:
    def __init__(self, rng: random.Random, *, tickets: int, now: datetime) -> None:
        self.rng = rng
        self.tickets = tickets
        self.now_dt = now
        first_day = (now - timedelta(days=DAYS - 1)).date()
        self.start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
        self.now = (now - self.start).total_seconds()  # seconds since ``start``
        self.staff: Staff | None = None
        n_req = max(50, tickets // 40)
        self.requesters = [self._requester() for _ in range(n_req)]

    # ------------------------------------------------------------ people

    def _person(self) -> str:
        r = self.rng
        return f"{r.choice(voc.FIRST_NAMES)} {r.choice(voc.SURNAMES)}"

    def _requester(self) -> tuple[str, str, str, str]:
        r = self.rng
        phone = "549" + r.choice(("387", "11", "351", "381", "388")) + str(r.randrange(4_000_000, 9_999_999))
        return (self._person(), r.choice(voc.SECTOR_NAMES), str(r.randrange(1000, 4999)), phone)

    def make_agents(self, per_unit: int) -> list[tuple[str, str, str]]:
        """``(username, full name, unit)`` of the agents to create, usernames unique."""
        taken: set[str] = set()
        out = []
        for unit in UNITS:
            for _ in range(per_unit):
                full = self._person()
                first, last = full.split(" ", 1)
                base = _ascii(first[0] + last.replace(" ", ""))
                name, n = base, 1
                while name in taken:
                    n += 1
                    name = f"{base}{n}"
                taken.add(name)
                out.append((name, full, unit))
        return out

    def set_users(self, staff: Staff) -> None:
        self.staff = staff

    @staticmethod
    def empty_batch() -> Batch:
        return Batch()

    # ------------------------------------------------------------ time

    def _day_counts(self) -> list[int]:
        now_frac = (self.now % DAY) / DAY
        weights = []
        for d in range(DAYS):
            w = WEEKDAY_WEIGHT[(self.start + timedelta(days=d)).weekday()] * (0.85 + 0.3 * d / DAYS)
            weights.append(w * (now_frac if d == DAYS - 1 else 1.0))
        total = sum(weights)
        counts = [int(self.tickets * w / total) for w in weights]
        for d in self.rng.sample(range(DAYS), self.tickets - sum(counts)):
            counts[d] += 1
        return counts

    def _delay(self, fast_hours: float, slow_days: float) -> float:
        r = self.rng
        if r.random() < P_SLOW:
            return r.expovariate(1.0 / (slow_days * DAY))
        return r.expovariate(1.0 / (fast_hours * HOUR))

    # ------------------------------------------------------------ the run

    def days(self, *, first_activity_id: int, first_note_id: int, stamp: Stamp) -> Iterator[Batch]:
        assert self.staff is not None, "set_users() first"
        r = self.rng
        buckets: dict[int, list[tuple[object, ...]]] = {}
        act_id, note_id, ticket_id = first_activity_id, first_note_id, 1
        hours = range(24)
        last_day = DAYS - 1
        for d, count in enumerate(self._day_counts()):
            batch = Batch()
            base = d * DAY
            if d == last_day:
                times = sorted(base + r.random() * (self.now - base - 60) for _ in range(count))
            else:
                times = sorted(base + (h + r.random()) * HOUR
                               for h in r.choices(hours, HOUR_WEIGHT, k=count))
            for created in times:
                row = self._ticket(ticket_id, created, buckets, stamp)
                batch.tickets.append(row)
                ticket_id += 1
            events = buckets.pop(d, [])
            events.sort(key=_first)
            for ev in events:
                if ev[2] == "note":
                    _t, when, _k, author, tid, unit, text = ev
                    batch.notes.append((note_id, tid, author, when, text))
                    batch.activity.append((act_id, when, "note_added", author, tid, unit,
                                           None, None, None, None, None))
                    note_id += 1
                else:
                    batch.activity.append((act_id, *ev[1:]))
                act_id += 1
            yield batch

    def _ticket(self, tid: int, c: float, buckets: dict[int, list[tuple[object, ...]]],
                stamp: Stamp) -> tuple[object, ...]:
        r = self.rng
        staff = self.staff
        assert staff is not None
        now = self.now
        unit = UNITS[bisect(_UNIT_CUM, r.random())]
        memo: dict[float, object] = {}

        def at(t: float) -> object:
            # Several rows share one instant (assign = moved + assigned + status): render once.
            s = memo.get(t)
            if s is None:
                s = memo[t] = stamp(t)
            return s

        name, sector, ext, phone = self.requesters[int(len(self.requesters) * r.random() ** 2)]
        detail = r.choice(voc.PROBLEMS[unit]) + "." + r.choice(voc.DETAIL_TAILS)
        events: list[tuple[object, ...]] = [
            (c, at(c), "ticket_created", staff.bot, tid, "helpdesk", None, None, None, "pending", None)]
        status, cur, assignee, version = "pending", "helpdesk", None, 1
        first_assigned = closed = closed_by = message = None
        hd_admin = staff.admins["helpdesk"][0]
        agents = staff.agents[unit]
        wait_h, wait_d, work_h, work_d = DELAYS[unit]
        t = c
        arrived = c  # when the ticket reached its final unit

        def assign(when: float, actor: int, who: tuple[int, str], before: str | None) -> None:
            nonlocal status, cur, assignee, version, first_assigned
            if cur != unit:
                events.append((when, at(when), "moved", actor, tid, cur, unit, None, None, None, None))
            events.append((when, at(when), "assigned", actor, tid, unit, None, who[0], before, who[1], None))
            if status != "in_progress":
                events.append((when, at(when), "status_changed", actor, tid, unit, None, None, status,
                               "in_progress", None))
            status, cur, assignee, version = "in_progress", unit, who, version + 1
            if first_assigned is None:
                first_assigned = when

        if unit != "helpdesk":
            t += r.expovariate(1.0 / (0.75 * HOUR))
            if t < now:
                arrived = t
                if r.random() < 0.25:
                    assign(t, hd_admin, r.choice(agents), None)
                else:
                    events.append((t, at(t), "moved", hd_admin, tid, "helpdesk", unit, None, None, None, None))
                    cur, version = unit, version + 1
        if cur == unit and status == "pending":
            if unit == "helpdesk" and r.random() < 0.12:
                t += self._delay(wait_h, wait_d)
                if t < now:
                    closer = r.choice(agents)[0]
                    status = "rejected" if r.random() < 0.6 else "resolved"
                    message = r.choice(voc.REJECTIONS if status == "rejected" else voc.RESOLUTIONS)
                    events.append((t, at(t), "status_changed", closer, tid, unit, None, None, "pending",
                                   status, message))
                    closed, closed_by, version = t, closer, version + 1
            else:
                t += self._delay(wait_h, wait_d)
                if t < now:
                    who = r.choice(agents)
                    actor = staff.admins[unit][0] if r.random() < 0.3 else who[0]
                    assign(t, actor, who, None)
        if status == "in_progress":
            assert assignee is not None
            work = self._delay(work_h, work_d)
            if r.random() < 0.06 and len(agents) > 1 and t + work / 2 < now:
                other = r.choice([a for a in agents if a != assignee])
                assign(t + work / 2, staff.admins[unit][0], other, assignee[1])
            t += work
            if t < now:
                status = "resolved" if r.random() < 0.88 else "rejected"
                if status == "rejected":
                    message = r.choice(voc.REJECTIONS)
                elif r.random() < 0.7:
                    message = r.choice(voc.RESOLUTIONS)
                events.append((t, at(t), "status_changed", assignee[0], tid, unit, None, None,
                               "in_progress", status, message))
                closed, closed_by, version = t, assignee[0], version + 1
        updated = max(e[0] for e in events)  # type: ignore[type-var]
        if cur == unit and r.random() < 0.3:
            end = closed if closed is not None else now
            for _ in range(1 if r.random() < 0.6 else 2 if r.random() < 0.75 else 3):
                when = arrived + r.random() * (end - arrived)  # type: ignore[operator]
                author = assignee[0] if assignee is not None else r.choice(agents)[0]
                events.append((when, at(when), "note", author, tid, unit, r.choice(voc.NOTES)))
                updated = max(updated, when)  # type: ignore[type-var]
        for ev in events:
            buckets.setdefault(int(ev[0] // DAY), []).append(ev)  # type: ignore[operator]
        return (
            tid, name, sector, ext, phone, detail, status, cur,
            assignee[0] if assignee else None, staff.bot, closed_by,
            at(c), at(updated), None if first_assigned is None else at(first_assigned),
            None if closed is None else at(closed), message, version,
        )


def _first(ev: tuple[object, ...]) -> float:
    return ev[0]  # type: ignore[return-value]


def seconds_to_datetime(start: datetime) -> Stamp:
    """The generic stamp: an aware datetime (any engine, through the column's own type)."""
    return lambda s: start + timedelta(seconds=s)
