"""Faults a newcomer found, kept as tests: control characters, extension rule, LIKE
wildcards, the bot account, API retries and token visibility."""

from __future__ import annotations

import pytest

from iticket.core.errors import Conflict, ValidationError
from iticket.core.services import auth, tickets, users
from tests.core.helpers import new_ticket


def test_control_characters_never_stored(db, actors):
    t = new_ticket(db, actors, detail="No anda \x1b[31mrojo\x1b[0m\r\nsegunda línea\x00")
    assert t.detail == "No anda [31mrojo[0m\nsegunda línea"
    note = tickets.add_note(db, t.id, "nota \x1b]0;titulo\x07 privada", actor=actors["ana"])
    assert "\x1b" not in note.text and "\x07" not in note.text


@pytest.mark.parametrize("extension", ["abc", "-1", "1", "1234567", "12 34", "True"])
def test_extension_is_2_to_6_digits_everywhere(db, actors, extension):
    with pytest.raises(ValidationError):
        tickets.create_ticket(db, actor=actors["wspbot"], name="Ana", sector="Guardia",
                              extension=extension, phone=None, detail="No anda")


def test_search_treats_wildcards_literally(db, actors):
    plain = new_ticket(db, actors, detail="Sin red")
    pct = new_ticket(db, actors, detail="Disco al 100% lleno")
    f = tickets.TicketFilter
    hd = actors["helpdesk"]
    assert [t.id for t in tickets.list_tickets(db, actor=hd, filter=f(search="%")).tickets] == [pct.id]
    assert tickets.list_tickets(db, actor=hd, filter=f(search="_")).tickets == []
    assert [t.id for t in tickets.list_tickets(db, actor=hd, filter=f(search="sin red")).tickets] == [plain.id]


def test_the_bot_account_cannot_be_deactivated_and_users_can_be_reactivated(db, actors):
    with pytest.raises(Conflict, match="bot"):
        users.deactivate_user(db, "wspbot", actor=actors["helpdesk"])
    users.deactivate_user(db, "ana", actor=actors["helpdesk"])
    assert users.activate_user(db, "ana", actor=actors["helpdesk"]).active
    with pytest.raises(Conflict):
        users.activate_user(db, "ana", actor=actors["helpdesk"])
    assert auth.authenticate(db, "ana", "ana-secreta-1").username == "ana"


def test_idempotency_key_files_one_ticket_per_key(db, actors):
    def file(key):
        return tickets.create_ticket(db, actor=actors["wspbot"], name="Ana", sector="Guardia",
                                     extension="1234", phone="5491100000009", detail="No anda",
                                     idempotency_key=key)

    first, again, other = file("k1"), file("k1"), file("k2")
    assert first.id == again.id != other.id
    assert len(tickets.list_tickets(db, actor=actors["helpdesk"]).tickets) == 2


def test_admin_sees_the_bot_tokens_they_can_revoke(db, actors):
    token, _secret = auth.create_token(db, "whatsapp", actor=actors["helpdesk"], for_user="wspbot")
    listed = auth.list_tokens(db, actor=actors["helpdesk"])
    assert [(t.id, t.owner) for t in listed] == [(token.id, "wspbot")]
    assert auth.list_tokens(db, actor=actors["soporte"]) == []


def _filed(db, actors, name, sector, detail):
    return tickets.create_ticket(db, actor=actors["wspbot"], name=name, sector=sector, extension="1234",
                                 phone=None, detail=detail)


@pytest.mark.parametrize("typed", ["lopez", "LÓPEZ", "López", "  lopez ", "maria lopez", "MARÍA  LÓPEZ"])
def test_search_ignores_case_accents_and_spacing(db, actors, typed):
    """'lópez' found four tickets, 'lopez' and 'LÓPEZ' none (SQLite's lower() is ASCII-only)."""
    t = _filed(db, actors, "María López", "Radiología", "La IMPRESORA no anda")
    _filed(db, actors, "Pedro Gómez", "Guardia", "Sin red")
    hd, f = actors["helpdesk"], tickets.TicketFilter
    assert [x.id for x in tickets.list_tickets(db, actor=hd, filter=f(search=typed)).tickets] == [t.id]
    for other in ("radiologia", "RADIOLOGÍA", "impresora no", "Impresora"):
        assert [x.id for x in tickets.list_tickets(db, actor=hd, filter=f(search=other)).tickets] == [t.id]
    # the three fields are matched apart: a search never spans the name and the sector
    assert tickets.list_tickets(db, actor=hd, filter=f(search="lopez radiologia")).tickets == []


def test_upgrading_from_0002_fills_the_search_text_of_existing_tickets(db, actors):
    from alembic import command
    from sqlalchemy import inspect as sa_inspect

    from iticket.core.db import alembic_config, upgrade

    t = _filed(db, actors, "Ñandú Pérez", "Guardia", "Teléfono mudo")
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
        columns = sa_inspect(conn).get_columns("ticket")
        assert "search_text" not in [c["name"] for c in columns]
    upgrade(db)
    hd, f = actors["helpdesk"], tickets.TicketFilter
    assert [x.id for x in tickets.list_tickets(db, actor=hd, filter=f(search="nandu perez")).tickets] == [t.id]
    assert [x.id for x in tickets.list_tickets(db, actor=hd, filter=f(search="telefono")).tickets] == [t.id]
