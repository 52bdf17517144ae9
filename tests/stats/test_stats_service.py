"""The statistics service against the fixed history of ``dataset.py`` (expectations computed by
hand from the timeline in that module's docstring)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from iticket.core.errors import NotFound, PermissionDenied, ValidationError
from iticket.core.models import StatRollup
from iticket.core.services import stats_rollup
from iticket.core.services import tickets as tsvc
from iticket.core.services.stats import compute_stats, stats_json
from tests.stats.dataset import TZ, at, build

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "timezone": TZ}


@pytest.fixture(params=["rollups", "log"])
def history(request, db, actors):
    """The history, with every report answered from the rollups (built in the report's zone
    before the history is written, so the services maintain them) or from the raw log."""
    with db.write() as session:
        if request.param == "rollups":
            stats_rollup.rebuild(session, TZ)
        else:
            session.execute(delete(StatRollup))
    ids = build(db, actors)
    with db.read() as session:
        assert stats_rollup.built_zone(session) == (TZ if request.param == "rollups" else None)
    return ids


def _unit(report, code):
    return next(u for u in report.by_unit if u.unit == code).model_dump()


def test_per_unit_counts_times_and_backlog(db, actors, history):
    r = compute_stats(db, actor=actors["helpdesk"], **MARCH)
    assert [u.unit for u in r.by_unit] == ["helpdesk", "soporte", "desarrollo", "seguridad"]
    assert _unit(r, "helpdesk") == {
        "unit": "helpdesk", "resolved": 0, "rejected": 0, "created": 7, "pending": 1, "in_progress": 1,
        "median_first_assignment_minutes": 5.0, "p90_first_assignment_minutes": 5.0,
        "median_resolution_minutes": None, "p90_resolution_minutes": None,
    }
    # First assignments 10, 20, 30, 30 (T9, T3, T1, T4): median (20+30)/2, p90 = 4th of 4.
    # Resolutions 70, 120, 239 (T9, T1, T3; T4's is after the range): median 120, p90 = 3rd of 3.
    assert _unit(r, "soporte") == {
        "unit": "soporte", "resolved": 3, "rejected": 0, "created": 0, "pending": 0, "in_progress": 0,
        "median_first_assignment_minutes": 25.0, "p90_first_assignment_minutes": 30.0,
        "median_resolution_minutes": 120.0, "p90_resolution_minutes": 239.0,
    }
    assert _unit(r, "desarrollo") == {
        "unit": "desarrollo", "resolved": 1, "rejected": 1, "created": 0, "pending": 0, "in_progress": 0,
        "median_first_assignment_minutes": 40.0, "p90_first_assignment_minutes": 40.0,
        "median_resolution_minutes": 160.0, "p90_resolution_minutes": 160.0,
    }
    # T5 was first assigned on 02-28 (outside) and rejections are not resolutions.
    assert _unit(r, "seguridad") == {
        "unit": "seguridad", "resolved": 0, "rejected": 1, "created": 0, "pending": 0, "in_progress": 0,
        "median_first_assignment_minutes": None, "p90_first_assignment_minutes": None,
        "median_resolution_minutes": None, "p90_resolution_minutes": None,
    }
    assert r.totals.model_dump() == {"resolved": 4, "rejected": 2, "created": 7, "pending": 1, "in_progress": 1}


def test_per_user_attributes_each_close_to_its_actor_and_unit(db, actors, history):
    r = compute_stats(db, actor=actors["seguridad"], **MARCH)
    assert [(u.user, u.unit, u.resolved, u.rejected) for u in r.by_user] == [
        ("sofia", "soporte", 2, 0),
        ("diego", "soporte", 1, 0),
        ("dario", "desarrollo", 1, 1),  # T2 resolved, and T1 rejected after sofia had resolved it
        ("sergio", "seguridad", 0, 1),
    ]
    assert r.by_user[0].full_name == "Sofía Ruiz"


def test_per_day_series_is_local_and_zero_filled(db, actors, history):
    r = compute_stats(db, actor=actors["helpdesk"], **MARCH)
    assert len(r.by_day) == 31 and r.by_day[0].day == date(2026, 3, 1)
    nonzero = {d.day.isoformat(): (d.created, d.resolved, d.rejected)
               for d in r.by_day if d.created or d.resolved or d.rejected}
    assert nonzero == {
        "2026-03-01": (0, 0, 1),  # T5 rejected at 00:01
        "2026-03-02": (1, 1, 0),
        "2026-03-03": (0, 0, 1),
        "2026-03-05": (1, 1, 0),
        "2026-03-10": (2, 0, 0),
        "2026-03-12": (1, 1, 0),
        "2026-03-31": (2, 1, 0),  # T3 resolved at 23:59 (04-01 02:59 UTC)
    }


def test_per_sector_and_busiest_hours(db, actors, history):
    r = compute_stats(db, actor=actors["helpdesk"], **MARCH)
    assert [(s.sector, s.created, s.resolved, s.rejected) for s in r.by_sector] == [
        ("Guardia", 3, 2, 1),
        ("Farmacia", 2, 1, 0),
        ("Radiología", 1, 1, 0),
        ("Laboratorio", 1, 0, 0),
        ("Admisión", 0, 0, 1),
    ]
    assert len(r.by_hour) == 24
    assert {h.hour: h.created for h in r.by_hour if h.created} == {8: 1, 9: 2, 14: 1, 15: 1, 20: 1, 21: 1}


def test_unit_filter_keeps_only_that_units_events(db, actors, history):
    r = compute_stats(db, actor=actors["helpdesk"], unit="Soporte", **MARCH)
    assert r.unit == "soporte" and [u.unit for u in r.by_unit] == ["soporte"]
    assert [(u.user, u.resolved) for u in r.by_user] == [("sofia", 2), ("diego", 1)]
    assert r.totals.model_dump() == {"resolved": 3, "rejected": 0, "created": 0, "pending": 0, "in_progress": 0}
    assert [(s.sector, s.created, s.resolved) for s in r.by_sector] == [("Guardia", 0, 2), ("Radiología", 0, 1)]
    assert sum(d.resolved for d in r.by_day) == 3 and sum(h.created for h in r.by_hour) == 0


def test_range_edges_in_local_time(db, actors, history):
    """00:01 and 23:59 local decide the day, not the UTC date."""
    feb = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 2, 28),
                        date_to=date(2026, 2, 28), timezone=TZ)
    assert [(u.user, u.resolved, u.rejected) for u in feb.by_user] == [("ana", 1, 0)]  # T6 at 23:59
    assert (feb.totals.created, feb.totals.rejected) == (2, 0)  # T5 and T6; T5's 00:01 rejection is March
    april1 = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 4, 1),
                           date_to=date(2026, 4, 1), timezone=TZ)
    assert [(u.user, u.resolved) for u in april1.by_user] == [("sofia", 1)]  # T4 at 00:01
    assert april1.totals.created == 0


def test_open_ends(db, actors, history):
    since = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 1), timezone=TZ)
    assert (since.totals.resolved, since.totals.rejected) == (5, 2)  # March plus T4 on 04-01
    assert since.by_day[0].day == date(2026, 3, 1) and since.by_day[-1].day == date(2026, 4, 1)
    everything = compute_stats(db, actor=actors["helpdesk"], timezone=TZ)
    assert (everything.totals.resolved, everything.totals.rejected, everything.totals.created) == (6, 2, 9)
    assert everything.by_day[0].day == date(2026, 2, 28) and everything.by_day[-1].day == date(2026, 4, 1)
    assert len(everything.by_day) == 33


@pytest.mark.parametrize("zone", [TZ, "Asia/Tokyo", "Pacific/Kiritimati"])
def test_the_ends_of_the_calendar_are_open_ends(db, actors, history, zone):
    """Year 1 and 9999 are accepted (a script's "everything" range) and mean the same as open
    ends; the per-day series is not zero-filled across eight thousand years."""
    wide = compute_stats(db, actor=actors["helpdesk"], date_from=date.min, date_to=date.max, timezone=zone)
    everything = compute_stats(db, actor=actors["helpdesk"], timezone=zone)
    assert wide.totals == everything.totals and wide.by_unit == everything.by_unit
    assert wide.by_day == everything.by_day and 0 < len(wide.by_day) <= 40
    to_the_end = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 1), date_to=date.max,
                               timezone=zone)
    assert to_the_end.by_day[-1].day == date(2026, 4, 1)
    none = compute_stats(db, actor=actors["helpdesk"], date_from=date(3000, 1, 1), date_to=date.max,
                         timezone=zone)
    assert none.by_day == [] and none.totals.resolved == 0


def test_empty_range(db, actors, history):
    r = compute_stats(db, actor=actors["helpdesk"], date_from=date(2025, 1, 1),
                      date_to=date(2025, 1, 31), timezone=TZ)
    assert r.by_user == [] and r.by_sector == []
    assert len(r.by_day) == 31 and not any(d.created or d.resolved or d.rejected for d in r.by_day)
    assert all(u.median_resolution_minutes is None and u.median_first_assignment_minutes is None
               for u in r.by_unit)
    # The backlog is "now", not range-bound.
    assert r.totals.model_dump() == {"resolved": 0, "rejected": 0, "created": 0, "pending": 1, "in_progress": 1}


def test_empty_database(db, actors):
    r = compute_stats(db, actor=actors["helpdesk"], timezone=TZ)
    assert r.by_day == [] and r.by_user == [] and r.totals.created == 0
    assert stats_json(r)["by_day"] == []


def test_later_moves_and_reopenings_do_not_rewrite_march(db, actors, history):
    before = compute_stats(db, actor=actors["helpdesk"], **MARCH)
    hd = actors["helpdesk"]
    at("2026-04-05 10:00", lambda: tsvc.reopen(db, history["T2"], actor=hd))
    at("2026-04-05 10:05", lambda: tsvc.route(db, history["T2"], to_unit="seguridad", actor=hd))
    at("2026-04-05 10:10", lambda: tsvc.assign(db, history["T8"], to_user="sergio", actor=hd))
    after = compute_stats(db, actor=actors["helpdesk"], **MARCH)
    assert after.by_user == before.by_user and after.by_day == before.by_day
    assert after.by_sector == before.by_sector
    for b, a in zip(before.by_unit, after.by_unit, strict=True):
        assert (a.resolved, a.rejected, a.created, a.median_resolution_minutes,
                a.median_first_assignment_minutes) == (
            b.resolved, b.rejected, b.created, b.median_resolution_minutes,
            b.median_first_assignment_minutes)
    # Only the backlog, which is "now", follows the tickets.
    assert (_unit(after, "seguridad")["pending"], _unit(after, "seguridad")["in_progress"]) == (1, 1)
    assert _unit(after, "helpdesk")["in_progress"] == 0


def test_json_contract(db, actors, history):
    doc = stats_json(compute_stats(db, actor=actors["helpdesk"], **MARCH))
    assert {"from", "to", "timezone", "by_unit", "by_user", "by_day", "totals"} <= set(doc)
    assert (doc["from"], doc["to"], doc["timezone"]) == ("2026-03-01", "2026-03-31", TZ)
    assert {"unit", "resolved", "rejected", "created", "pending", "in_progress",
            "median_first_assignment_minutes", "median_resolution_minutes"} <= set(doc["by_unit"][0])
    assert set(doc["by_user"][0]) >= {"user", "unit", "resolved", "rejected"}
    assert doc["by_day"][1] == {"date": "2026-03-02", "created": 1, "resolved": 1, "rejected": 0}
    assert doc["totals"] == {"resolved": 4, "rejected": 2, "created": 7, "pending": 1, "in_progress": 1}


@pytest.mark.parametrize("who", ["ana", "sofia", "wspbot"])
def test_only_admins(db, actors, who):
    with pytest.raises(PermissionDenied):
        compute_stats(db, actor=actors[who])


def test_bad_input(db, actors):
    admin = actors["helpdesk"]
    with pytest.raises(ValidationError):
        compute_stats(db, actor=admin, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
    with pytest.raises(NotFound):
        compute_stats(db, actor=admin, unit="farmacia")
    with pytest.raises(ValidationError):
        compute_stats(db, actor=admin, timezone="Mars/Olympus")


def test_default_zone_comes_from_settings(db, actors, history, monkeypatch):
    monkeypatch.setenv("ITICKET_TIMEZONE", TZ)
    r = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 31), date_to=date(2026, 3, 31))
    assert r.timezone == TZ and r.totals.resolved == 1  # T3 at 23:59 local
    monkeypatch.setenv("ITICKET_TIMEZONE", "UTC")
    r = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 31), date_to=date(2026, 3, 31))
    assert r.timezone == "UTC" and r.totals.resolved == 0  # in UTC, T3 closed on 04-01


def test_local_days_and_hours_across_a_dst_change(db, actors):
    """Europe/Madrid springs forward at 2026-03-29 01:00 UTC (02:00 CET → 03:00 CEST): the SQL
    buckets must switch offset at that instant, on every engine."""
    from datetime import UTC, datetime

    from iticket.core.timeutil import clock

    for utc in ("2026-03-28 22:30", "2026-03-28 23:30", "2026-03-29 00:59", "2026-03-29 01:00",
                "2026-03-29 22:30"):
        instant = datetime.fromisoformat(utc).replace(tzinfo=UTC)
        with clock(lambda instant=instant: instant):
            tsvc.create_ticket(db, actor=actors["wspbot"], name="Ana", sector="Guardia",
                               extension="100", phone=None, detail="x")
    r = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 28),
                      date_to=date(2026, 3, 30), timezone="Europe/Madrid")
    assert [(d.day.day, d.created) for d in r.by_day] == [(28, 1), (29, 3), (30, 1)]
    assert {h.hour: h.created for h in r.by_hour if h.created} == {23: 1, 0: 2, 1: 1, 3: 1}
    r = compute_stats(db, actor=actors["helpdesk"], date_from=date(2026, 3, 29),
                      date_to=date(2026, 3, 29), timezone="Europe/Madrid")
    assert r.totals.created == 3


def test_unit_by_display_name_and_unknown_unit_lists_the_codes(db, actors, history, monkeypatch):
    monkeypatch.setenv("ITICKET_LANG", "en")
    admin = actors["helpdesk"]
    by_code = compute_stats(db, actor=admin, unit="soporte", **MARCH)
    for value in ("Soporte Técnico", "SOPORTE", "soporte tecnico"):
        assert compute_stats(db, actor=admin, unit=value, **MARCH) == by_code, value
    assert by_code.unit == "soporte"
    with pytest.raises(NotFound) as info:
        compute_stats(db, actor=admin, unit="sporte")
    assert str(info.value) == (
        "Unit 'sporte' does not exist (units: helpdesk, soporte, desarrollo, seguridad).")
