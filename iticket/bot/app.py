"""The bot's aiohttp application: ``create_app(settings, db) -> web.Application``.

Routes: ``/webhook`` (GET verify, POST events), ``POST /api/v1/tickets``, ``GET /healthz``.
Background workers live and die with the app (``cleanup_ctx``): the processor thread, the
outbox sender and the attachment downloader (asyncio tasks sharing one HTTP client session).
The inbound store commits in the event loop itself (group commit, see :mod:`.store`).
``workers=False`` keeps only the store (events are stored and acknowledged but not processed):
tests use it to stop the bot mid-conversation.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from iticket.bot import api, webhook
from iticket.bot.graph import GraphClient
from iticket.bot.keys import DB, SENDER, SETTINGS, STORE
from iticket.bot.media import Downloader
from iticket.bot.processor import Processor
from iticket.bot.sender import Sender
from iticket.bot.settings import BotSettings
from iticket.bot.store import InboundStore
from iticket.core.db import Database

PROCESSOR = web.AppKey("processor", Processor)
DOWNLOADER = web.AppKey("downloader", Downloader)


def create_app(settings: BotSettings, db: Database, *, workers: bool = True,
               attachments_dir: Path | None = None) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[DB] = db
    app[SETTINGS] = settings
    app.add_routes(webhook.routes)
    app.add_routes(api.routes)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        http = aiohttp.ClientSession()
        graph = GraphClient(settings, http)
        sender = Sender(db, settings, graph)
        downloader = Downloader(db, settings, graph,
                                attachments_dir or settings.resolved_attachments_dir())
        processor = Processor(
            db, settings,
            on_outbound=lambda: loop.call_soon_threadsafe(sender.wake.set),
            on_attachment=lambda: loop.call_soon_threadsafe(downloader.wake.set),
        )
        store = InboundStore(db, on_commit=lambda: processor.wake.set())
        processor.ingest_busy = sender.ingest_busy = store.busy
        app[SENDER], app[STORE], app[PROCESSOR], app[DOWNLOADER] = sender, store, processor, downloader
        store.start()
        tasks: list[asyncio.Task[None]] = []
        if workers:
            processor.start()
            tasks = [asyncio.create_task(sender.run(), name="iticket-sender"),
                     asyncio.create_task(downloader.run(), name="iticket-downloader")]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if workers:
                await asyncio.to_thread(processor.stop)
            store.stop()
            await http.close()

    app.cleanup_ctx.append(lifecycle)
    return app


def serve(settings: BotSettings, db: Database, *, host: str, port: int) -> None:
    """Run until interrupted (``iticket bot serve``)."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(settings, db), host=host, port=port, print=None,
                access_log=None)
