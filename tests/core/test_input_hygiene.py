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
