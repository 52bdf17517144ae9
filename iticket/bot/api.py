"""``POST /api/v1/tickets`` (intake for other chatbots and gateways) and ``GET /healthz``.

The intake API authenticates with a bot-role user's API token (``Authorization: Bearer …``),
files the ticket through ``tickets.create_ticket`` (so the one policy decides: any other role
gets 403) and answers 201 with the ticket JSON of the CLI contract. Errors are
``{"error": {"code", "message"}}``: 401 no/invalid token, 403 not a bot, 422 invalid fields,
400 not JSON.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from iticket.bot.keys import DB, SENDER, SETTINGS
from iticket.bot.sender import backlog
from iticket.core import errors
from iticket.core.i18n import _
from iticket.core.serialize import ticket_json
from iticket.core.services import auth, tickets

routes = web.RouteTableDef()
_STATUS: list[tuple[type[errors.ITicketError], int]] = [
    (errors.NotAuthenticated, 401),
    (errors.PermissionDenied, 403),
    (errors.ValidationError, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
]


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _fields(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("requester"), dict):
        raise errors.ValidationError(_("The body must be an object with 'requester' and 'detail'."))
    req = body["requester"]
    out: dict[str, Any] = {}
    for key in ("name", "sector", "extension"):
        value = req.get(key)
        if type(value) is int and key == "extension":
            value = str(value)
        if not isinstance(value, str):
            raise errors.ValidationError(_("requester.{key} is required and must be a string.").format(key=key))
        out[key] = value
    phone = req.get("phone")
    if phone is not None and not isinstance(phone, str):
        raise errors.ValidationError(_("requester.phone must be a string of digits."))
    if not isinstance(body.get("detail"), str):
        raise errors.ValidationError(_("detail is required and must be a string."))
    return {**out, "phone": phone, "detail": body["detail"]}


@routes.post("/api/v1/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        return error(401, "not_authenticated", _("Send 'Authorization: Bearer <API token>'."))
    token = header[7:].strip()
    try:
        body = await request.json()
    except ValueError:
        return error(400, "invalid_json", _("The body is not JSON."))
    db = request.app[DB]
    key = request.headers.get("Idempotency-Key")

    def work() -> dict[str, Any]:
        actor = auth.actor_for_token(db, token)
        fields = _fields(body)
        try:
            return ticket_json(tickets.create_ticket(db, actor=actor, idempotency_key=key, **fields))
        except IntegrityError:
            if key is None:
                raise
            # A concurrent retry with the same key won the race: answer with its ticket.
            return ticket_json(tickets.create_ticket(db, actor=actor, idempotency_key=key, **fields))

    try:
        data = await asyncio.to_thread(work)
    except errors.ITicketError as exc:
        status = next((s for kind, s in _STATUS if isinstance(exc, kind)), 400)
        return error(status, exc.code, exc.message)
    request.app[SENDER].wake.set()
    return web.json_response(data, status=201)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    db, settings = request.app[DB], request.app[SETTINGS]
    report: dict[str, Any] = {"database": "ok", "whatsapp_settings": "ok"}
    healthy = True
    try:
        def probe() -> int:
            with db.read() as session:
                session.execute(text("SELECT 1"))
            return backlog(db)

        report["outbound_backlog"] = await asyncio.to_thread(probe)
    except Exception as exc:
        report["database"] = f"error: {exc.__class__.__name__}"
        report["outbound_backlog"] = None
        healthy = False
    missing = settings.missing()
    if missing:
        report["whatsapp_settings"] = "missing: " + ", ".join(missing)
        healthy = False
    report["last_delivery_error"] = request.app[SENDER].last_error
    report["status"] = "ok" if healthy else "unhealthy"
    return web.json_response(report, status=200 if healthy else 503)
