"""A small client for the WhatsApp Cloud API (Graph): send a message, fetch a media file.

Its answers are plain results, never exceptions for Meta's errors: :class:`SendResult` carries
either the accepted ``wamid`` or the error ``code`` (``None`` when the request got no readable
answer) and details, so the sender decides in one place (:mod:`iticket.bot.delivery`).
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from iticket.bot.settings import BotSettings

log = logging.getLogger("iticket.bot")
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


@dataclass(frozen=True)
class SendResult:
    wamid: str | None = None
    code: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.wamid is not None


class GraphClient:
    def __init__(self, settings: BotSettings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = session

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.access_token}"}

    async def send(self, to: str, content: dict[str, Any]) -> SendResult:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": "+" + to.lstrip("+"), **content}
        try:
            async with self.http.post(self.settings.messages_url(), json=payload,
                                      headers=self._auth, timeout=TIMEOUT) as resp:
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = None
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            return SendResult(code=None, error=f"network: {exc.__class__.__name__}: {exc}")
        if isinstance(data, dict) and data.get("messages"):
            wamid = (data["messages"][0] or {}).get("id")
            if wamid:
                return SendResult(wamid=str(wamid))
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            err = data["error"]
            details = (err.get("error_data") or {}).get("details") or err.get("message") or ""
            try:
                code: int | None = int(err.get("code"))
            except (TypeError, ValueError):
                code = None
            return SendResult(code=code, error=f"{code}: {details}"[:2000])
        return SendResult(code=None, error=f"HTTP {status} without a Graph answer")

    async def download_media(self, media_id: str, target: Path, *, max_bytes: int) -> int:
        """Fetch a media file into ``target``; returns its size. Raises ``MediaError``."""
        for _attempt in range(2):  # the url expires after 5 minutes: on 404 ask for a fresh one
            async with self.http.get(self.settings.media_url(media_id), headers=self._auth,
                                     timeout=TIMEOUT) as resp:
                info = await resp.json(content_type=None)
                if resp.status != 200 or not isinstance(info, dict) or "url" not in info:
                    raise MediaError(f"media {media_id}: HTTP {resp.status}: {str(info)[:300]}")
            async with self.http.get(info["url"], headers=self._auth,
                                     timeout=aiohttp.ClientTimeout(total=600, connect=5)) as resp:
                if resp.status == 404:
                    continue
                if resp.status != 200:
                    raise MediaError(f"media {media_id}: download HTTP {resp.status}")
                size = 0
                # Our own temporary name: another bot process may be fetching the same file
                # into the same folder right now (a shared .part would be renamed under it).
                tmp = target.with_name(f"{target.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
                try:
                    with tmp.open("wb") as fh:
                        async for chunk in resp.content.iter_chunked(1 << 16):
                            size += len(chunk)
                            if size > max_bytes:
                                raise MediaError(f"media {media_id}: larger than {max_bytes} bytes")
                            fh.write(chunk)
                    tmp.replace(target)
                except BaseException:
                    tmp.unlink(missing_ok=True)  # a unique name would otherwise stay forever
                    raise
                return size
        raise MediaError(f"media {media_id}: url expired twice")


class MediaError(Exception):
    pass
