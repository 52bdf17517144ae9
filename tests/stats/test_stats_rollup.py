"""The statistics rollups: maintained by the services in the writing transaction, equal to a
rebuild from the log, answering exactly what the raw log answers, built on upgrade, and
rebuilt by ``iticket db rebuild-stats``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Table, delete, select

from iticket.core.db import Database, upgrade
from iticket.core.errors import Conflict
from iticket.core.models import (
    ActivityKind,
    StatDaily,
    StatDuration,
    StatHourly,
    StatRollup,
    StatSector,
    Status,
)
from iticket.core.services import stats_rollup
from iticket.core.services import tickets as svc
from iticket.core.services._common import log
from iticket.core.services.stats import compute_stats
from tests.stats.dataset import TZ, at, build, new_ticket, one_error_line

_TABLES: list[Table] = [m.__table__ for m in (StatDaily, StatHourly, StatSector, StatDuration)]  # type: ignore[attr-defined]


def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as s:
        for t in _TABLES:
            cols = [c for c in t.c if c.name != "id"]
            rows = s.execute(select(*cols)).all()
            # Durations: SQLite's julianday() is off by about 1e-6 minutes from Python's exact
            # subtraction (reports round to 0.1).
            out[t.name] = sorted(tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in rows)
    return out


def _rebuild(db: Database, zone: str = TZ) -> None:
    with db.write() as s:
        stats_rollup.rebuild(s, zone)


@pytest.fixture
def rolled(db, actors):
    """The fixed history written with the rollups built in the hospital's zone."""
    _rebuild(db)
    return build(db, actors)


def test_rollups_kept_by_the_services_equal_a_rebuild(db, rolled):
    kept = _snapshot(db)
    assert all(kept.values()), kept
    _rebuild(db)
    assert _snapshot(db) == kept
    # Spot checks against the timeline in dataset.py: T1 resolved then rejected, T3 at 23:59.
    daily = {(m, d, u, n) for (m, d, u, _a, n) in kept["stat_daily"]}
    assert ("resolved", "2026-03-02", "soporte", 1) in daily
    assert ("rejected", "2026-03-03", "desarrollo", 1) in daily
    assert ("resolved", "2026-03-31", "soporte", 1) in daily
    assert ("resolved", "2026-04-01", "soporte", 1) in daily


RANGES = [
    (None, None), (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 31), date(2026, 4, 1)),
    (date(2026, 2, 28), date(2026, 2, 28)), (date(2026, 1, 1), date(2026, 1, 31)),
    (None, date(2026, 3, 3)), (date(2026, 3, 3), None),
]


@pytest.mark.parametrize("unit", [None, "soporte", "desarrollo"])
def test_reports_from_rollups_equal_reports_from_the_log(db, actors, rolled, unit):
    for start, end in RANGES:
        kw = {"actor": actors["helpdesk"], "date_from": start, "date_to": end, "unit": unit, "timezone": TZ}
        assert compute_stats(db, **kw) == compute_stats(db, **kw, from_log=True), (start, end)


def test_a_report_in_another_zone_reads_the_log(db, actors, rolled):
    kw = {"actor": actors["helpdesk"], "date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
    madrid = compute_stats(db, **kw, timezone="Europe/Madrid")
    assert madrid == compute_stats(db, **kw, timezone="Europe/Madrid", from_log=True)
    # Madrid's March starts and ends 4 hours before Buenos Aires': T3 (created 03-31 20:00
    # in Buenos Aires) is created on April 1st there.
    assert (madrid.totals.created, compute_stats(db, **kw, timezone=TZ).totals.created) == (6, 7)


def test_a_rolled_back_change_leaves_no_count(db, actors):
    _rebuild(db)
    ticket = new_ticket(db, actors["wspbot"], "2026-03-02 09:00", "Guardia")
    at("2026-03-02 09:30", lambda: svc.assign(db, ticket, to_user="sofia", actor=actors["helpdesk"]))
    before = _snapshot(db)
    with pytest.raises(Conflict):
        svc.resolve(db, ticket, actor=actors["sofia"], expected_version=1)
    with pytest.raises(RuntimeError), db.write() as s:  # a change that fails after logging
        log(s, ActivityKind.STATUS_CHANGED, actor_id=actors["sofia"].id, ticket_id=ticket,
            unit="soporte", before=Status.IN_PROGRESS, after=Status.RESOLVED)
        raise RuntimeError("boom")
    assert _snapshot(db) == before
    at("2026-03-02 10:00", lambda: svc.resolve(db, ticket, actor=actors["sofia"]))
    after = _snapshot(db)
    resolutions = [r for r in after["stat_duration"] if r[0] == "resolution"]
    assert len(resolutions) == 1 and resolutions[0][1] == "soporte" and resolutions[0][3] == 60.0


def test_without_rollups_nothing_is_counted_and_reports_read_the_log(db, actors):
    with db.write() as s:
        s.execute(delete(StatRollup))
    build(db, actors)
    assert not any(_snapshot(db).values())
    report = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 1),
                           date_to=date(2026, 3, 31), timezone=TZ)
    assert (report.totals.resolved, report.totals.rejected, report.totals.created) == (4, 2, 7)


def test_upgrading_an_installation_from_0001_builds_the_rollups(db, actors, monkeypatch):
    build(db, actors)
    from alembic import command

    from iticket.core.db import alembic_config

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:  # the installation as revision 0001 left it, history kept
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    monkeypatch.setenv("ITICKET_TIMEZONE", TZ)
    upgrade(db)
    with db.read() as s:
        assert stats_rollup.built_zone(s) == TZ
    kept = _snapshot(db)
    assert kept["stat_daily"] and kept["stat_duration"]
    kw = {"actor": actors["helpdesk"], "date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "timezone": TZ}
    assert compute_stats(db, **kw) == compute_stats(db, **kw, from_log=True)


def test_cli_rebuild_stats(db, actors, cli):
    build(db, actors)
    r = cli("db", "rebuild-stats", "--timezone", TZ, "--json")
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["timezone"] == TZ and doc["rows"]["stat_daily"] > 0 and doc["rows"]["stat_duration"] == 14  # 6 resolutions, 8 first assignments
    with db.read() as s:
        assert stats_rollup.built_zone(s) == TZ
    bad = cli("db", "rebuild-stats", "--timezone", "Mars/Olympus")
    assert bad.code == 2 and one_error_line(bad.stderr) and "Mars/Olympus" in bad.stderr
    with db.read() as s:  # refused before anything was touched
        assert stats_rollup.built_zone(s) == TZ
