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
    assert rows[0] == ["sector", "created", "resolved", "rejected"]  # the JSON keys, in any language
    assert ["Radiología", "1", "1", "0"] in rows and ["Admisión", "0", "0", "1"] in rows


def test_csv_headers_are_keys_and_minutes_whole_in_every_language(admin_cli):
    for lang in ("en", "es"):
        r = admin_cli("stats", *MARCH, "--format", "csv", env={"ITICKET_LANG": lang})
        assert r.code == 0, r.stderr
        rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff")), delimiter=";"))
        assert list(rows[0]) == [
            "unit", "resolved", "rejected", "created", "pending", "in_progress",
            "median_first_assignment_minutes", "p90_first_assignment_minutes",
            "median_resolution_minutes", "p90_resolution_minutes"]
        soporte = next(row for row in rows if row["unit"] == "soporte")
        assert (soporte["median_first_assignment_minutes"], soporte["median_resolution_minutes"]) == ("25", "120")
        assert all("." not in v and "," not in v for row in rows for v in row.values())
        r = admin_cli("stats", *MARCH, "--by", "user", "--format", "csv", env={"ITICKET_LANG": lang})
        assert r.stdout.lstrip("\ufeff").splitlines()[0] == "user;full_name;unit;resolved;rejected"


def test_json_flag_is_the_json_format(admin_cli):
    a, b = admin_cli("stats", *MARCH, "--json"), admin_cli("stats", *MARCH, "--format", "json")
    assert a.code == 0 and a.stdout == b.stdout
    bad = admin_cli("stats", *MARCH, "--json", "--format", "csv")
    assert bad.code == 2 and bad.error()["code"] == "invalid" and bad.stdout == ""
    err = admin_cli("stats", "--unit", "farmacia", "--json")
    assert err.code == 5 and err.error()["code"] == "not_found"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_plot_needs_the_table_format(admin_cli, fmt):
    r = admin_cli("stats", *MARCH, "--plot", "--format", fmt)
    assert r.code == 2 and "--plot" in r.stderr and r.stdout == ""


def test_the_end_of_the_calendar_is_accepted(admin_cli):
    r = admin_cli("stats", "--from", "0001-01-01", "--to", "9999-12-31", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["totals"]["created"] == 9 and len(r.json()["by_day"]) == 33


def test_tables_sent_to_a_pipe_are_not_cut_at_80_columns(admin_cli):
    r = admin_cli("stats", *MARCH, env={"COLUMNS": ""})
    assert r.code == 0, r.stderr
    header = next(line for line in r.stdout.splitlines() if "Unit" in line)
    assert "Resolve p90 (min)" in header


def test_a_reader_that_goes_away_ends_the_command_quietly(admin_cli):
    """``iticket stats … | head -1``: no error line, exit 141 (as killed by SIGPIPE). The read
    end is closed before the command writes, so its first write fails whatever the pipe's size."""
    import subprocess

    for args in (("stats", *MARCH, "--by", "day"), ("stats", *MARCH, "--by", "day", "--format", "csv"),
                 ("stats", *MARCH, "--json"), ("stats", *MARCH, "--plot"), ("export", "tickets")):
        proc = subprocess.Popen([admin_cli.executable, *args], env=admin_cli.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141, (args, stderr)
        assert [ln for ln in stderr.splitlines() if not ln.startswith("Warning:")] == [], args


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
