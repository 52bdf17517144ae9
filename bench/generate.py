"""Build a realistic iTicket database for the benchmarks and for the statistics work.

    uv run python bench/generate.py --tickets 1000000 --out bench/data/1m.db [--seed 42]
    uv run python bench/generate.py --tickets 1000000 --url postgresql+psycopg://... [--seed 42]

Contract: the target is migrated with the real migrations and seeded with the real seed, then
gets ``--agents-per-unit`` agents per unit and ``--tickets`` tickets spread over the last two
years (weekday and office-hour rhythm), each with the activity rows the services write for it
(``ticket_created``, ``moved``, ``assigned``, ``status_changed``, ``note_added``, with the same
actor / unit / before / after values as ``iticket/core/services/tickets.py``), and private notes
on about 30 % of them. Ticket states come from simulating each ticket's life up to *now*: what
has not been picked up yet is pending, what is being worked on is in progress, so each unit ends
with a realistic backlog of a few thousand open tickets and everything older is closed.
Activity ids follow time, as they would in production. Outbound WhatsApp messages are not
generated (nothing the benchmarks or statistics read).

Speed: rows go in through SQLAlchemy Core ``executemany`` in big transactions, with the
ticket/note/activity indexes dropped during the load and recreated from the very definitions
the migrations created (so the final schema is exactly the migrated one, alembic revision
stamped). SQLite-only speed-ups are isolated in :class:`SqliteLoader` (its own connection with
bulk-load PRAGMAs, timestamps pre-rendered in the exact text form SQLAlchemy stores, driver-level
executemany); any other engine gets plain Core inserts with typed values.
"""

from __future__ import annotations

import argparse
import marshal
import multiprocessing
import pickle
import random
import resource
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``iticket`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, make_url  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.common import HOSPITAL_ZONE  # noqa: E402
from bench.loader import Loader, make_stamp, open_loader  # noqa: E402
from bench.simulate import Batch, Simulation, Staff  # noqa: E402
from iticket.core.db import Database, upgrade  # noqa: E402
from iticket.core.models import Ticket, User  # noqa: E402
from iticket.core.seed import ACCOUNTS, seed  # noqa: E402
from iticket.core.services import stats_rollup  # noqa: E402

CHUNK = 40_000  # tickets per transaction (about 200,000 activity rows)


def _batches(seed_value: int, tickets: int, now: datetime, agents_per_unit: int, staff: Staff,
             first_activity_id: int, first_note_id: int, stamp_kind: str) -> Iterator[Batch]:
    """The simulation, replayed from the seed (so it can run in another process), in chunks."""
    sim = Simulation(random.Random(seed_value), tickets=tickets, now=now)
    sim.make_agents(agents_per_unit)  # same draws as the parent made: same data
    sim.set_users(staff)
    batch = Batch()
    for day in sim.days(first_activity_id=first_activity_id, first_note_id=first_note_id,
                        stamp=make_stamp(stamp_kind, sim.start)):
        batch.extend(day)
        if len(batch.tickets) >= CHUNK:
            yield batch
            batch = Batch()
    yield batch


def _produce(conn: Any, args: tuple[Any, ...]) -> None:
    """Child process: simulate while the parent writes (the two halves of the work overlap).
    Batches travel as ``marshal`` bytes when they are plain tuples of str/int/float/None (the
    SQLite stamps; about twice as fast as pickle), as pickle when they hold datetimes."""
    fast = args[-1] == "sqlite"
    try:
        for b in _batches(*args):
            rows = (b.tickets, b.notes, b.activity)
            conn.send_bytes(b"m" + marshal.dumps(rows) if fast else b"p" + pickle.dumps(rows, 5))
        conn.send_bytes(b"")
    except BaseException:
        conn.send_bytes(b"!" + traceback.format_exc().encode())
    finally:
        conn.close()


def _parallel(args: tuple[Any, ...]) -> Iterator[Batch]:
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_produce, args=(sender, args), daemon=True)
    proc.start()
    sender.close()
    try:
        while True:
            data = receiver.recv_bytes()
            if not data:
                break
            if data.startswith(b"!"):
                raise RuntimeError(f"the simulation process failed:\n{data[1:].decode()}")
            yield Batch(*(marshal.loads(data[1:]) if data[:1] == b"m" else pickle.loads(data[1:])))
        proc.join()
    finally:
        receiver.close()
        if proc.is_alive():
            proc.terminate()
            proc.join()


def generate(
    url: str, *, tickets: int, seed_value: int = 42, agents_per_unit: int = 20,
    jobs: int = 2, now: datetime | None = None, log: bool = True, timezone: str = HOSPITAL_ZONE,
) -> dict[str, int]:
    """Fill the (empty or fresh) database at ``url``; returns the row counts written.
    ``jobs=2`` simulates in a second process while this one writes; ``now`` (default: the
    clock) is where the simulated history ends, so a seed plus a ``now`` give the same data.
    The rows bypass the services, so the statistics rollups are rebuilt at the end, with local
    days cut in ``timezone`` (reports in that zone read them)."""
    started = time.perf_counter()

    def say(msg: str) -> None:
        if log:
            print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    db = Database(url)
    try:
        upgrade(db)
        with db.read() as s:
            used = s.exec(select(func.count()).select_from(Ticket)).one() or \
                s.exec(select(func.count()).select_from(User)).one() > len(ACCOUNTS)
        if used:  # checked before the loader's bulk-load settings touch the file
            raise SystemExit(f"error: {_safe(url)} is not fresh (it has tickets or users beyond "
                             "the seed); generate into an empty database")
        seed(db)
    finally:
        db.dispose()
    say("migrated and seeded")
    loader: Loader = open_loader(url, now=now)
    try:
        sim = Simulation(random.Random(seed_value), tickets=tickets, now=loader.now)
        staff = loader.add_agents(sim.make_agents(agents_per_unit), sim.start)
        args = (seed_value, tickets, loader.now, agents_per_unit, staff,
                loader.next_id("activity"), loader.next_id("note"), loader.stamp_kind)
        loader.drop_indexes()
        say("agents created, indexes dropped; loading")
        counts = {"ticket": 0, "note": 0, "activity": 0}
        for batch in (_parallel(args) if jobs > 1 else _batches(*args)):
            loader.insert_tickets(batch.tickets)
            loader.insert_notes(batch.notes)
            loader.insert_activity(batch.activity)
            loader.commit()
            counts["ticket"] += len(batch.tickets)
            counts["note"] += len(batch.notes)
            counts["activity"] += len(batch.activity)
            say(f"{counts['ticket']:,} tickets")
        say(f"loaded {counts['ticket']:,} tickets, {counts['note']:,} notes, "
            f"{counts['activity']:,} activity rows; rebuilding indexes")
        loader.restore_indexes()
        loader.finish()
    finally:
        loader.close()
    say("indexes rebuilt; building the statistics rollups")
    db = Database(url)
    try:
        with db.write() as session:
            stats_rollup.rebuild(session, timezone)
    finally:
        db.dispose()
    say("done")
    return counts


def _safe(url: str) -> str:
    """The URL as it may be printed (no password)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "the database URL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="SQLite file to create")
    target.add_argument("--url", help="SQLAlchemy URL of an empty database (e.g. PostgreSQL)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--agents-per-unit", type=int, default=20)
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=2,
                        help="2: simulate in a second process while writing (default)")
    parser.add_argument("--now", type=datetime.fromisoformat,
                        help="end of the simulated history, ISO-8601 with offset (default: now)")
    parser.add_argument("--force", action="store_true", help="replace an existing --out file")
    parser.add_argument("--timezone", default=HOSPITAL_ZONE,
                        help=f"zone the statistics rollups cut local days in (default {HOSPITAL_ZONE})")
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be at least 1")
    if args.agents_per_unit < 1:
        parser.error("--agents-per-unit must be at least 1")
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now needs a UTC offset, e.g. 2026-12-01T12:00:00+00:00")
    if args.out is not None:
        out: Path = args.out
        if out.exists():
            if not args.force:
                parser.error(f"{out} exists; pass --force to replace it")
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{out}{suffix}").unlink(missing_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{out}"
    else:
        url = args.url
    t0 = time.perf_counter()
    try:
        generate(url, tickets=args.tickets, seed_value=args.seed,
                 agents_per_unit=args.agents_per_unit, jobs=args.jobs, now=args.now,
                 timezone=args.timezone)
    except SQLAlchemyError as exc:  # unreachable server, wrong credentials, a full disk…
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {_safe(url)}: {first}", file=sys.stderr)
        return 1
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    # CPU per process tells what the wall time would be on an idle machine (the two overlap).
    print(f"generated {args.tickets:,} tickets in {time.perf_counter() - t0:.1f}s "
          f"(CPU: writer {me.ru_utime + me.ru_stime:.1f}s, "
          f"simulation {kids.ru_utime + kids.ru_stime:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
