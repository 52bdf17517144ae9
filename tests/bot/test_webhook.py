"""The webhook through the real aiohttp server on a loopback port, signed like Meta."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, func, select

from iticket.core.db import Database
from iticket.core.models import Actor, InboundEvent, OutboundMessage, Ticket
from iticket.core.services import auth
from tests.bot.conftest import PAYLOADS, VERIFY_TOKEN, Bot, FakeGraph, envelope, wait_until


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def _all_processed(db: Database) -> bool:
    return _count(db, InboundEvent, col(InboundEvent.processed_at).is_(None)) == 0


async def test_verification_echoes_challenge_as_plain_text(bot: Bot) -> None:
    q = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    resp = await bot.client.get("/webhook", params=q)
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    assert await resp.text() == "1158201444"


async def test_verification_refuses_wrong_token_or_mode(bot: Bot) -> None:
    bad_token = {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    bad_mode = {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
    for q in (bad_token, bad_mode, {}):
        resp = await bot.client.get("/webhook", params=q)
        assert resp.status == 403


async def test_missing_signature_401_bad_signature_403_nothing_stored(bot: Bot, db: Database) -> None:
    raw = json.dumps(envelope(messages=[bot.text("5491100000001", "hola")])).encode()
    resp = await bot.client.post("/webhook", data=raw)
    assert resp.status == 401
    status, _ = await bot.post_raw(raw, secret="another-secret")
    assert status == 403
    # A body re-serialised differently from the signed bytes must fail too.
    status, _ = await bot.post_raw(raw, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert status == 403
    assert _count(db, InboundEvent) == 0


async def test_bad_bodies_get_4xx_and_store_nothing(bot: Bot, db: Database) -> None:
    assert (await bot.post_raw(b"not json {"))[0] == 400
    assert (await bot.post({"object": "page", "entry": []}))[0] == 400
    assert (await bot.post_raw(b"[1, 2]"))[0] == 400
    huge = json.dumps({"object": "whatsapp_business_account", "pad": "x" * (3 * 1024 * 1024)})
    assert (await bot.post_raw(huge.encode()))[0] == 413
    assert _count(db, InboundEvent) == 0


async def test_every_sample_payload_is_accepted(bot: Bot, db: Database, graph: FakeGraph) -> None:
    files = sorted(PAYLOADS.glob("*.json"))
    assert len(files) >= 8
    for path in files:
        raw = path.read_bytes()  # the pretty-printed bytes, signed as they are
        status, text = await bot.post_raw(raw)
        assert status == 200, (path.name, text)
    # 6 messages and 2 statuses (for wamids we never sent: ignored).
    assert _count(db, InboundEvent) == 8
    assert _count(db, InboundEvent, InboundEvent.kind == "status") == 2
    await wait_until(lambda: _all_processed(db))
    with db.read() as s:
        errors = s.exec(select(InboundEvent.error).where(col(InboundEvent.error).is_not(None))).all()
    assert errors == []
    # Both senders got answers (a greeting, hints), nothing crashed.
    await wait_until(lambda: {b["to"] for b in graph.sent} == {"+5491100000001", "+5491100000002"})


async def test_unknown_phone_number_id_is_ignored_with_200(bot: Bot, db: Database) -> None:
    doc = envelope(messages=[bot.text("5491100000001", "hola")], phone_number_id="999")
    assert (await bot.post(doc))[0] == 200
    assert _count(db, InboundEvent) == 0


async def test_batch_mixing_messages_statuses_and_a_broken_item(
    bot: Bot, db: Database, graph: FakeGraph
) -> None:
    await bot.say("5491100000003", "hola")

    def sent_wamid() -> str | None:
        with db.read() as s:
            return s.exec(select(OutboundMessage.wamid)).first()

    wamid = await wait_until(sent_wamid)
    doc = envelope(messages=[bot.text("5491100000004", "hola"), {"type": "text"},
                             bot.text("5491100000005", "buenas")],
                   statuses=[{"id": wamid, "status": "delivered", "timestamp": "1788000100",
                              "recipient_id": "5491100000003"},
                             {"id": "wamid.unknown", "status": "read", "timestamp": "1"}])
    # Second entry with its own change: every level is walked.
    doc["entry"].append(envelope(messages=[bot.text("5491100000006", "hola")])["entry"][0])
    assert (await bot.post(doc))[0] == 200
    assert _count(db, InboundEvent) == 1 + 3 + 2
    await wait_until(lambda: _all_processed(db))
    with db.read() as s:
        state = s.exec(select(OutboundMessage.state).where(OutboundMessage.wamid == wamid)).one()
    assert state == "delivered"
    await wait_until(lambda: {"+5491100000004", "+5491100000005", "+5491100000006"}
                     <= {b["to"] for b in graph.sent})


async def _converse(bot: Bot, graph: FakeGraph, wa_id: str, lines: list[str]) -> None:
    for line in lines:
        before = len(graph.texts("+" + wa_id))
        await bot.say(wa_id, line)
        await wait_until(lambda b=before: len(graph.texts("+" + wa_id)) > b)


async def test_whole_conversation_from_hola_to_ticket(
    bot: Bot, db: Database, graph: FakeGraph, cli: Any, actors: dict[str, Actor]
) -> None:
    wa = "5491100000001"
    await _converse(bot, graph, wa, ["Hola", "Lucía Fernández", "uti adultos", "4321",
                                     "la impresora de la enfermería no imprime"])
    summary = graph.sent[-1]
    assert summary["type"] == "interactive"
    titles = [b["reply"]["title"] for b in summary["interactive"]["action"]["buttons"]]
    assert titles == ["Confirmar", "Corregir", "Cancelar"]
    # The requester taps "Confirmar".
    tap = bot.message(wa, {"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": "confirmar_ticket", "title": "Confirmar"}}})
    assert (await bot.post(envelope(messages=[tap])))[0] == 200
    await wait_until(lambda: _count(db, Ticket) == 1)
    await wait_until(lambda: any("ticket *#1*" in t for t in graph.texts("+" + wa)))
    _, staff_token = auth.create_token(db, "t", actor=actors["helpdesk"])
    shown = cli("tickets", "show", "1", "--json", token=staff_token)
    assert shown.code == 0, shown.stderr
    data = shown.json()
    assert data["requester"] == {"name": "Lucía Fernández", "sector": "UTI Adultos",
                                 "extension": "4321", "phone": wa}
    assert data["detail"] == "la impresora de la enfermería no imprime"
    assert data["status"] == "pending" and data["unit"] == "helpdesk"


async def test_same_delivery_twice_makes_one_ticket_and_one_reply(
    bot: Bot, db: Database, graph: FakeGraph
) -> None:
    wa = "5491100000007"
    await _converse(bot, graph, wa, ["hola", "Ana Ruiz", "farmacia", "2222",
                                     "no anda el lector de códigos"])
    doc = envelope(messages=[bot.text(wa, "confirmar", mid="wamid.DUP.1")])
    assert (await bot.post(doc))[0] == 200
    assert (await bot.post(doc))[0] == 200  # Meta redelivers the same event
    await wait_until(lambda: _all_processed(db))
    await wait_until(lambda: _count(db, OutboundMessage, OutboundMessage.state == "queued") == 0)
    assert _count(db, Ticket) == 1
    assert _count(db, InboundEvent, InboundEvent.event_key == "wamid.DUP.1") == 1
    created = [t for t in graph.texts("+" + wa) if "creé tu ticket" in t]
    assert len(created) == 1


async def test_restart_mid_conversation_resumes_at_the_same_step(
    start_bot: Any, db_url: str, graph: FakeGraph
) -> None:
    wa = "5491100000008"
    db1 = Database(db_url)
    bot1 = await start_bot(db1)
    await _converse(bot1, graph, wa, ["hola", "Pedro Gil", "guardia"])
    await bot1.client.close()
    db1.dispose()
    # Acknowledged but not processed: the next process must pick it up.
    db2 = Database(db_url)
    bot2 = await start_bot(db2, workers=False)
    await bot2.say(wa, "5555")
    await bot2.client.close()
    db2.dispose()
    db3 = Database(db_url)
    bot3 = await start_bot(db3)
    await wait_until(lambda: any("qué problema" in t for t in graph.texts("+" + wa)))
    await _converse(bot3, graph, wa, ["se cayó la red del office", "si"])
    await wait_until(lambda: _count(db3, Ticket) == 1)
    with db3.read() as s:
        ticket = s.exec(select(Ticket)).one()
    assert (ticket.requester_name, ticket.requester_sector, ticket.requester_extension) == (
        "Pedro Gil", "Guardia", "5555")
    db3.dispose()


async def test_out_of_order_messages_are_processed_in_timestamp_order(
    start_bot: Any, db: Database, graph: FakeGraph
) -> None:
    wa = "5491100000009"
    stopped = await start_bot(db, workers=False)
    first = stopped.text(wa, "hola")
    second = stopped.text(wa, "Marta Díaz")
    await stopped.post(envelope(messages=[second]))  # arrives first
    await stopped.post(envelope(messages=[first]))
    await stopped.client.close()
    await start_bot(db)
    await wait_until(lambda: _all_processed(db))
    await wait_until(lambda: len(graph.texts("+" + wa)) == 2)
    assert "sector" in graph.texts("+" + wa)[-1]  # the name was taken as the name
