"""The intake API and /healthz on the real server, attachments downloaded from the fake Graph
API, and ``iticket bot serve|chat`` as the real executable."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlmodel import select

from iticket.core.db import Database
from iticket.core.models import Actor, Attachment, Ticket
from iticket.core.services import auth
from tests.bot.conftest import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    Bot,
    FakeGraph,
    envelope,
    make_settings,
    wait_until,
)
from tests.bot.test_webhook import _count

BODY = {"requester": {"name": "Carla Ríos", "sector": "Laboratorio", "extension": "3030",
                      "phone": "5491100000030"}, "detail": "el analizador no envía resultados"}


def _token(db: Database, actors: dict[str, Actor], owner: str) -> str:
    if owner == "wspbot":
        return auth.create_token(db, "gateway", actor=actors["helpdesk"], for_user="wspbot")[1]
    return auth.create_token(db, "mine", actor=actors[owner])[1]


async def test_intake_api_creates_a_ticket_with_the_cli_json(
    bot: Bot, db: Database, actors: dict[str, Actor], cli: Any
) -> None:
    token = _token(db, actors, "wspbot")
    resp = await bot.client.post("/api/v1/tickets", json=BODY,
                                 headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 201
    data = await resp.json()
    assert data["requester"] == BODY["requester"] and data["status"] == "pending"
    staff = _token(db, actors, "helpdesk")
    shown = cli("tickets", "show", str(data["id"]), "--json", token=staff)
    assert shown.code == 0, shown.stderr
    expected = {k: v for k, v in shown.json().items() if k not in ("notes", "activity")}
    assert data == expected


async def test_intake_api_errors(bot: Bot, db: Database, actors: dict[str, Actor]) -> None:
    bot_token = _token(db, actors, "wspbot")
    cases: list[tuple[dict[str, str], Any, int, str]] = [
        ({}, BODY, 401, "not_authenticated"),
        ({"Authorization": "Bearer itk_not-a-token"}, BODY, 401, "not_authenticated"),
        ({"Authorization": f"Bearer {_token(db, actors, 'ana')}"}, BODY, 403, "permission_denied"),
        ({"Authorization": f"Bearer {bot_token}"}, {"detail": "x"}, 422, "invalid"),
        ({"Authorization": f"Bearer {bot_token}"},
         {**BODY, "requester": {**BODY["requester"], "name": "  "}}, 422, "invalid"),
        ({"Authorization": f"Bearer {bot_token}"},
         {**BODY, "requester": {**BODY["requester"], "phone": "+54 11 abc"}}, 422, "invalid"),
    ]
    for headers, body, status, code in cases:
        resp = await bot.client.post("/api/v1/tickets", json=body, headers=headers)
        assert resp.status == status, (body, await resp.text())
        assert (await resp.json())["error"]["code"] == code
    resp = await bot.client.post("/api/v1/tickets", data=b"{nope",
                                 headers={"Authorization": f"Bearer {bot_token}"})
    assert resp.status == 400

    assert _count(db, Ticket) == 0


async def test_healthz_reports_backlog_and_last_error(
    bot: Bot, db: Database, actors: dict[str, Actor], graph: FakeGraph
) -> None:
    resp = await bot.client.get("/healthz")
    data = await resp.json()
    assert resp.status == 200 and data["database"] == "ok" and data["outbound_backlog"] == 0
    graph.fail(131008)
    token = _token(db, actors, "wspbot")
    await bot.client.post("/api/v1/tickets", json=BODY, headers={"Authorization": f"Bearer {token}"})
    await wait_until(lambda: graph.sent)

    async def last_error() -> Any:
        return (await (await bot.client.get("/healthz")).json())["last_delivery_error"]

    for _ in range(500):
        if await last_error():
            break
        await asyncio.sleep(0.01)
    assert "131008" in (await last_error())


async def test_healthz_is_503_without_whatsapp_settings(
    start_bot: Any, db: Database, graph: FakeGraph, tmp_path: Path
) -> None:
    bot = await start_bot(db, settings=make_settings(graph.url, tmp_path, access_token=""))
    resp = await bot.client.get("/healthz")
    assert resp.status == 503
    assert "ITICKET_WA_ACCESS_TOKEN" in (await resp.json())["whatsapp_settings"]


async def test_image_while_describing_is_attached_and_downloaded(
    bot: Bot, db: Database, graph: FakeGraph, tmp_path: Path
) -> None:
    wa = "5491100000031"
    graph.media["900000000000004"] = b"\xff\xd8fake-jpeg-bytes"
    for line in ["hola", "Martín Gómez", "guardia", "4545"]:
        await bot.say(wa, line)
    image = bot.message(wa, {"type": "image", "image": {
        "caption": "Así quedó la pantalla del monitor en guardia", "mime_type": "image/jpeg",
        "sha256": "abc", "id": "900000000000004"}})
    await bot.post(envelope(messages=[image]))
    await bot.say(wa, "confirmar")

    def downloaded() -> Attachment | None:
        with db.read() as s:
            return s.exec(select(Attachment).where(Attachment.state == "downloaded")).first()

    att = await wait_until(downloaded)
    assert att.media_type == "image" and att.mime_type == "image/jpeg" and att.caption
    assert att.path is not None and Path(att.path).read_bytes() == b"\xff\xd8fake-jpeg-bytes"
    assert Path(att.path).is_relative_to(tmp_path / "attachments")


def test_serve_refuses_to_start_without_secrets(cli: Any) -> None:
    result = cli("bot", "serve", env={"ITICKET_WA_APP_SECRET": "x"})
    assert result.code == 2
    assert "ITICKET_WA_VERIFY_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_runs_and_answers_healthz(cli: Any, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**cli.env, "ITICKET_WA_VERIFY_TOKEN": VERIFY_TOKEN, "ITICKET_WA_APP_SECRET": APP_SECRET,
           "ITICKET_WA_ACCESS_TOKEN": ACCESS_TOKEN, "ITICKET_WA_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
           "ITICKET_WA_GRAPH_URL": "http://127.0.0.1:9"}
    proc = subprocess.Popen([cli.executable, "bot", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        url = (f"http://127.0.0.1:{port}/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
               "&hub.challenge=42")
        with urllib.request.urlopen(url, timeout=5) as r:
            assert r.read() == b"42"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_chat_simulates_a_conversation_in_the_console(cli: Any) -> None:
    lines = "\n".join(["hola", "Juan Pérez", "farmacía", "12a", "123",
                       "no funciona el sistema de turnos", "si", ""])
    result = cli("bot", "chat", "--phone", "5491100000040", input=lines)
    assert result.code == 0, result.stderr
    assert "nombre y apellido" in result.stdout
    assert "solo números" in result.stdout
    assert "🏥 Farmacia" in result.stdout
    assert "creé tu ticket *#1*" in result.stdout
