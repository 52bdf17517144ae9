"""Background download of the files requesters attach (images, documents, voice notes).

The attachment row (media id, type, mime type, caption) is written with the ticket; this loop
fetches the bytes into ``<attachments dir>/<ticket>/<attachment id>-<name>`` and records path
and size, or ``failed`` with the reason. It walks the table by primary key from where it left
off, so it never rescans old rows; a restart resumes pending ones from the start once.
Several bot processes may fetch the same file at once (nothing claims an attachment): each
writes its own temporary file and renames it into place, and a failure never overwrites
another process's recorded success.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import re
from pathlib import Path

import aiohttp
from sqlmodel import col, select

from iticket.bot import writes
from iticket.bot.graph import GraphClient, MediaError
from iticket.bot.settings import BotSettings
from iticket.core.db import Database
from iticket.core.models import Attachment

log = logging.getLogger("iticket.bot")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(a: Attachment) -> str:
    name = _SAFE.sub("_", a.filename or "").strip("._")
    if not name:
        ext = mimetypes.guess_extension((a.mime_type or "").split(";")[0].strip()) or ".bin"
        name = f"{a.media_type}{ext}"
    return f"{a.id}-{name[:120]}"


def _pending_after(db: Database, last_id: int, limit: int = 20) -> list[Attachment]:
    with db.read() as session:
        return list(session.exec(
            select(Attachment).where(col(Attachment.id) > last_id)
            .order_by(col(Attachment.id)).limit(limit)
        ).all())


def _record(db: Database, attachment_id: int, *, path: str | None, size: int | None,
            error: str | None) -> None:
    with writes.write(db) as session:
        a = session.get(Attachment, attachment_id)
        if a is None or (error and a.state == "downloaded"):
            return  # another bot process has the file already: its success stands
        a.state = "failed" if error else "downloaded"
        a.path, a.size, a.error = path, size, error
        session.add(a)


class Downloader:
    def __init__(self, db: Database, settings: BotSettings, graph: GraphClient, directory: Path) -> None:
        self.db, self.settings, self.graph, self.directory = db, settings, graph, directory
        self.wake = asyncio.Event()
        self.last_id = 0

    async def run(self) -> None:
        while True:
            try:
                if await self.run_once():
                    continue
            except Exception:
                log.exception("attachment downloader failed; retrying")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=max(5.0, self.settings.poll_seconds))

    async def run_once(self) -> int:
        rows = await asyncio.to_thread(_pending_after, self.db, self.last_id)
        for a in rows:
            assert a.id is not None
            self.last_id = a.id
            if a.state != "pending":
                continue
            folder = self.directory / str(a.ticket_id)
            target = folder / file_name(a)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                size = await self.graph.download_media(a.media_id, target,
                                                       max_bytes=self.settings.max_media_bytes)
                await asyncio.to_thread(_record, self.db, a.id, path=str(target), size=size, error=None)
            except (MediaError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("attachment %s not downloaded: %s", a.id, exc)
                await asyncio.to_thread(_record, self.db, a.id, path=None, size=None,
                                        error=str(exc)[:2000])
        return len(rows)
