"""Several processes on one SQLite file: one winner for a race, and no lock errors while one
process files tickets and another assigns them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.cli.helpers import bot_token, create_ticket


def _token(cli, username: str, password: str) -> str:
    cli.login(username, password)
    token = cli("token", "create", "race", "--json").json()["token"]
    cli("logout")
    return str(token)


def _race(cli, *commands: tuple[list[str], str]) -> list[int]:
    procs = [
        subprocess.Popen([cli.executable, *args], env={**cli.env, "ITICKET_TOKEN": token},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args, token in commands
    ]
    results = []
    for p in procs:
        _out, err = p.communicate(timeout=60)
        assert "Traceback" not in err and "locked" not in err, err
        results.append(p.returncode)
    return results


def test_two_processes_take_the_same_ticket_one_wins(cli):
    bot = bot_token(cli)
    ana = _token(cli, "ana", "ana-secreta-1")
    boss = _token(cli, "helpdesk", "helpdesk")
    n = str(create_ticket(cli, bot)["id"])
    codes = _race(cli, (["take", n, "--json"], ana), (["take", n, "--json"], boss))
    assert sorted(codes) == [0, 6]
    n = str(create_ticket(cli, bot)["id"])
    codes = _race(cli, (["assign", n, "--user", "ana", "--if-version", "1"], boss),
                  (["assign", n, "--user", "helpdesk", "--if-version", "1"], ana))
    assert sorted(codes) == [0, 6]


CREATOR = """
from iticket.core.db import Database
from iticket.core.services import auth, tickets
db = Database({url!r})
bot = auth.actor_for_token(db, {token!r})
for i in range({count}):
    tickets.create_ticket(db, actor=bot, name=f"Persona {{i}}", sector="Guardia", extension="100",
                          phone="5491100000001", detail=f"Problema {{i}}")
"""

ASSIGNER = """
import time
from iticket.core.db import Database
from iticket.core.services import auth, tickets
db = Database({url!r})
me = auth.authenticate(db, "ana", "ana-secreta-1")
done = 0
deadline = time.monotonic() + 90
while done < {count} and time.monotonic() < deadline:
    page = tickets.list_tickets(db, actor=me, filter=tickets.TicketFilter(assignee="none"), limit=20)
    for t in page.tickets:
        tickets.take(db, t.id, actor=me)
        done += 1
print(done)
"""


def test_creating_and_assigning_concurrently_has_no_lock_errors(cli, db_url):
    token = bot_token(cli)
    count = 60
    run = lambda code: subprocess.Popen(  # noqa: E731
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    creator = run(CREATOR.format(url=db_url, token=token, count=count))
    assigner = run(ASSIGNER.format(url=db_url, count=count))
    c_out, c_err = creator.communicate(timeout=120)
    a_out, a_err = assigner.communicate(timeout=120)
    assert creator.returncode == 0, c_err
    assert assigner.returncode == 0, a_err
    assert int(a_out.strip()) == count
    left = cli("tickets", "list", "--assignee", "none", "--json", token=_token(cli, "ana", "ana-secreta-1"))
    assert left.json() == []
