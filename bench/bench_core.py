"""Time the core queries the front ends run most, in process, on a generated database.

    uv run python bench/bench_core.py --db bench/data/1m.db [--runs 30] [--json]
    uv run python bench/bench_core.py --url postgresql+psycopg://... [--runs 30]

Contract: every case calls a real service of ``iticket.core.services`` (policy included) with a
real actor, exactly as the TUI and the CLI do; nothing is mocked and no SQL is hand-written.
Each case runs ``--warmup`` times untimed, then ``--runs`` timed runs; we print the median and
the 95th percentile in milliseconds against the 50 ms target. Cases that take a parameter (a
ticket to show) cycle through a fixed sample, so "warm" means warm caches, not one hot row.
:func:`cases` is importable: the smoke test runs each case once and checks its result.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``iticket`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from bench.common import COMMON_WORD, RARE_WORD  # noqa: E402
from iticket.core.db import Database  # noqa: E402
from iticket.core.models import Actor, Note, Role, Status, Ticket, User  # noqa: E402
from iticket.core.services import activity, tickets  # noqa: E402
from iticket.core.services._common import actor_of  # noqa: E402

TARGET_MS = 50.0
BENCH_UNIT = "soporte"


@dataclass(frozen=True)
class Case:
    key: str  # stable id (the smoke test checks each case's result by it)
    name: str
    run: Callable[[int], Any]  # run(i): the i-th call (cases with samples cycle through them)


@dataclass(frozen=True)
class Result:
    name: str
    runs: int
    median_ms: float
    p95_ms: float
    cpu_median_ms: float  # this process's CPU time: what a loaded shared machine cannot inflate

    @property
    def ok(self) -> bool:
        return self.p95_ms < TARGET_MS


def _actors(db: Database, unit: str) -> tuple[Actor, Actor]:
    """An agent of ``unit`` (sees only its unit) and the unit's admin (sees everything)."""
    with db.read() as s:
        agent = s.exec(select(User).where(User.unit_code == unit, User.role == Role.AGENT)
                       .order_by(col(User.id))).first()
        admin = s.exec(select(User).where(User.unit_code == unit, User.role == Role.ADMIN)
                       .order_by(col(User.id))).first()
    if agent is None or admin is None:
        raise SystemExit(f"error: unit '{unit}' needs an agent and an admin (run bench/generate.py)")
    return actor_of(agent), actor_of(admin)


def _sample_tickets(db: Database, unit: str, n: int = 50) -> list[int]:
    """Tickets of ``unit`` that have notes, spread over the whole id range."""
    with db.read() as s:
        top = s.exec(select(func.max(Ticket.id))).one() or 0
        ids: list[int] = []
        step = max(1, top // n)
        for start in range(1, top + 1, step):
            row = s.exec(select(Note.ticket_id).join(Ticket, col(Ticket.id) == Note.ticket_id)
                         .where(col(Note.ticket_id) >= start, Ticket.unit_code == unit)
                         .order_by(col(Note.ticket_id)).limit(1)).first()
            if row is not None and row not in ids:
                ids.append(row)
    if not ids:
        raise SystemExit(f"error: no ticket of unit '{unit}' has notes (run bench/generate.py)")
    return ids


def _middle_cursor(db: Database, agent: Actor, unit: str) -> tickets.Cursor:
    """A keyset position half-way through the unit's tickets (a deep page, not the first)."""
    with db.read() as s:
        top = s.exec(select(func.max(Ticket.id))).one() or 0
        row = s.exec(select(Ticket).where(col(Ticket.id) >= top // 2, Ticket.unit_code == unit)
                     .order_by(col(Ticket.id)).limit(1)).first()
    assert row is not None and row.id is not None
    return tickets.Cursor(row.created_at, row.id)


def cases(db: Database, unit: str = BENCH_UNIT) -> list[Case]:
    agent, admin = _actors(db, unit)
    sample = _sample_tickets(db, unit)
    middle = _middle_cursor(db, agent, unit)
    pending = tickets.TicketFilter(statuses=(Status.PENDING,), unit=unit)
    with db.read() as s:
        deep_number = s.exec(select(func.max(Ticket.id))).one() or 1
    return [
        Case("pending", "pending page (unit, first 50)",
             lambda i: tickets.list_tickets(db, actor=agent, filter=pending, limit=50)),
        Case("show", "ticket + notes + activity",
             lambda i: tickets.show_ticket(db, sample[i % len(sample)], actor=agent)),
        Case("counts", "dashboard counts (unit)",
             lambda i: tickets.count_by_status(db, actor=agent, unit=unit)),
        Case("activity", "dashboard recent activity (unit)",
             lambda i: activity.recent_activity(db, actor=agent, unit=unit, limit=50)),
        Case("deep", "deep keyset page (unit, newest first)",
             lambda i: tickets.list_tickets(db, actor=agent, filter=tickets.TicketFilter(unit=unit),
                                            limit=50, after=middle, newest_first=True)),
        Case("open", "open tickets, all units (admin)",
             lambda i: tickets.list_tickets(db, actor=admin, limit=50, filter=tickets.TicketFilter(
                 statuses=(Status.PENDING, Status.IN_PROGRESS)))),
        Case("search_common", f"search '{COMMON_WORD}' (all units)",
             lambda i: tickets.list_tickets(db, actor=admin, limit=50,
                                            filter=tickets.TicketFilter(search=COMMON_WORD))),
        Case("search_rare", f"search '{RARE_WORD}' pending (all units)",
             lambda i: tickets.list_tickets(db, actor=admin, limit=50, filter=tickets.TicketFilter(
                 statuses=(Status.PENDING,), search=RARE_WORD))),
        Case("search_number", "search by number, newest (all units)",
             lambda i: tickets.list_tickets(db, actor=admin, limit=50,
                                            filter=tickets.TicketFilter(search=f"#{deep_number}"))),
        Case("search_none", "search, no match (all units)",
             lambda i: tickets.list_tickets(db, actor=admin, limit=50,
                                            filter=tickets.TicketFilter(search="xyzzy"))),
    ]


def measure(case: Case, *, runs: int, warmup: int) -> Result:
    for i in range(warmup):
        case.run(i)
    times, cpu = [], []
    for i in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        case.run(i)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) >= 2 else times[0]
    return Result(case.name, runs, statistics.median(times), p95, statistics.median(cpu))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="a generated SQLite file")
    where.add_argument("--url", help="SQLAlchemy URL of a generated database")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--unit", default=BENCH_UNIT)
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON array")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    if args.db is not None and not args.db.exists():
        parser.error(f"{args.db} does not exist; build it with bench/generate.py")
    db = Database(args.url or f"sqlite:///{args.db}")
    with db.read() as s:
        n = s.exec(select(func.count()).select_from(Ticket)).one()
    results = []
    for case in cases(db, args.unit):
        if args.only and args.only not in case.name:
            continue
        results.append(measure(case, runs=args.runs, warmup=args.warmup))
        if not args.json:
            r = results[-1]
            print(f"{r.name:<42} median {r.median_ms:8.2f} ms   p95 {r.p95_ms:8.2f} ms   "
                  f"cpu {r.cpu_median_ms:8.2f} ms   {'ok' if r.ok else 'OVER'}", flush=True)
    if args.json:
        print(json.dumps({"engine": db.dialect, "tickets": n, "results": [
            {"name": r.name, "runs": r.runs, "median_ms": round(r.median_ms, 3),
             "p95_ms": round(r.p95_ms, 3), "cpu_median_ms": round(r.cpu_median_ms, 3)}
            for r in results]}))
    else:
        print(f"({db.dialect}, {n:,} tickets, {args.runs} runs each, target < {TARGET_MS:.0f} ms)")
    db.dispose()
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
