"""Bot test fixtures: settings pointing at a fake Graph API on 127.0.0.1, the real bot app on a
real loopback port, and helpers that build and sign webhook payloads exactly like Meta.

The fake Graph API is the only fake: a small aiohttp server that records every message the bot
sends and answers like Meta (a ``wamid`` or an ``{"error": {"code"…}}``), scripted per test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from iticket.bot.app import create_app
from iticket.bot.settings import BotSettings
from iticket.bot.webhook import signature
from iticket.core.db import Database

PHONE_NUMBER_ID = "100000000000001"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token"
# Copies of ../shared/whatsapp/payloads (byte for byte: the signature covers the raw bytes).
PAYLOADS = Path(__file__).resolve().parent / "payloads"


@dataclass
class FakeGraph:
    """Records sends; ``fail(code, times, to=...)`` scripts Meta errors for the next sends."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    auth_seen: set[str] = field(default_factory=set)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail(self, code: int, times: int = 1, *, to: str | None = None) -> None:
        self.failures.extend([(code, to)] * times)

    def texts(self, to: str | None = None) -> list[str]:
        out = []
        for body in self.sent:
            if to is not None and body["to"] != to:
                continue
            out.append(json.dumps(body, ensure_ascii=False))
        return out

    async def _messages(self, request: web.Request) -> web.Response:
        self.auth_seen.add(request.headers.get("Authorization", ""))
        body = await request.json()
        self.sent.append(body)
        for i, (code, to) in enumerate(self.failures):
            if to is None or to == body.get("to"):
                del self.failures[i]
                return web.json_response({"error": {
                    "message": f"fake error {code}", "type": "OAuthException", "code": code,
                    "error_data": {"details": f"invented details for {code}"},
                    "fbtrace_id": "FAKE"}}, status=400)
        n = next(self._ids)
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                  "messages": [{"id": f"wamid.FAKE.OUT.{n:06d}"}]})

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return web.json_response({"error": {"code": 100, "message": "no media"}}, status=404)
        return web.json_response({"url": f"{self.url}/files/{media_id}", "mime_type": "image/jpeg",
                                  "sha256": "x", "file_size": len(self.media[media_id])})

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.media[request.match_info["media_id"]])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/{phone_id}/messages", self._messages)
        app.router.add_get("/files/{media_id}", self._file)
        app.router.add_get("/{version}/{media_id}", self._media_info)
        return app

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return self.sent


@pytest.fixture
async def graph() -> Any:
    fake = FakeGraph()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
def settings(graph: FakeGraph, tmp_path: Path) -> BotSettings:
    return make_settings(graph.url, tmp_path)


def make_settings(graph_url: str, tmp_path: Path, **overrides: Any) -> BotSettings:
    values: dict[str, Any] = dict(
        verify_token=VERIFY_TOKEN, app_secret=APP_SECRET, access_token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID, graph_url=graph_url, api_version="v21.0",
        poll_seconds=0.02, retry_base_seconds=0.02, attachments_dir=tmp_path / "attachments",
    )
    values.update(overrides)
    return BotSettings(**values)


_MESSAGE_IDS = itertools.count(1)


class Bot:
    """The real bot app on a loopback port, with helpers to talk to it like Meta does."""

    def __init__(self, client: TestClient[Any, Any], app: web.Application) -> None:
        self.client, self.app = client, app

    async def post_raw(self, raw: bytes, *, secret: str = APP_SECRET,
                       headers: dict[str, str] | None = None) -> tuple[int, str]:
        h = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(secret, raw)}
        h.update(headers or {})
        resp = await self.client.post("/webhook", data=raw, headers=h)
        return resp.status, await resp.text()

    async def post(self, doc: dict[str, Any]) -> tuple[int, str]:
        # Compact JSON with non-ASCII escaped, like Meta's real bodies.
        return await self.post_raw(json.dumps(doc, separators=(",", ":")).encode())

    def text(self, wa_id: str, body: str, *, mid: str | None = None) -> dict[str, Any]:
        return self.message(wa_id, {"type": "text", "text": {"body": body}}, mid=mid)

    def message(self, wa_id: str, content: dict[str, Any], *, mid: str | None = None) -> dict[str, Any]:
        n = next(_MESSAGE_IDS)  # shared by every Bot: a restarted bot must not reuse ids
        return {"from": wa_id, "id": mid or f"wamid.T.{n:06d}.{wa_id}",
                "timestamp": str(1_788_000_000 + 5 * n), **content}

    async def say(self, wa_id: str, body: str) -> None:
        status, text = await self.post(envelope(messages=[self.text(wa_id, body)]))
        assert status == 200, text


def envelope(*, messages: list[dict[str, Any]] | None = None,
             statuses: list[dict[str, Any]] | None = None, name: str = "Lucía Fernández",
             phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "5491150000000", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]}
                             for m in messages if "from" in m]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "200000000000002", "changes": [{"value": value, "field": "messages"}]}]}


@pytest.fixture
def start_bot(aiohttp_client: Any, settings: BotSettings) -> Callable[..., Any]:
    async def start(db: Database, **kw: Any) -> Bot:
        app = create_app(kw.pop("settings", settings), db, **kw)
        client = await aiohttp_client(app, server_kwargs={"host": "127.0.0.1"})
        return Bot(client, app)

    return start


@pytest.fixture
async def bot(start_bot: Callable[..., Any], db: Database) -> Bot:
    return await start_bot(db)  # type: ignore[no-any-return]


async def wait_until(predicate: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Poll ``predicate`` (sync; may read the database) until truthy; fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)
