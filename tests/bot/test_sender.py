"""The outbox sender against a fake Graph API on 127.0.0.1: retries by error class, the
template outside the 24-hour window and after 131047, the Argentine 549 form, delivery
statuses, the notices' Spanish texts, and private notes never leaving the building."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from iticket.core.db import Database
from iticket.core.models import Activity, ActivityKind, Actor, OutboundMessage, Requester
from iticket.core.services import tickets
from iticket.core.timeutil import utcnow
from tests.bot.conftest import Bot, FakeGraph, envelope, make_settings, wait_until

WA = "5491100000010"


def _file_ticket(db: Database, actors: dict[str, Actor], wa: str = WA, *,
                 hours_since_last_message: float = 1) -> int:
    with db.write() as s:
        s.merge(Requester(wa_id=wa, last_inbound_at=utcnow() - timedelta(hours=hours_since_last_message)))
    t = tickets.create_ticket(db, actor=actors["wspbot"], name="Lucía Fernández", sector="Guardia",
                              extension="4321", phone=wa, detail="no anda la impresora")
    return t.id


def _rows(db: Database) -> list[OutboundMessage]:
    with db.read() as s:
        return list(s.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all())  # type: ignore[arg-type]


def _settled(db: Database) -> bool:
    return all(r.state not in ("queued",) for r in _rows(db))


def _failures(db: Database, ticket_id: int) -> list[Activity]:
    with db.read() as s:
        return list(s.exec(select(Activity).where(
            Activity.ticket_id == ticket_id, Activity.kind == ActivityKind.NOTIFICATION_FAILED)).all())


async def test_created_notice_is_free_text_inside_the_window(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    tid = _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    [body] = graph.sent
    assert body["to"] == "+" + WA and body["messaging_product"] == "whatsapp"
    assert body["type"] == "text"
    assert f"creé tu ticket *#{tid}*" in body["text"]["body"]
    assert graph.auth_seen == {"Bearer test-access-token"}
    [row] = _rows(db)
    assert row.state == "sent" and row.wamid and row.attempts == 1 and not row.used_template


async def test_throttling_is_retried_with_backoff_then_delivered(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    for code in (130429, 131000):
        graph.fail(code)
    _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    [row] = _rows(db)
    assert row.state == "sent" and row.attempts == 3
    assert row.last_error_code == 131000  # the last failure is kept for the record
    assert len(graph.sent) == 3 and len({str(b) for b in graph.sent}) == 1  # same message


async def test_network_failures_are_retried(
    db: Database, actors: dict[str, Actor], start_bot: Any, tmp_path: Any, graph: FakeGraph
) -> None:
    # Nothing listens on the first Graph URL: connection refused is retried, then given up.
    settings = make_settings("http://127.0.0.1:9", tmp_path, max_attempts=2)
    await start_bot(db, settings=settings)
    tid = _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    [row] = _rows(db)
    assert row.state == "dead" and row.attempts == 2 and row.last_error_code is None
    assert len(_failures(db, tid)) == 1


async def test_our_bug_or_undeliverable_is_not_retried_and_shows_on_the_ticket(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    graph.fail(131008)
    tid = _file_ticket(db, actors, wa="34600000001")
    await wait_until(lambda: _settled(db))
    [row] = _rows(db)
    assert row.state == "dead" and row.attempts == 1 and row.last_error_code == 131008
    [activity] = _failures(db, tid)
    assert activity.before == "ticket_created" and activity.after == "131008"
    assert len(graph.sent) == 1


async def test_retries_stop_after_max_attempts(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, start_bot: Any, tmp_path: Any
) -> None:
    await start_bot(db, settings=make_settings(graph.url, tmp_path, max_attempts=3))
    graph.fail(130429, times=10)
    tid = _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    assert _rows(db)[0].state == "dead" and len(graph.sent) == 3
    assert len(_failures(db, tid)) == 1


async def test_argentine_549_form_falls_back_to_54_and_is_remembered(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    wa = "5491122334455"
    graph.fail(131030, to="+" + wa)
    tid = _file_ticket(db, actors, wa=wa)
    await wait_until(lambda: _settled(db))
    assert [b["to"] for b in graph.sent] == ["+5491122334455", "+541122334455"]
    with db.read() as s:
        req = s.get(Requester, wa)
        assert req is not None and req.send_to == "541122334455"
    # The identity stays as received; the next notice goes straight to the form that worked.
    tickets.take(db, tid, actor=actors["ana"])
    tickets.resolve(db, tid, actor=actors["ana"], message="Cambiamos el tóner.")
    await wait_until(lambda: len(graph.sent) == 3 and _settled(db))
    assert graph.sent[-1]["to"] == "+541122334455"
    assert tickets.get_ticket(db, tid, actor=actors["ana"]).requester.phone == wa


async def test_outside_the_24h_window_the_template_is_sent(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    tid = _file_ticket(db, actors, hours_since_last_message=30)
    await wait_until(lambda: _settled(db))
    [body] = graph.sent
    assert body["type"] == "template"
    tpl = body["template"]
    assert tpl["name"] == "iticket_aviso" and tpl["language"] == {"code": "es_AR"}
    params = [p["text"] for p in tpl["components"][0]["parameters"]]
    assert params[0] == str(tid) and f"#{tid}" in params[1] and "\n" not in params[1]
    assert _rows(db)[0].used_template


async def test_131047_falls_back_to_the_template_once(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    graph.fail(131047)
    _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    assert [b["type"] for b in graph.sent] == ["text", "template"]
    assert _rows(db)[0].state == "sent"


async def test_template_failing_with_131047_again_gives_up(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    graph.fail(131047, times=2)
    tid = _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    assert [b["type"] for b in graph.sent] == ["text", "template"]
    assert _rows(db)[0].state == "dead" and len(_failures(db, tid)) == 1


async def test_failed_status_from_the_webhook_triggers_the_template(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    wamid = _rows(db)[0].wamid
    status = {"id": wamid, "status": "failed", "timestamp": "1788200000", "recipient_id": WA,
              "errors": [{"code": 131047, "title": "Re-engagement message",
                          "error_data": {"details": "more than 24 hours"}}]}
    assert (await bot.post(envelope(statuses=[status])))[0] == 200
    await wait_until(lambda: len(graph.sent) == 2 and _settled(db))
    assert graph.sent[1]["type"] == "template"
    row = _rows(db)[0]
    assert row.state == "sent" and row.wamid != wamid and row.used_template


async def test_delivery_statuses_move_forward_only(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    _file_ticket(db, actors)
    await wait_until(lambda: _settled(db))
    wamid = _rows(db)[0].wamid

    def st(state: str) -> dict[str, Any]:
        return {"id": wamid, "status": state, "timestamp": "1788000100", "recipient_id": WA}

    await bot.post(envelope(statuses=[st("read")]))
    await bot.post(envelope(statuses=[st("delivered")]))  # late, out of order
    await wait_until(lambda: _rows(db)[0].state == "read")
    assert _rows(db)[0].state == "read"


async def test_resolve_and_reject_notices_and_their_text(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    tid = _file_ticket(db, actors)
    tickets.take(db, tid, actor=actors["ana"])
    tickets.resolve(db, tid, actor=actors["ana"], message="Reiniciamos el servidor de impresión.")
    other = _file_ticket(db, actors)
    tickets.reject(db, other, actor=actors["ana"], reason="Es un pedido para Mantenimiento.")
    await wait_until(lambda: len(graph.sent) == 4 and _settled(db))
    texts = [b["text"]["body"] for b in graph.sent]
    assert f"Tu ticket *#{tid}* fue resuelto.\nMensaje de Sistemas: Reiniciamos el servidor de impresión." in "\n".join(texts)
    assert f"Tu ticket *#{other}* fue rechazado.\nMotivo: Es un pedido para Mantenimiento." in "\n".join(texts)


async def test_private_notes_never_reach_any_outbound_payload(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, bot: Bot
) -> None:
    marker = "NOTA-PRIVADA-7f3a"
    ids = [_file_ticket(db, actors) for _ in range(3)]
    agent = actors["ana"]
    for n, tid in enumerate(ids):
        tickets.add_note(db, tid, f"{marker} antes {n}", actor=agent)
        tickets.take(db, tid, actor=agent)
        tickets.add_note(db, tid, f"{marker} durante {n}", actor=agent)
    tickets.resolve(db, ids[0], actor=agent, message="Listo.")
    tickets.reject(db, ids[1], actor=agent, reason="Duplicado.")
    tickets.reopen(db, ids[0], actor=agent)
    tickets.add_note(db, ids[0], f"{marker} reabierto", actor=agent)
    tickets.route(db, ids[2], to_unit="soporte", actor=actors["helpdesk"])
    tickets.add_note(db, ids[2], f"{marker} en soporte", actor=actors["sofia"])
    tickets.resolve(db, ids[2], actor=actors["sofia"], message="Cambiamos el cable.")
    await wait_until(lambda: _settled(db) and len(graph.sent) == len(_rows(db)))
    assert len(graph.sent) == 6  # 3 created + resolved + rejected + resolved
    assert all(marker not in r.body for r in _rows(db))
    assert all(marker not in text for text in graph.texts())
