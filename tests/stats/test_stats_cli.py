"""``iticket stats`` through the real executable, over the fixed history of ``dataset.py``."""

from __future__ import annotations

import csv
import io

import pytest

from tests.stats.dataset import TZ, build, token_for
from tests.stats.dataset import one_error_line as _one_error_line

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


@pytest.fixture
def admin_cli(db, actors, cli):
    build(db, actors)
    cli.env["ITICKET_TIMEZONE"] = TZ
    cli.env["ITICKET_TOKEN"] = token_for(db, actors["helpdesk"])
    return cli


def test_json_document(admin_cli):
    r = admin_cli("stats", *MARCH, "--format", "json")
    assert r.code == 0, r.stderr
    doc = r.json()
    assert (doc["from"], doc["to"], doc["timezone"]) == ("2026-03-01", "2026-03-31", TZ)
    assert doc["totals"] == {"resolved": 4, "rejected": 2, "created": 7, "pending": 1, "in_progress": 1}
    soporte = next(u for u in doc["by_unit"] if u["unit"] == "soporte")
    assert (soporte["resolved"], soporte["median_first_assignment_minutes"],
            soporte["median_resolution_minutes"]) == (3, 25.0, 120.0)
    assert [(u["user"], u["unit"], u["resolved"], u["rejected"]) for u in doc["by_user"]] == [
        ("sofia", "soporte", 2, 0), ("diego", "soporte", 1, 0),
        ("dario", "desarrollo", 1, 1), ("sergio", "seguridad", 0, 1),
    ]
    assert len(doc["by_day"]) == 31


def test_table_shows_units_users_and_totals(admin_cli):
    r = admin_cli("stats", *MARCH)
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    soporte = next(line for line in lines if line.startswith("soporte"))
    assert soporte.split("│")[1:4] == [" 3 ", " 0 ", " 0 "] or soporte.split()[1:4] == ["│", "3", "│"]
    assert any(line.startswith("dario") and "Darío Luna" in line for line in lines)
    assert "Total: 4 resolved, 2 rejected, 7 created; backlog now 1 pending, 1 in progress." in r.stdout


def test_csv_opens_in_spreadsheets(admin_cli):
    r = admin_cli("stats", *MARCH, "--by", "sector", "--format", "csv")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Sector", "Created", "Resolved", "Rejected"]
    assert ["Radiología", "1", "1", "0"] in rows and ["Admisión", "0", "0", "1"] in rows


@pytest.mark.parametrize("by", ["user", "hour"])
def test_plot(admin_cli, by):
    r = admin_cli("stats", *MARCH, "--by", by, "--plot")
    assert r.code == 0, r.stderr
    assert "2026-03-01" in r.stdout and "\x1b[" not in r.stdout  # a pipe gets no colour codes
    if by == "user":
        assert "sofia" in r.stdout


def test_unit_filter_and_errors(admin_cli):
    r = admin_cli("stats", *MARCH, "--unit", "seguridad", "--format", "json")
    assert r.code == 0 and r.json()["totals"]["rejected"] == 1
    for args, code in [
        (("--from", "2026-02-30"), 2),
        (("--by", "month"), 2),
        (("--unit", "farmacia"), 5),
    ]:  # (from > to and unknown zones: see the service tests)
        r = admin_cli("stats", *args)
        assert r.code == code, (args, r.stderr)
        assert _one_error_line(r.stderr)
        assert r.stdout == ""


def test_agents_are_denied(db, actors, cli):
    r = cli("stats", "--format", "json", token=token_for(db, actors["sofia"]))
    assert r.code == 4 and r.error()["code"] == "permission_denied" and r.stdout == ""
