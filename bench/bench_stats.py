"""Time ``compute_stats`` for a one-year range and measure the peak memory of a full export.

    uv run python bench/bench_stats.py --db bench/data/1m.db [--runs 5] [--json]
    uv run python bench/bench_stats.py --url postgresql+psycopg://... [--skip-export]

Contract:
- stats: the real service with a real admin actor, in process, for the 365 local days ending the
  day before the newest activity (so the range is full of data). ``--warmup`` untimed runs, then
  ``--runs`` timed ones; prints the median wall and CPU time against the 500 ms target, and one
  instrumented run's time per query so a regression points at its query.
- export: the real ``iticket export tickets --output FILE`` executable in a subprocess,
  authenticated with an API token created for the helpdesk admin (one ``auth_token`` row named
  ``bench-export`` is added to the database each run); peak RSS comes from ``wait4`` on that
  child alone, against the 200 MB target. The file is deleted afterwards.
Nothing is mocked and no SQL is hand-written here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``iticket`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from bench.common import HOSPITAL_ZONE  # noqa: E402
from iticket.core.db import Database  # noqa: E402
from iticket.core.models import Activity, Ticket, User  # noqa: E402
from iticket.core.services import auth, stats, stats_rollup  # noqa: E402
from iticket.core.services._common import actor_of  # noqa: E402
from iticket.core.services.stats_log import LogQueries  # noqa: E402

STATS_TARGET_MS = 500.0
EXPORT_TARGET_MB = 200.0
TZ = HOSPITAL_ZONE
_QUERIES = ("closes", "created", "backlog", "percentiles_first_assignment",
            "percentiles_resolution", "by_sector")


def one_year(db: Database, zone_name: str) -> tuple[date, date]:
    zone, _ = stats.resolve_zone(zone_name)
    with db.read() as s:
        newest = s.exec(select(func.max(Activity.at))).one()
    last = (newest.astimezone(zone).date() if newest else date.today()) - timedelta(days=1)
    return last - timedelta(days=364), last


def bench_stats(db: Database, *, runs: int, warmup: int, zone: str, from_log: bool = False) -> dict[str, Any]:
    with db.read() as s:
        admin = actor_of(s.exec(select(User).where(User.username == "helpdesk")).one())
        built = stats_rollup.built_zone(s)
    start, end = one_year(db, zone)
    source = "rollups" if built == zone and not from_log else "log"

    def run() -> stats.StatsReport:
        return stats.compute_stats(db, actor=admin, date_from=start, date_to=end, timezone=zone,
                                   from_log=from_log)

    for _ in range(warmup):
        run()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        report = run()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    parts = _per_query(run)
    return {
        "from": start.isoformat(), "to": end.isoformat(), "runs": runs, "source": source,
        "median_ms": round(statistics.median(wall), 1), "min_ms": round(min(wall), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "per_query_ms": parts, "totals": report.totals.model_dump(),
        "ok": statistics.median(wall) < STATS_TARGET_MS,
    }


def _per_query(run: Any) -> dict[str, float]:
    """One run with each query method timed (wrapped for this run only, on whichever query
    class answers: the raw log's or the rollups')."""
    spent: dict[str, float] = {}
    classes = (LogQueries, stats_rollup.RollupQueries)
    originals = [(cls, name, cls.__dict__[name]) for cls in classes for name in _QUERIES
                 if name in cls.__dict__]

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = round((time.perf_counter() - t0) * 1000, 1)
        return wrapper

    try:
        for cls, name, fn in originals:
            setattr(cls, name, timed(name, fn))
        run()
    finally:
        for cls, name, fn in originals:
            setattr(cls, name, fn)
    return spent


def bench_rebuild(db: Database, zone: str) -> dict[str, Any]:
    """Time ``stats_rollup.rebuild`` (what ``iticket stats rebuild`` runs) over the whole log."""
    t0, c0 = time.perf_counter(), time.process_time()
    with db.write() as session:
        stats_rollup.rebuild(session, zone)
    return {"seconds": round(time.perf_counter() - t0, 1), "cpu_seconds": round(time.process_time() - c0, 1)}


def bench_export(db: Database, url: str) -> dict[str, Any]:
    with db.read() as s:
        user = s.exec(select(User).where(User.username == "helpdesk")).one()
        tickets = s.exec(select(func.count()).select_from(Ticket)).one()
    _token, secret = auth.create_token(db, "bench-export", actor=actor_of(user))
    exe = Path(sys.executable).with_name("iticket")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "tickets.csv"
        env = {**os.environ, "ITICKET_DATABASE_URL": url, "ITICKET_TOKEN": secret,
               "ITICKET_CONFIG_DIR": tmp, "ITICKET_TIMEZONE": TZ}
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(exe), "export", "tickets", "--output", str(target)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"export failed: {stderr.strip()}")
        size = target.stat().st_size
        with target.open("rb") as fh:
            rows = sum(1 for _ in fh) - 1
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return {"tickets": tickets, "rows": rows, "seconds": round(seconds, 1),
            "file_mb": round(size / 2**20, 1), "peak_rss_mb": round(peak_mb, 1),
            "ok": peak_mb < EXPORT_TARGET_MB and rows == tickets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="a generated SQLite file")
    where.add_argument("--url", help="SQLAlchemy URL of a generated database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--timezone", default=TZ)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--from-log", action="store_true",
                        help="time the raw activity-log queries instead of the rollups")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild the rollups in --timezone first, and time that")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    if args.db is not None and not args.db.exists():
        parser.error(f"{args.db} does not exist; build it with bench/generate.py")
    url = args.url or f"sqlite:///{args.db}"
    db = Database(url)
    result: dict[str, Any] = {"engine": db.dialect}
    if args.rebuild:
        result["rebuild"] = bench_rebuild(db, args.timezone)
    result["stats"] = bench_stats(db, runs=args.runs, warmup=args.warmup, zone=args.timezone,
                                  from_log=args.from_log)
    if not args.skip_export:
        result["export"] = bench_export(db, url)
    db.dispose()
    if args.json:
        print(json.dumps(result))
    else:
        if "rebuild" in result:
            r = result["rebuild"]
            print(f"rollups rebuilt in {r['seconds']} s (cpu {r['cpu_seconds']} s)")
        s = result["stats"]
        print(f"stats {s['from']}..{s['to']} from the {s['source']}: median {s['median_ms']:.0f} ms (min {s['min_ms']:.0f}, "
              f"cpu {s['cpu_median_ms']:.0f}) target < {STATS_TARGET_MS:.0f} ms  "
              f"{'ok' if s['ok'] else 'OVER'}")
        for name, ms in s["per_query_ms"].items():
            print(f"    {name:<30} {ms:8.1f} ms")
        if "export" in result:
            e = result["export"]
            print(f"export {e['rows']:,} rows in {e['seconds']} s, {e['file_mb']} MB file: "
                  f"peak RSS {e['peak_rss_mb']:.0f} MB, target < {EXPORT_TARGET_MB:.0f} MB  "
                  f"{'ok' if e['ok'] else 'OVER'}")
    ok = result["stats"]["ok"] and result.get("export", {"ok": True})["ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
