"""The SQL statistics against an independent, naive Python recomputation from the raw activity
rows, on a small database made by the benchmark generator (realistic lives: routing, reopening,
backlog). The zone observes daylight saving, so local days and hours cross DST transitions;
``offset_segments`` is also checked against the known 2026 transitions."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bench.bench_stats import main as bench_main
from bench.generate import generate
from iticket.core.db import Database
from iticket.core.models import Activity, Ticket, User
from iticket.core.services import stats_rollup
from iticket.core.services._common import actor_of
from iticket.core.services.export import export_tickets
from iticket.core.services.stats import compute_stats
from iticket.core.services.stats_sql import Segment, offset_segments

TZ = "Europe/Madrid"
ZONE = ZoneInfo(TZ)
RANGE = (date(2025, 10, 1), date(2026, 4, 30))  # both DST changes of the winter inside


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path: Path = tmp_path_factory.mktemp("gen") / "gen.db"
    url = f"sqlite:///{path}"
    generate(url, tickets=600, seed_value=7, agents_per_unit=3, jobs=1, log=False,
             now=datetime(2026, 6, 30, 12, tzinfo=UTC), timezone=TZ)
    db = Database(url)
    yield db
    db.dispose()


def _local_day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


@pytest.mark.parametrize("from_log", [False, True], ids=["rollups", "log"])
def test_matches_naive_recomputation(generated: Database, from_log: bool) -> None:
    """Both sources against the naive recomputation: the rollups the generator built in this
    zone (crossing two DST changes), and the raw log."""
    db = generated
    with db.read() as s:
        admin = actor_of(s.exec(select(User).where(User.username == "helpdesk")).one())
        names = {u.id: u.username for u in s.exec(select(User)).all()}
        tickets = {t.id: t for t in s.exec(select(Ticket)).all()}
        rows = list(s.exec(select(Activity)).all())
    start, end = RANGE
    inside = [a for a in rows if start <= _local_day(a.at) <= end]
    closes = [a for a in inside if a.kind == "status_changed" and a.after in ("resolved", "rejected")]
    assert len(closes) > 50, "the generated history should close tickets in the range"

    with db.read() as s:
        assert stats_rollup.built_zone(s) == TZ
    report = compute_stats(db, actor=admin, date_from=start, date_to=end, timezone=TZ, from_log=from_log)

    per_user = Counter((a.unit_code, names[a.actor_id], a.after) for a in closes)
    got = {(u.unit, u.user, k): getattr(u, k) for u in report.by_user for k in ("resolved", "rejected")}
    assert {k: v for k, v in got.items() if v} == dict(per_user)

    created = [a for a in inside if a.kind == "ticket_created"]
    assert report.totals.created == len(created)
    by_day = {d.day: (d.created, d.resolved, d.rejected) for d in report.by_day}
    expect_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in created:
        expect_day[_local_day(a.at)][0] += 1
    for a in closes:
        expect_day[_local_day(a.at)][1 if a.after == "resolved" else 2] += 1
    assert {d: tuple(v) for d, v in expect_day.items()} == {d: v for d, v in by_day.items() if any(v)}
    assert len(report.by_day) == (end - start).days + 1
    hours = Counter(a.at.astimezone(ZONE).hour for a in created)
    assert {h.hour: h.created for h in report.by_hour if h.created} == dict(hours)

    sectors: dict[str, Counter[str]] = defaultdict(Counter)
    for a in created:
        sectors[tickets[a.ticket_id].requester_sector]["created"] += 1
    for a in closes:
        sectors[tickets[a.ticket_id].requester_sector][a.after] += 1
    assert {s.sector: (s.created, s.resolved, s.rejected) for s in report.by_sector} == {
        k: (c["created"], c["resolved"], c["rejected"]) for k, c in sectors.items()}

    def minutes(a: Activity, since: datetime) -> float:
        return (a.at - since).total_seconds() / 60

    resolution: dict[str, list[float]] = defaultdict(list)
    for a in closes:
        if a.after == "resolved":
            resolution[a.unit_code].append(minutes(a, tickets[a.ticket_id].created_at))
    first: dict[str, list[float]] = defaultdict(list)
    for a in inside:
        t = tickets.get(a.ticket_id)
        if a.kind == "assigned" and t is not None and t.first_assigned_at == a.at:
            first[a.unit_code].append(minutes(a, t.created_at))
    assert sum(map(len, first.values())) > 20
    for u in report.by_unit:
        for values, med, p90 in ((resolution[u.unit], u.median_resolution_minutes, u.p90_resolution_minutes),
                                 (first[u.unit], u.median_first_assignment_minutes, u.p90_first_assignment_minutes)):
            if not values:
                assert med is None and p90 is None
                continue
            ordered = sorted(values)
            assert med == pytest.approx(statistics.median(ordered), abs=0.06)
            assert p90 == pytest.approx(ordered[math.ceil(0.9 * len(ordered)) - 1], abs=0.06)


def test_export_streams_every_ticket_in_creation_order(generated: Database) -> None:
    with generated.read() as s:
        admin = actor_of(s.exec(select(User).where(User.username == "desarrollo")).one())
        expected = [t.id for t in s.exec(select(Ticket).order_by(Ticket.created_at, Ticket.id)).all()]
    rows = list(export_tickets(generated, actor=admin, batch=64))
    assert [r.number for r in rows] == expected
    closed = [r for r in rows if r.closed_at is not None]
    assert closed and all(r.resolution_minutes == int((r.closed_at - r.created_at).total_seconds() // 60)
                          for r in closed)


def test_bench_script_runs(generated: Database, capsys: pytest.CaptureFixture[str]) -> None:
    path = generated.url.removeprefix("sqlite:///")
    bench_main(["--db", path, "--runs", "1", "--warmup", "0", "--json"])
    result = json.loads(capsys.readouterr().out)
    # Timings depend on the machine's load, so only the measurements' sanity is asserted.
    assert result["stats"]["totals"]["created"] > 0 and result["stats"]["median_ms"] > 0
    assert set(result["stats"]["per_query_ms"]) >= {"closes", "created", "percentiles_resolution"}
    assert result["export"]["rows"] == result["export"]["tickets"] == 600
    assert 0 < result["export"]["peak_rss_mb"] < 1000


def test_offset_segments_find_dst_transitions() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    segs = offset_segments(ZONE, start, start + timedelta(days=365))
    assert segs == [
        Segment(None, 3600),
        Segment(datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
        Segment(datetime(2026, 10, 25, 1, tzinfo=UTC), 3600),
    ]
    assert offset_segments(ZoneInfo("America/Argentina/Buenos_Aires"), start,
                           start + timedelta(days=365)) == [Segment(None, -10800)]
