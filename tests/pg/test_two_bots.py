"""Two real ``iticket bot serve`` processes on one PostgreSQL database, as behind a load
balancer that retries: every webhook delivery reaches both processes, in random order, and some
arrive again later. Whatever the interleaving, each requester gets exactly one ticket with the
fields they typed, and the fake Graph API (the only fake, on 127.0.0.1) receives each of their
replies exactly once and in the conversation's order; no outbox row is sent twice.

The expected replies come from the same conversation typed into a separate SQLite database
(``intake.handle_text``, nothing delivered), so the test compares against the bot's own
behaviour, not against copied strings. Runs in both CI passes (SQLite and PostgreSQL), always
against the PostgreSQL server in ``ITICKET_TEST_PG_URL``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func
from sqlmodel import col, select

from iticket.bot.intake import handle_text
from iticket.bot.outgoing import plain_text
from iticket.core.db import Database
from iticket.core.models import InboundEvent, OutboundMessage, Ticket
from tests.bot.conftest import APP_SECRET, PHONE_NUMBER_ID, FakeGraph
from tests.conftest import program_env

REQUESTERS = 20
SECTORS = ["guardia", "farmacia", "uti adultos", "laboratorio"]
DEADLINE = 90.0  # seconds for everything to be processed and delivered (normally a few)


@dataclass(frozen=True)
class Requester:
    wa_id: str
    name: str
    sector: str
    extension: str
    detail: str

    def script(self) -> list[str]:
        return ["hola", self.name, self.sector, self.extension, self.detail, "si"]


def _requesters() -> list[Requester]:
    return [Requester(wa_id=f"54911{7000000 + n:08d}", name=f"Paciente{n} Prueba",
                      sector=SECTORS[n % len(SECTORS)], extension=str(4100 + n),
                      detail=f"la impresora {n} del office no imprime") for n in range(REQUESTERS)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _signed(doc: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(doc, separators=(",", ":")).encode()
    sig = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={sig}"}


def _delivery(batch: list[tuple[Requester, int]]) -> tuple[bytes, dict[str, str]]:
    """One webhook POST carrying step ``step`` of each requester in ``batch``."""
    messages = [{"from": r.wa_id, "id": f"wamid.TWO.{r.wa_id}.{step}",
                 "timestamp": str(1_788_000_000 + 10 * step), "type": "text",
                 "text": {"body": r.script()[step]}} for r, step in batch]
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "5491150000000", "phone_number_id": PHONE_NUMBER_ID},
             "contacts": [{"profile": {"name": r.name}, "wa_id": r.wa_id} for r, _s in batch],
             "messages": messages}
    return _signed({"object": "whatsapp_business_account",
                    "entry": [{"id": "200000000000002", "changes": [{"value": value, "field": "messages"}]}]})


def _expected(ref: Database, people: list[Requester]) -> dict[str, tuple[list[str], Ticket]]:
    """What the bot answers each requester (and files), typed into a reference database."""
    out: dict[str, tuple[list[str], Ticket]] = {}
    for r in people:
        texts = [t for line in r.script() for t in handle_text(ref, r.wa_id, line)]
        with ref.read() as s:
            ticket = s.exec(select(Ticket).where(Ticket.requester_phone == r.wa_id)).one()
        out[r.wa_id] = (texts, ticket)
    return out


class BotProcess:
    """The real executable, on its own loopback port."""

    def __init__(self, db_url: str, graph_url: str, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = program_env()
        env.update(
            ITICKET_DATABASE_URL=db_url, ITICKET_DATA_DIR=str(workdir),
            ITICKET_CONFIG_DIR=str(workdir), ITICKET_LANG="en",
            ITICKET_WA_VERIFY_TOKEN="v", ITICKET_WA_APP_SECRET=APP_SECRET,
            ITICKET_WA_ACCESS_TOKEN="a", ITICKET_WA_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
            ITICKET_WA_GRAPH_URL=graph_url, ITICKET_WA_POLL_SECONDS="0.05",
            ITICKET_WA_RETRY_BASE_SECONDS="0.05",
        )
        exe = Path(sys.executable).with_name("iticket")
        self.log = workdir / "bot.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([str(exe), "bot", "serve", "--port", str(self.port)],
                                         env=env, stdout=log, stderr=subprocess.STDOUT)

    async def ready(self, http: aiohttp.ClientSession, timeout: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"bot exited early: {self.log.read_text()[-2000:]}")
            try:
                async with http.get(self.base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        pytest.fail(f"bot not ready within {timeout}s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def reference(db_path: Path) -> Iterator[Database]:
    ref = Database(f"sqlite:///{db_path}")
    yield ref
    ref.dispose()


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def _settled(db: Database, graph: FakeGraph, expected_sends: int) -> bool:
    return (_count(db, InboundEvent, col(InboundEvent.processed_at).is_(None)) == 0
            and _count(db, OutboundMessage, OutboundMessage.state == "queued") == 0
            and len(graph.sent) >= expected_sends)


async def test_two_bot_processes_answer_each_requester_once_and_in_order(
    pg_db: Database, pg_url: str, reference: Database, tmp_path: Path
) -> None:
    people = _requesters()
    expected = _expected(reference, people)
    total_sends = sum(len(texts) for texts, _t in expected.values())
    rng = random.Random(6)

    graph = FakeGraph()
    graph_server = TestServer(graph.app(), host="127.0.0.1")
    await graph_server.start_server()
    graph.url = str(graph_server.make_url("")).rstrip("/")
    bots = [BotProcess(pg_url, graph.url, tmp_path / name) for name in ("a", "b")]
    try:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(b.ready(http) for b in bots))

            async def post(bot: BotProcess, body: tuple[bytes, dict[str, str]]) -> None:
                raw, headers = body
                async with http.post(bot.base + "/webhook", data=raw, headers=headers) as resp:
                    assert resp.status == 200, await resp.text()

            async def both(body: tuple[bytes, dict[str, str]]) -> None:
                order = rng.sample(bots, 2)  # both processes, random order, overlapping
                first = asyncio.create_task(post(order[0], body))
                await asyncio.sleep(rng.random() * 0.005)
                await asyncio.gather(first, post(order[1], body))

            earlier: list[tuple[bytes, dict[str, str]]] = []
            for step in range(len(people[0].script())):
                # Requesters interleave, a few per POST; one requester's steps stay in order
                # (step k+1 is posted after step k was acknowledged, as a person types).
                shuffled = rng.sample(people, len(people))
                batches = []
                while shuffled:
                    size = rng.randint(1, 3)
                    batches.append(_delivery([(r, step) for r in shuffled[:size]]))
                    shuffled = shuffled[size:]
                await asyncio.gather(*(both(b) for b in batches))
                # Meta re-delivers some earlier batches, to either process, while work goes on.
                for old in rng.sample(earlier, min(3, len(earlier))):
                    await post(rng.choice(bots), old)
                earlier.extend(batches)
                await asyncio.sleep(rng.random() * 0.2)  # let processing race the next step

            loop = asyncio.get_running_loop()
            deadline = loop.time() + DEADLINE
            while not await asyncio.to_thread(_settled, pg_db, graph, total_sends):
                for b in bots:
                    assert b.proc.poll() is None, b.log.read_text()[-2000:]
                if loop.time() > deadline:
                    pytest.fail(f"not settled within {DEADLINE}s: {len(graph.sent)}/{total_sends} sent")
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # a duplicate send would land now
    finally:
        for b in bots:
            b.stop()
        await graph_server.close()

    with pg_db.read() as s:
        tickets = s.exec(select(Ticket).order_by(col(Ticket.id))).all()
        rows = s.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all()
        failed = s.exec(select(InboundEvent).where(col(InboundEvent.error).is_not(None))).all()
    assert failed == []
    by_phone: dict[str, list[Ticket]] = {}
    for t in tickets:
        by_phone.setdefault(t.requester_phone or "", []).append(t)
    assert sorted(by_phone) == sorted(r.wa_id for r in people)

    for r in people:
        texts, ref_ticket = expected[r.wa_id]
        [ticket] = by_phone[r.wa_id]  # exactly one ticket per requester
        fields = ("requester_name", "requester_sector", "requester_extension", "detail",
                  "unit_code", "status")
        assert {f: getattr(ticket, f) for f in fields} == {f: getattr(ref_ticket, f) for f in fields}
        want = [re.sub(rf"#{ref_ticket.id}\b", f"#{ticket.id}", t) for t in texts]
        got = [plain_text(b) for b in graph.sent if b["to"] == "+" + r.wa_id]
        assert got == want, f"replies to {r.wa_id} not exactly once and in order"

    # Every outbox row went out once: one Graph call each, one attempt each, distinct wamids.
    assert len(rows) == total_sends == len(graph.sent)
    assert all(m.state == "sent" and m.attempts == 1 for m in rows)
    assert len({m.wamid for m in rows}) == len(rows)
