"""The scripting contract, through the real ``iticket`` executable: JSON shapes, exit codes and
one-line errors."""

from __future__ import annotations

import json
import os
import stat

from tests.cli.helpers import bot_token, create_ticket

TICKET_KEYS = {"id", "status", "unit", "assignee", "requester", "detail", "created_at",
               "updated_at", "closed_at", "version"}


def test_init_is_idempotent_and_login_whoami_logout(cli, tmp_path):
    r = cli("init", "--json")
    assert r.code == 0 and r.json()["users_created"] == []
    assert cli("whoami").code == 3
    bad = cli("login", "-u", "helpdesk", "--password-stdin", input="nope\n")
    assert bad.code == 3 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    cli.login("helpdesk")
    session_file = tmp_path / "config" / "session.json"
    assert stat.S_IMODE(os.stat(session_file).st_mode) == 0o600
    who = cli("whoami", "--json")
    assert who.json() == {"username": "helpdesk", "full_name": "HelpDesk", "unit": "helpdesk", "role": "admin"}
    assert "password" in who.stderr  # seeded default: warned every time
    assert cli("logout").code == 0
    assert cli("whoami", "--json").error()["code"] == "not_authenticated"


def test_bot_login_refused_but_token_works(cli):
    assert cli("login", "-u", "wspbot", "--password-stdin", input="wspbot\n").code == 3
    token = bot_token(cli)
    r = cli("whoami", "--json", token=token)
    assert r.json()["role"] == "bot"


def test_ticket_lifecycle_json(cli):
    token = bot_token(cli)
    t = create_ticket(cli, token)
    assert set(t) == TICKET_KEYS
    assert t["requester"] == {"name": "Lucía Fernández", "sector": "Guardia", "extension": "4321",
                              "phone": "5491100000001"}
    assert t["status"] == "pending" and t["unit"] == "helpdesk" and t["assignee"] is None
    assert t["created_at"].endswith("+00:00") and t["closed_at"] is None

    n = str(t["id"])
    r = cli("assign", n, "--user", "sofia", "--json")
    assert r.code == 0 and r.json()["assignee"] == "sofia" and r.json()["unit"] == "soporte"
    assert r.json()["status"] == "in_progress" and r.json()["version"] == 2
    r = cli("note", n, "-", "--json", input="Revisar el fusor.\nLlamar al interno.\n")
    assert r.code == 0 and set(r.json()) == TICKET_KEYS
    r = cli("resolve", n, "--message", "Cambiamos el fusor", "--json")
    assert r.json()["status"] == "resolved" and r.json()["closed_at"]
    shown = cli("tickets", "show", n, "--json").json()
    assert set(shown) == TICKET_KEYS | {"notes", "activity"}
    assert shown["notes"][0]["text"] == "Revisar el fusor.\nLlamar al interno."
    assert [a["kind"] for a in shown["activity"]] == [
        "ticket_created", "moved", "assigned", "status_changed", "note_added", "status_changed"]
    r = cli("reopen", n, "--json")
    assert r.json()["status"] == "pending" and r.json()["assignee"] is None
    r = cli("assign", n, "--unit", "desarrollo", "--json")
    assert r.json()["unit"] == "desarrollo"
    r = cli("reject", n, "--reason", "No es de sistemas", "--json")
    assert r.json()["status"] == "rejected"
    listed = cli("tickets", "list", "--status", "rejected", "--json").json()
    assert [x["id"] for x in listed] == [t["id"]]
    feed = cli("activity", "--ticket", n, "--limit", "2", "--json").json()
    assert [a["kind"] for a in feed] == ["status_changed", "moved"]


def test_list_filters(cli):
    token = bot_token(cli)
    a = create_ticket(cli, token, detail="Sin red en admisión")
    b = create_ticket(cli, token, detail="Monitor roto")
    cli("take", str(b["id"]))
    ids = lambda *args: [x["id"] for x in cli("tickets", "list", "--json", *args).json()]  # noqa: E731
    assert ids() == [a["id"], b["id"]]
    assert ids("--newest") == [b["id"], a["id"]]
    assert ids("--assignee", "me") == [b["id"]]
    assert ids("--assignee", "none") == [a["id"]]
    assert ids("--status", "in_progress") == [b["id"]]
    assert ids("--search", "admisión") == [a["id"]]
    assert ids("--unit", "soporte") == []
    assert ids("--limit", "1") == [a["id"]]


def test_user_errors_have_exit_codes_and_one_line(cli):
    token = bot_token(cli)
    t = create_ticket(cli, token)
    n = str(t["id"])
    cases = [
        (("tickets", "show", "999"), 5, "not_found"),
        (("assign", n, "--user", "nadie"), 5, "not_found"),
        (("assign", n), 2, None),
        (("assign", n, "--user", "ana", "--unit", "soporte"), 2, None),
        (("note", n, "   "), 2, "invalid"),
        (("tasks", "list", "--date", "2026-13-45"), 2, "invalid"),
        (("tickets", "list", "--status", "abierto"), 2, "invalid"),
        (("tickets", "list", "--limit", "0"), 2, "invalid"),
        (("tickets", "create", "--name", "X", "--sector", "Y", "--extension", "1", "--phone", "54911", "--detail", "d"), 4, "permission_denied"),
        (("reopen", n), 6, "conflict"),
        (("assign", n, "--unit", "cocina"), 5, "not_found"),
    ]
    for args, code, error_code in cases:
        r = cli(*args, "--json")
        assert r.code == code, (args, r.code, r.stderr)
        assert "Traceback" not in r.stderr, args
        assert r.stdout == "", args
        if error_code:
            assert r.error()["code"] == error_code, args
            talk = [ln for ln in r.stderr.strip().splitlines() if not ln.startswith("Warning:")]
            assert len(talk) == 1
    human = cli("tickets", "show", "999")
    assert human.code == 5 and human.stderr.strip().splitlines()[-1] == "Error: Ticket #999 does not exist."


def test_wrong_role_and_other_unit(cli):
    token = bot_token(cli)
    t = create_ticket(cli, token)
    cli("assign", str(t["id"]), "--unit", "soporte")
    cli("logout")
    cli.login("ana", "ana-secreta-1")
    r = cli("take", str(t["id"]), "--json")
    assert r.code == 4 and r.error()["code"] == "permission_denied"
    assert cli("users", "add", "pepe", "--name", "Pepe").code == 4
    assert cli("tickets", "create", "--name", "a", "--sector", "b", "--extension", "1", "--phone", "5491", "--detail", "x").code == 4
    # the bot's token can create but not list
    assert cli("tickets", "list", token=token).code == 4


def test_stale_version_exits_6(cli):
    token = bot_token(cli)
    t = create_ticket(cli, token)
    n = str(t["id"])
    assert cli("take", n, "--if-version", "1").code == 0
    r = cli("resolve", n, "--if-version", "1", "--json")
    assert r.code == 6 and r.error()["code"] == "conflict"


def test_token_env_wins_over_session_and_revoke(cli):
    cli.login("helpdesk")
    r = cli("token", "create", "nightly", "--json")
    created = r.json()
    assert set(created) == {"id", "name", "token"}
    cli("logout")
    assert cli("whoami", "--json", token=created["token"]).json()["username"] == "helpdesk"
    cli.login("soporte")
    assert cli("whoami", "--json", token=created["token"]).json()["username"] == "helpdesk"
    assert cli("whoami", "--json").json()["username"] == "soporte"
    cli("logout")
    cli.login("helpdesk")
    listed = cli("token", "list", "--json").json()
    assert [x["name"] for x in listed] == ["nightly"]
    assert cli("token", "revoke", str(created["id"])).code == 0
    assert cli("whoami", token=created["token"]).code == 3
    assert cli("token", "revoke", "999").code == 5


def test_users_commands(cli):
    cli.login("soporte")
    r = cli("users", "add", "marta", "--name", "Marta Díaz", "--password-stdin", "--json",
            input="clave-de-marta\n")
    assert r.code == 0 and r.json()["unit"] == "soporte" and r.json()["role"] == "agent"
    assert cli("users", "add", "marta", "--name", "Otra").code == 6
    assert cli("users", "add", "x1", "--name", "X", "--unit", "helpdesk").code == 4
    assert cli("users", "add", "x2", "--name", "X", "--role", "bot").code == 2
    names = [u["username"] for u in cli("users", "list", "--json").json()]
    assert names == ["diego", "marta", "sofia", "soporte"]
    token = bot_token(cli)
    t = create_ticket(cli, token)
    cli("logout")
    cli.login("soporte")
    cli("assign", str(t["id"]), "--user", "marta")
    r = cli("users", "deactivate", "marta", "--json")
    assert r.json()["active"] is False and r.json()["returned_tickets"] == [t["id"]]
    assert cli("users", "deactivate", "marta").code == 6
    assert cli("users", "deactivate", "ana").code == 4
    r = cli("users", "passwd", "diego", "--json")
    assert r.code == 0 and r.json()["temporary_password"]
    r = cli("users", "passwd", "--password-stdin", input="soporte\nuna-clave-mejor\n")
    assert r.code == 0
    who = cli("whoami")
    assert "password" not in who.stderr


def test_tasks_commands(cli):
    cli.login("sofia", "sofia-secreta-1")
    r = cli("tasks", "add", "Revisar UPS del CPD", "--date", "2026-12-03", "--json")
    assert r.code == 0
    task = r.json()
    assert task["date"] == "2026-12-03" and task["unit"] == "soporte" and task["done"] is False
    listed = cli("tasks", "list", "--date", "2026-12-03", "--json").json()
    assert [x["text"] for x in listed] == ["Revisar UPS del CPD"]
    assert cli("tasks", "done", str(task["id"]), "--json").json()["done"] is True
    assert cli("tasks", "done", str(task["id"])).code == 6
    assert cli("tasks", "done", "999").code == 5
    assert cli("tasks", "list", "--date", "2026-12-04", "--json").json() == []


def test_spanish_by_default(cli):
    env = {"ITICKET_LANG": ""}
    r = cli("tickets", "show", "1", env=env)
    assert r.code == 3
    assert r.stderr.startswith("Error: ") or r.stderr.strip()
    # JSON keys/values stay the same in every language
    cli.login("helpdesk")
    r = cli("whoami", "--json", env=env)
    assert json.loads(r.stdout)["role"] == "admin"


def test_bad_database_urls_are_one_line_errors(cli, tmp_path):
    r = cli("--db", "garbage", "init")
    assert r.code == 2 and r.stderr.strip().splitlines() == ["Error: Invalid database URL: Could not parse SQLAlchemy URL from given URL string"]
    (tmp_path / "file").write_text("x")
    r = cli("--db", f"sqlite:///{tmp_path / 'file' / 'x.db'}", "init", "--json")
    assert r.code == 1 and r.error()["code"] == "database" and "Traceback" not in r.stderr
    unsupported = ("Unsupported database 'mysql': use sqlite:///PATH or "
                   "postgresql+psycopg://USER:PASSWORD@HOST/NAME.")
    r = cli("--db", "mysql://root:secret@localhost/iticket", "init", "--json")
    assert r.code == 2 and r.stdout == "" and r.stderr.strip().splitlines() == [json.dumps(
        {"error": {"code": "invalid", "message": unsupported}}, ensure_ascii=False)]
    r = cli("db", "upgrade", env={"ITICKET_DATABASE_URL": "mysql://root@localhost/iticket"})
    assert r.code == 2 and r.stderr.strip().splitlines() == [f"Error: {unsupported}"]


def test_newcomer_faults_stay_fixed(cli, tmp_path):
    missing = tmp_path / "typo" / "x.db"
    cli.login("helpdesk")
    r = cli("--db", f"sqlite:///{missing}", "whoami", "--json")
    assert r.code == 1 and r.error()["code"] == "database" and not missing.parent.exists()
    r = cli("reject", "1", "--json")
    assert r.code == 2 and r.stdout == "" and r.error()["code"] == "usage"
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("take", "99999999999999999999999")
    assert r.code == 2 and "Traceback" not in r.stderr and "Usage error" in r.stderr
    r = cli("whoami", env={"ITICKET_SESSION_HOURS": "abc"})
    assert r.code == 2 and "ITICKET_SESSION_HOURS" in r.stderr
    assert cli("users", "deactivate", "wspbot").code == 6
    r = cli("tickets", "list", "--status", "all", env={"COLUMNS": "80"})
    assert r.code == 0


def test_unit_by_display_name_and_unknown_unit_in_one_line(cli):
    token = bot_token(cli)
    t = create_ticket(cli, token)
    assert cli("assign", str(t["id"]), "--unit", "Soporte Técnico", "--json").json()["unit"] == "soporte"
    r = cli("tickets", "list", "--unit", "Soporte Técnico", "--json")
    assert r.code == 0, r.stderr
    assert [x["id"] for x in r.json()] == [t["id"]]
    assert [x["id"] for x in cli("tickets", "list", "--unit", "SOPORTE", "--json").json()] == [t["id"]]
    message = "Unit 'sporte' does not exist (units: helpdesk, soporte, desarrollo, seguridad)."
    for args in (("tickets", "list"), ("tasks", "list"), ("activity",)):
        r = cli(*args, "--unit", "sporte", "--json")
        assert r.code == 5 and r.stdout == "", (args, r.code, r.stderr)
        assert talk(r) == [json.dumps(
            {"error": {"code": "not_found", "message": message}}, ensure_ascii=False)], args
    human = cli("tickets", "list", "--unit", "sporte")
    assert human.code == 5 and talk(human) == [f"Error: {message}"]


def talk(r):
    """stderr without the default-password warning the seed admins get on every command."""
    return [ln for ln in r.stderr.strip().splitlines() if not ln.startswith("Warning:")]
