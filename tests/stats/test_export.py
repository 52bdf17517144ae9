"""``iticket export tickets`` (real executable) and the export service, over ``dataset.py``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from iticket.core.errors import PermissionDenied
from iticket.core.services.export import COLUMNS, export_tickets
from tests.stats.dataset import TZ, build, token_for
from tests.stats.dataset import one_error_line as _one_error_line


@pytest.fixture
def history(db, actors):
    return build(db, actors)


@pytest.fixture
def admin_cli(db, actors, history, cli):
    cli.env["ITICKET_TIMEZONE"] = TZ
    cli.env["ITICKET_TOKEN"] = token_for(db, actors["helpdesk"])
    return cli


def _csv_rows(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_file_one_row_per_ticket(admin_cli, history, tmp_path):
    target = tmp_path / "tickets.csv"
    r = admin_cli("export", "tickets", "--from", "2026-03-01", "--to", "2026-03-31", "--output", str(target))
    assert r.code == 0, r.stderr
    assert "7" in r.stderr and r.stdout == ""
    rows = _csv_rows(target.read_bytes())
    assert list(rows[0]) == list(COLUMNS)
    # Created in March (local), in creation order: T1, T2, T7, T8, T9, T3, T4.
    assert [int(x["number"]) for x in rows] == [history[k] for k in ("T1", "T2", "T7", "T8", "T9", "T3", "T4")]
    t1, t9 = rows[0], rows[4]
    assert t1 | {} == {
        "number": str(history["T1"]), "requester_name": "Lucía Pérez", "requester_sector": "Guardia",
        "requester_extension": "4321", "requester_phone": "", "unit": "desarrollo", "assignee": "dario",
        "status": "rejected", "created_at": "2026-03-02 09:00", "first_assigned_at": "2026-03-02 09:30",
        "closed_at": "2026-03-03 12:00", "closed_by": "dario", "waiting_minutes": "30",
        "resolution_minutes": str(27 * 60),
    }
    assert (t9["requester_sector"], t9["waiting_minutes"], t9["resolution_minutes"]) == ("Radiología", "10", "70")
    t7 = rows[2]
    assert (t7["status"], t7["assignee"], t7["first_assigned_at"], t7["waiting_minutes"],
            t7["resolution_minutes"]) == ("pending", "", "", "", "")
    t4 = rows[6]  # its requester name looks like a formula: neutralised for spreadsheets
    assert t4["requester_name"] == "'=HIPERVINCULO(\"x\")"
    assert t4["closed_at"] == "2026-04-01 00:01"


def test_json_to_stdout_with_unit_filter(admin_cli, history):
    r = admin_cli("export", "tickets", "--format", "json", "--unit", "soporte")
    assert r.code == 0, r.stderr
    rows = json.loads(r.stdout)
    # Now in soporte: T3 (diego), T4 and T9 (sofia); T1 and T2 ended in desarrollo.
    assert [(x["number"], x["assignee"]) for x in rows] == [
        (history["T9"], "sofia"), (history["T3"], "diego"), (history["T4"], "sofia")]
    assert rows[1]["closed_at"] == "2026-03-31T23:59:00-03:00" and rows[1]["resolution_minutes"] == 239


def test_everything_and_empty(admin_cli, tmp_path):
    r = admin_cli("export", "tickets", "-o", str(tmp_path / "all.csv"))
    assert r.code == 0 and len(_csv_rows((tmp_path / "all.csv").read_bytes())) == 9
    r = admin_cli("export", "tickets", "--from", "2020-01-01", "--to", "2020-12-31", "--format", "json")
    assert r.code == 0 and json.loads(r.stdout) == []


def test_errors_leave_no_file(admin_cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "keep.csv"
    existing.write_text("old")
    for args, code in [
        (("--from", "ayer"), 2),
        (("--unit", "nadie"), 5),
    ]:
        r = admin_cli("export", "tickets", *args, "--output", str(existing))
        assert r.code == code, (args, r.stderr)
        assert _one_error_line(r.stderr)
        assert existing.read_text() == "old"
    r = admin_cli("export", "tickets", "--output", str(out / "missing" / "x.csv"))
    assert r.code == 2 and _one_error_line(r.stderr)
    assert [p.name for p in out.iterdir()] == ["keep.csv"]  # no temporary file left behind


def test_agents_are_denied(db, actors, cli, tmp_path):
    r = cli("export", "tickets", "--output", str(tmp_path / "x.csv"), token=token_for(db, actors["diego"]))
    assert r.code == 4 and not (tmp_path / "x.csv").exists()


def test_service_streams_lazily_but_checks_eagerly(db, actors, history):
    with pytest.raises(PermissionDenied):
        export_tickets(db, actor=actors["ana"])  # raised at the call, before any row
    rows = export_tickets(db, actor=actors["soporte"], date_from=date(2026, 2, 28),
                          date_to=date(2026, 2, 28), timezone=TZ, batch=1)
    first = next(rows)
    assert (first.number, first.status.value, first.waiting_minutes) == (history["T6"], "resolved", 10)
    assert [r.number for r in rows] == [history["T5"]]


def test_json_flag_is_the_json_format(admin_cli):
    a, b = admin_cli("export", "tickets", "--json"), admin_cli("export", "tickets", "--format", "json")
    assert a.code == 0 and a.stdout == b.stdout and len(json.loads(a.stdout)) == 9
    bad = admin_cli("export", "tickets", "--json", "--format", "csv")
    assert bad.code == 2 and bad.error()["code"] == "invalid" and bad.stdout == ""


def test_devices_and_fifos_are_written_in_place(admin_cli, tmp_path):
    """Renaming a finished file over the target would replace /dev/null or a FIFO by a file."""
    import os
    import stat
    import threading

    r = admin_cli("export", "tickets", "-o", "/dev/null")
    assert r.code == 0, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = admin_cli("export", "tickets", "--format", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert r.code == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and len(json.loads(got[0])) == 9
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_symlink_is_followed_and_kept(admin_cli, tmp_path):
    real = tmp_path / "reports" / "tickets.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    r = admin_cli("export", "tickets", "-o", str(link))
    assert r.code == 0, r.stderr
    assert link.is_symlink() and len(_csv_rows(real.read_bytes())) == 9
    dangling = tmp_path / "next.csv"
    dangling.symlink_to(tmp_path / "reports" / "new.csv")
    assert admin_cli("export", "tickets", "-o", str(dangling)).code == 0
    assert dangling.is_symlink() and len(_csv_rows((tmp_path / "reports" / "new.csv").read_bytes())) == 9


def test_file_permissions_are_kept_or_follow_the_umask(admin_cli, tmp_path):
    import os

    shared = tmp_path / "shared.csv"
    shared.write_text("old")
    shared.chmod(0o664)
    assert admin_cli("export", "tickets", "-o", str(shared)).code == 0
    assert shared.stat().st_mode & 0o777 == 0o664
    new = tmp_path / "new.csv"
    r = admin_cli("export", "tickets", "-o", str(new))
    assert r.code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~mask


def test_output_under_a_file_is_one_clear_error(admin_cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    r = admin_cli("export", "tickets", "-o", str(tmp_path / "afile" / "x.csv"))
    assert r.code == 2 and _one_error_line(r.stderr)


def test_agents_are_told_what_is_for_admins(db, actors, cli):
    r = cli("export", "tickets", token=token_for(db, actors["diego"]))
    assert r.code == 4 and "exports" in r.stderr
