"""``GET /webhook`` (Meta's verification) and ``POST /webhook`` (events), as PROTOCOL.md says.

POST contract: no signature header → 401; a signature that does not match the HMAC-SHA256 of
the raw body bytes → 403 (checked before parsing anything); not JSON, not a
``whatsapp_business_account`` object, or over the size limit → 4xx; otherwise every readable
item is stored durably and deduplicated, and only then 200. Slow work happens later in the
processor, woken by the store's commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiohttp import web

from iticket.bot.inbound import BadEnvelope, extract_events
from iticket.bot.keys import SETTINGS, STORE

log = logging.getLogger("iticket.bot")
routes = web.RouteTableDef()


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@routes.get("/webhook")
async def verify(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    q = request.query
    token = q.get("hub.verify_token", "")
    if (q.get("hub.mode") == "subscribe" and settings.verify_token
            and hmac.compare_digest(token.encode(), settings.verify_token.encode())):
        return web.Response(text=q.get("hub.challenge", ""), content_type="text/plain")
    return web.Response(status=403, text="verification failed", content_type="text/plain")


@routes.post("/webhook")
async def receive(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    header = request.headers.get("X-Hub-Signature-256")
    if not header:
        return web.Response(status=401, text="missing signature")
    raw = await request.read()  # over the size limit aiohttp answers 413 here
    if not hmac.compare_digest(signature(settings.app_secret, raw).encode(), header.strip().encode()):
        return web.Response(status=403, text="bad signature")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return web.Response(status=400, text="body is not JSON")
    try:
        found = extract_events(doc, phone_number_id=settings.phone_number_id)
    except BadEnvelope as exc:
        return web.Response(status=400, text=str(exc))
    if found.skipped:
        log.warning("webhook: %d item(s) could not be read and were skipped", found.skipped)
    await request.app[STORE].put(found.rows)  # an error here is a 500: Meta retries
    return web.Response(text="EVENT_RECEIVED", content_type="text/plain")
