"""Two downloaders (two bot processes on one database and one attachments folder) fetching the
same attachment at once, from the fake Graph API on 127.0.0.1: the file ends up whole, no
temporary file is left behind, and the attachment is recorded as downloaded — the slower
process must neither break the faster one's file nor mark the attachment failed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from sqlmodel import select

from iticket.bot.graph import GraphClient
from iticket.bot.media import Downloader
from iticket.core.db import Database
from iticket.core.models import Actor, Attachment
from iticket.core.services import tickets
from iticket.core.services.tickets import NewAttachment
from tests.bot.conftest import FakeGraph, make_settings

MEDIA_ID = "900000000000077"


async def test_two_downloaders_on_one_attachment_leave_one_whole_file(
    db: Database, actors: dict[str, Actor], graph: FakeGraph, tmp_path: Path
) -> None:
    content = bytes(range(256)) * 8192  # 2 MiB: many chunks, so the two downloads interleave
    graph.media[MEDIA_ID] = content
    tickets.create_ticket(db, actor=actors["wspbot"], name="Lucía Fernández", sector="Guardia",
                          extension="4321", phone="5491100000077", detail="pantalla azul",
                          attachments=[NewAttachment(MEDIA_ID, "image", "image/jpeg")])
    settings = make_settings(graph.url, tmp_path)
    folder = tmp_path / "shared-attachments"
    async with aiohttp.ClientSession() as http_a, aiohttp.ClientSession() as http_b:
        a = Downloader(db, settings, GraphClient(settings, http_a), folder)
        b = Downloader(db, settings, GraphClient(settings, http_b), folder)
        assert await asyncio.gather(a.run_once(), b.run_once()) == [1, 1]

    with db.read() as s:
        [att] = s.exec(select(Attachment)).all()
    assert (att.state, att.error) == ("downloaded", None)
    assert att.path is not None and Path(att.path).read_bytes() == content
    assert att.size == len(content)
    assert [p.name for p in Path(att.path).parent.iterdir()] == [Path(att.path).name]
