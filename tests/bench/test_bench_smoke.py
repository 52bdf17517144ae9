"""Smoke test of bench/: the generator builds a small database that is *right* (migrated schema,
ticket states that agree with their activity log, time-ordered ids), and every benchmark case
returns what a naive query over the same data returns. Timing is not checked here."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import bench_core, generate
from bench.simulate import Staff
from iticket.core.db import Database, head_revision, upgrade
from iticket.core.models import Status
from iticket.core.services import activity, tickets

N = 2_000
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def gen_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "gen.db"
    counts = generate.generate(f"sqlite:///{path}", tickets=N, seed_value=7, jobs=1, now=NOW,
                               log=False)
    assert counts["ticket"] == N
    return path


@pytest.fixture
def gdb(gen_path: Path):  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{gen_path}")
    yield database
    database.dispose()


def _rows(path: Path, sql: str, *args: object) -> list[tuple]:  # type: ignore[type-arg]
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_schema_is_exactly_the_migrated_one(gen_path: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    db = Database(f"sqlite:///{fresh}")
    upgrade(db)
    db.dispose()
    schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    assert _rows(gen_path, schema) == _rows(fresh, schema)
    assert _rows(gen_path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert _rows(gen_path, "PRAGMA journal_mode") == [("wal",)]


def test_realistic_mix(gen_path: Path) -> None:
    by_status = dict(_rows(gen_path, "SELECT status, count(*) FROM ticket GROUP BY status"))
    assert sum(by_status.values()) == N
    closed = by_status.get("resolved", 0) + by_status.get("rejected", 0)
    assert closed > 0.9 * N and by_status["resolved"] > by_status["rejected"]
    assert by_status.get("pending", 0) + by_status.get("in_progress", 0) > 0
    units = dict(_rows(gen_path, "SELECT unit_code, count(*) FROM ticket GROUP BY unit_code"))
    assert set(units) == {"helpdesk", "soporte", "desarrollo", "seguridad"}
    assert units["helpdesk"] > units["soporte"] > units["desarrollo"] > units["seguridad"]
    with_notes = _rows(gen_path, "SELECT count(DISTINCT ticket_id) FROM note")[0][0]
    assert 0.2 * N < with_notes < 0.4 * N
    agents = dict(_rows(gen_path, "SELECT unit_code, count(*) FROM user WHERE role = 'agent' "
                                  "GROUP BY unit_code"))
    assert agents == {u: 20 for u in units}
    lo, hi = _rows(gen_path, "SELECT min(created_at), max(created_at) FROM ticket")[0]
    assert datetime.fromisoformat(lo).replace(tzinfo=UTC) >= NOW - timedelta(days=731)
    assert datetime.fromisoformat(hi).replace(tzinfo=UTC) < NOW


def test_ids_follow_time(gen_path: Path) -> None:
    for table, col in (("activity", "at"), ("note", "created_at"), ("ticket", "created_at")):
        inversions = _rows(gen_path, f"SELECT count(*) FROM {table} a JOIN {table} b "
                                     f"ON b.id = a.id + 1 WHERE b.{col} < a.{col}")
        assert inversions == [(0,)], table


def test_tickets_agree_with_their_activity(gen_path: Path) -> None:
    """Replays each ticket's log the way the services wrote it and compares with the row."""
    names = dict(_rows(gen_path, "SELECT id, username FROM user"))
    log: dict[int, list[tuple]] = defaultdict(list)  # type: ignore[type-arg]
    for row in _rows(gen_path, "SELECT ticket_id, kind, actor_id, unit_code, other_unit_code, "
                               "user_id, before, after, at FROM activity "
                               "WHERE ticket_id IS NOT NULL ORDER BY id"):
        log[row[0]].append(row[1:])
    notes = dict(_rows(gen_path, "SELECT ticket_id, count(*) FROM note GROUP BY ticket_id"))
    bot = _rows(gen_path, "SELECT id FROM user WHERE username = 'wspbot'")[0][0]
    for (tid, status, unit, assignee, version, first, closed, closed_by, updated, created
         ) in _rows(gen_path, "SELECT id, status, unit_code, assignee_id, version, "
                              "first_assigned_at, closed_at, closed_by_id, updated_at, created_at "
                              "FROM ticket"):
        events = log[tid]
        assert events[0][:3] == ("ticket_created", bot, "helpdesk") and events[0][6] == "pending"
        assert events[0][7] == created
        s, u, a, changes, first_at, closed_at, closer = "pending", "helpdesk", None, 0, None, None, None
        last_change_at = None
        for kind, actor, e_unit, other, user, before, after, at in events[1:]:
            if kind == "moved":
                assert e_unit == u
                u = other
            elif kind == "assigned":
                assert before == names.get(a) and after == names[user] and e_unit == u
                a, first_at = user, first_at or at
            elif kind == "status_changed":
                assert before == s and e_unit == u
                s = after
                if s in ("resolved", "rejected"):
                    closed_at, closer = at, actor
            elif kind == "note_added":
                assert e_unit == u
                continue
            if at != last_change_at:  # one service call logs moved/assigned/status at one instant
                changes += 1
                last_change_at = at
        assert (status, unit, assignee) == (s, u, a), tid
        assert version == 1 + changes and first == first_at, tid
        assert (closed, closed_by) == (closed_at, closer), tid
        assert updated == max(e[-1] for e in events), tid
        assert sum(1 for e in events if e[0] == "note_added") == notes.get(tid, 0)


def test_every_benchmark_case_returns_the_right_rows(gdb: Database, gen_path: Path) -> None:
    cases = {c.key: c for c in bench_core.cases(gdb, "soporte")}
    assert set(cases) == {"pending", "show", "counts", "activity", "deep", "open",
                          "search_common", "search_rare", "search_number", "search_none"}

    def ids(page: tickets.TicketPage) -> list[int]:
        return [t.id for t in page.tickets]

    assert ids(cases["pending"].run(0)) == [r[0] for r in _rows(
        gen_path, "SELECT id FROM ticket WHERE unit_code = 'soporte' AND status = 'pending' "
                  "ORDER BY created_at, id LIMIT 50")]
    assert ids(cases["open"].run(0)) == [r[0] for r in _rows(
        gen_path, "SELECT id FROM ticket WHERE status IN ('pending', 'in_progress') "
                  "ORDER BY created_at, id LIMIT 50")]
    deep = cases["deep"].run(0)
    top = _rows(gen_path, "SELECT max(id) FROM ticket")[0][0]
    mark = _rows(gen_path, "SELECT created_at, id FROM ticket WHERE id >= ? AND unit_code = "
                           "'soporte' ORDER BY id LIMIT 1", top // 2)[0]
    assert ids(deep) == [r[0] for r in _rows(
        gen_path, "SELECT id FROM ticket WHERE unit_code = 'soporte' AND (created_at, id) < (?, ?) "
                  "ORDER BY created_at DESC, id DESC LIMIT 50", *mark)]
    assert len(deep.tickets) == 50
    counts = cases["counts"].run(0)
    expected = dict(_rows(gen_path, "SELECT status, count(*) FROM ticket "
                                    "WHERE unit_code = 'soporte' GROUP BY status"))
    assert {s.value: n for s, n in counts.items() if n} == expected
    recent = cases["activity"].run(0)
    assert [a.id for a in recent] == [r[0] for r in _rows(
        gen_path, "SELECT id FROM activity WHERE unit_code = 'soporte' OR other_unit_code = "
                  "'soporte' ORDER BY id DESC LIMIT 50")]
    detail = cases["show"].run(0)
    assert detail.notes and detail.ticket.unit == "soporte"
    assert len(detail.activity) == _rows(gen_path, "SELECT count(*) FROM activity "
                                                   "WHERE ticket_id = ?", detail.ticket.id)[0][0]
    common = cases["search_common"].run(0).tickets
    assert common and all("impresora" in (t.detail + t.requester.name).lower() for t in common)
    rare = cases["search_rare"].run(0).tickets
    assert all("pendrive" in t.detail and t.status == Status.PENDING for t in rare)
    assert [t.id for t in cases["search_number"].run(0).tickets] == [top]
    assert cases["search_none"].run(0).tickets == []


@pytest.mark.parametrize("newest_first", [False, True])
def test_keyset_walk_over_a_whole_unit_matches_sql(gdb: Database, gen_path: Path,
                                                   newest_first: bool) -> None:
    """The per-status merged pages (no status filter, or several statuses) cover every row once,
    in order."""
    agent, _admin = bench_core._actors(gdb, "desarrollo")
    for statuses in ((), (Status.PENDING, Status.IN_PROGRESS), (Status.RESOLVED, Status.REJECTED)):
        seen: list[int] = []
        cursor = None
        while True:
            page = tickets.list_tickets(gdb, actor=agent, limit=97, after=cursor,
                                        newest_first=newest_first,
                                        filter=tickets.TicketFilter(statuses=statuses))
            seen += [t.id for t in page.tickets]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        where = f" AND status IN ({', '.join(repr(s.value) for s in statuses)})" if statuses else ""
        order = "DESC" if newest_first else "ASC"
        assert seen == [r[0] for r in _rows(
            gen_path, f"SELECT id FROM ticket WHERE unit_code = 'desarrollo'{where} "
                      f"ORDER BY created_at {order}, id {order}")]


def test_recent_activity_keyset_pages_match_sql(gdb: Database, gen_path: Path) -> None:
    agent, _admin = bench_core._actors(gdb, "seguridad")
    first = activity.recent_activity(gdb, actor=agent, limit=40)
    second = activity.recent_activity(gdb, actor=agent, limit=40, before_id=first[-1].id)
    assert [a.id for a in first + second] == [r[0] for r in _rows(
        gen_path, "SELECT id FROM activity WHERE unit_code = 'seguridad' OR other_unit_code = "
                  "'seguridad' ORDER BY id DESC LIMIT 80")]


def test_bench_cli_prints_one_json_document(gen_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench_core.main(["--db", str(gen_path), "--runs", "3", "--warmup", "0", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["engine"] == "sqlite" and doc["tickets"] == N
    assert len(doc["results"]) == 10
    assert all(0 < r["median_ms"] <= r["p95_ms"] for r in doc["results"])


def test_parallel_simulation_gives_the_same_rows(gen_path: Path) -> None:
    """``--jobs 2`` replays the seed in a second process: it must produce the very same rows."""
    users = _rows(gen_path, "SELECT id, username, unit_code, role FROM user ORDER BY id")
    staff = Staff(
        bot=next(i for i, _n, _u, role in users if role == "bot"),
        admins={u: (i, n) for i, n, u, role in users if role == "admin"},
        agents={},
    )
    for i, n, u, role in users:
        if role == "agent":
            staff.agents.setdefault(u, []).append((i, n))
    args = (7, 500, NOW, 20, staff, 1, 1, "sqlite")
    here = list(generate._batches(*args))
    there = list(generate._parallel(args))
    assert [(b.tickets, b.notes, b.activity) for b in there] == \
        [(b.tickets, b.notes, b.activity) for b in here]
    assert sum(len(b.tickets) for b in here) == 500


def test_generator_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "x.db"
    existing.write_bytes(b"")
    for argv, message in (
        (["--out", str(existing), "--tickets", "10"], "pass --force"),
        (["--out", str(tmp_path / "y.db"), "--tickets", "0"], "at least 1"),
        (["--out", str(tmp_path / "y.db"), "--now", "2026-01-01T00:00:00"], "UTC offset"),
    ):
        with pytest.raises(SystemExit) as exc:
            generate.main(argv)
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
    assert existing.read_bytes() == b"" and not (tmp_path / "y.db").exists()


def test_generator_refuses_a_database_that_is_not_fresh(gen_path: Path) -> None:
    before = _rows(gen_path, "SELECT count(*) FROM ticket")
    with pytest.raises(SystemExit, match="is not fresh"):
        generate.generate(f"sqlite:///{gen_path}", tickets=10, jobs=1, log=False)
    assert _rows(gen_path, "SELECT count(*) FROM ticket") == before
    assert _rows(gen_path, "PRAGMA journal_mode") == [("wal",)]
