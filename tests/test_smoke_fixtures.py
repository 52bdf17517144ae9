from iticket.core.models import Role


def test_fixture_actors(actors):
    assert actors["wspbot"].role == Role.BOT
    assert actors["sofia"].unit == "soporte"


def test_cli_runs(cli):
    cli.login("helpdesk")
    r = cli("whoami", "--json")
    assert r.code == 0 and r.json()["username"] == "helpdesk"
