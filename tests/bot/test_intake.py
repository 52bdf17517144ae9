"""``handle_text`` (the engine ``iticket bot chat`` and ``iticket demo`` use) against a real
database, and the pure delivery decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from iticket.bot import delivery
from iticket.bot.delivery import Next
from iticket.bot.inbound import extract_events, parse_message
from iticket.bot.intake import SIMULATED, expire_idle, handle_text
from iticket.core.db import Database
from iticket.core.models import Actor, Conversation, OutboundMessage, Requester, Ticket
from iticket.core.services import tickets
from iticket.core.timeutil import utcnow
from tests.bot.conftest import PAYLOADS, PHONE_NUMBER_ID

WA = "5491100000020"


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_handle_text_files_a_ticket_and_says_its_number(db: Database, actors: dict[str, Actor]) -> None:
    for line in ["hola", "Lucía Fernández", "guardia", "4321"]:
        assert handle_text(db, WA, line)
    replies = handle_text(db, WA, "la impresora no imprime")
    assert "Revisá tu pedido" in replies[0] and "[1] Confirmar" in replies[0]
    [created] = handle_text(db, WA, "si")
    assert "creé tu ticket *#1*" in created
    t = tickets.get_ticket(db, 1, actor=actors["helpdesk"])
    assert (t.requester.name, t.requester.sector, t.requester.extension, t.requester.phone) == (
        "Lucía Fernández", "Guardia", "4321", WA)
    # Simulated: nothing is left for the sender to deliver.
    with db.read() as s:
        states = set(s.exec(select(OutboundMessage.state)).all())
    assert states == {SIMULATED}
    with db.read() as s:
        req = s.get(Requester, WA)
        assert req is not None and req.extension == "4321"


def test_state_survives_a_new_database_object(db_url: str) -> None:
    first = Database(db_url)
    handle_text(first, WA, "hola")
    handle_text(first, WA, "Pedro Gil")
    first.dispose()
    second = Database(db_url)
    [reply] = handle_text(second, WA, "farmacia")
    assert "interno" in reply
    second.dispose()


def test_estado_lists_open_tickets_with_their_status(db: Database, actors: dict[str, Actor]) -> None:
    [none] = handle_text(db, WA, "estado")
    assert "No tenés tickets abiertos" in none
    for detail in ("no anda el mouse de admisión", "no hay red en el office"):
        tickets.create_ticket(db, actor=actors["wspbot"], name="Ana", sector="Admisión",
                              extension="22", phone=WA, detail=detail)
    tickets.take(db, 2, actor=actors["ana"])
    [listing] = handle_text(db, WA, "estado")
    assert "#2 (en proceso): no hay red en el office" in listing
    assert "#1 (pendiente): no anda el mouse de admisión" in listing


def test_deliver_true_queues_replies_for_the_sender(db: Database) -> None:
    handle_text(db, WA, "hola", deliver=True)
    with db.read() as s:
        rows = s.exec(select(OutboundMessage)).all()
    assert [(r.purpose, r.state) for r in rows] == [("reply", "queued")]


def test_expire_idle_ends_stale_conversations_with_a_message(db: Database) -> None:
    handle_text(db, WA, "hola", now=utcnow() - timedelta(hours=3))
    handle_text(db, "5491100000021", "hola")
    assert expire_idle(db, timeout=timedelta(hours=2)) == 1
    assert _count(db, Conversation) == 1
    with db.read() as s:
        row = s.exec(select(OutboundMessage).where(OutboundMessage.state == "queued")).one()
    assert row.to_wa_id == WA and "pasó mucho tiempo" in row.body


def test_unknown_bot_user_is_a_clear_error_and_nothing_is_half_written(db: Database) -> None:
    from iticket.bot.intake import IntakeConfig
    from iticket.core.errors import NotFound

    for line in ["hola", "Ana Paz", "guardia", "22", "no anda la impresora"]:
        handle_text(db, WA, line)
    with pytest.raises(NotFound):
        handle_text(db, WA, "si", config=IntakeConfig(bot_username="nadie"))
    assert _count(db, Ticket) == 0
    with db.read() as s:
        conv = s.get(Conversation, WA)
        assert conv is not None and conv.step == "confirm"  # still waiting for the confirmation


def test_sample_payloads_parse_into_typed_messages() -> None:
    import json

    kinds = {}
    for path in sorted(PAYLOADS.glob("*.json")):
        for row in extract_events(json.loads(path.read_text()), phone_number_id=PHONE_NUMBER_ID).rows:
            if row.kind == "message":
                payload = json.loads(row.payload)
                kinds[path.name] = parse_message(payload["message"], payload["profile_name"])
    assert kinds["01_text.json"].kind == "text" and kinds["01_text.json"].profile_name == "Lucía Fernández"
    assert kinds["02_button_reply.json"].choice_id == "confirmar_ticket"
    assert kinds["03_list_reply.json"].choice_id == "sector:uti_adultos"
    image = kinds["04_image_with_caption.json"]
    assert image.kind == "media" and image.media is not None and image.media.media_id == "900000000000004"
    assert kinds["08_unsupported.json"].kind == "other" and kinds["09_location.json"].kind == "other"


@pytest.mark.parametrize("code,expected", [
    (130429, Next.RETRY), (131056, Next.RETRY), (131000, Next.RETRY), (131016, Next.RETRY),
    (1, Next.RETRY), (2, Next.RETRY), (4, Next.RETRY), (80007, Next.RETRY), (133004, Next.RETRY),
    (None, Next.RETRY), (190, Next.RETRY), (131047, Next.TEMPLATE), (131026, Next.GIVE_UP),
    (131030, Next.GIVE_UP), (131008, Next.GIVE_UP), (131009, Next.GIVE_UP), (100, Next.GIVE_UP),
    (132001, Next.GIVE_UP),
])
def test_decisions_by_error_code(code: int | None, expected: Next) -> None:
    d = delivery.decide(code, attempts=1, max_attempts=5, is_notice=True, used_template=False,
                        wa_id="34600000001", tried_other_form=False)
    assert d.next == expected


def test_phone_forms_and_backoff() -> None:
    assert delivery.alternate_form("5491122334455") == "541122334455"
    assert delivery.alternate_form("5215512345678") == "525512345678"
    assert delivery.alternate_form("541122334455") is None
    d = delivery.decide(131030, attempts=1, max_attempts=5, is_notice=True, used_template=False,
                        wa_id="5491122334455", tried_other_form=False)
    assert d.next == Next.OTHER_FORM
    assert delivery.decide(131047, attempts=1, max_attempts=5, is_notice=False, used_template=False,
                           wa_id=WA, tried_other_form=False).next == Next.GIVE_UP  # replies: no template
    delays = [delivery.backoff(n, 130429) for n in range(1, 12)]
    assert all(0 < x <= delivery.MAX_DELAY for x in delays) and delays[-1] > delays[0]
    assert delivery.backoff(1, 131056) >= 6.0
