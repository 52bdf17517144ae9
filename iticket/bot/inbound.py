"""Webhook payloads at the edge: walk Meta's envelope into rows to store, and turn a stored
message back into the typed :class:`Inbound` the conversation understands.

Contract of :func:`extract_events`: every level (``entry[]``, ``changes[]``, ``messages[]``,
``statuses[]``, ``contacts[]``) is walked; an item that cannot be understood is counted in
``skipped`` and never stops the others; changes for a ``phone_number_id`` that is not ours are
ignored; contact fields are all optional. A wrong ``object`` or a body that is not a JSON object
raises :class:`BadEnvelope` (the caller answers 4xx and stores nothing).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from iticket.core.services.tickets import NewAttachment

log = logging.getLogger("iticket.bot")

MEDIA_TYPES = ("image", "document", "audio", "video")
OBJECT = "whatsapp_business_account"


class BadEnvelope(ValueError):
    """The POST as a whole is not a WhatsApp Business webhook."""


@dataclass(frozen=True)
class EventRow:
    event_key: str
    kind: str  # message | status
    sender: str
    timestamp: int
    payload: str


@dataclass
class Extracted:
    rows: list[EventRow] = field(default_factory=list)
    skipped: int = 0
    ignored_changes: int = 0


def _ts(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def extract_events(doc: Any, *, phone_number_id: str) -> Extracted:
    if not isinstance(doc, dict) or doc.get("object") != OBJECT:
        raise BadEnvelope("not a whatsapp_business_account webhook")
    entries = doc.get("entry")
    if not isinstance(entries, list):
        raise BadEnvelope("entry must be a list")
    out = Extracted()
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            out.skipped += 1
            continue
        for change in changes:
            try:
                _walk_change(change, phone_number_id, out)
            except Exception:  # one broken change never drops the others
                log.warning("skipping a webhook change that could not be read", exc_info=True)
                out.skipped += 1
    return out


def _walk_change(change: Any, phone_number_id: str, out: Extracted) -> None:
    if not isinstance(change, dict) or change.get("field", "messages") != "messages":
        out.ignored_changes += 1
        return
    value = change.get("value")
    if not isinstance(value, dict):
        out.skipped += 1
        return
    metadata = value.get("metadata") or {}
    if str(metadata.get("phone_number_id", "")) != phone_number_id:
        out.ignored_changes += 1
        return
    for err in value.get("errors") or []:
        log.error("WhatsApp account-level error: %s", err)
    names: dict[str, str] = {}
    for contact in value.get("contacts") or []:
        if isinstance(contact, dict):
            key = contact.get("wa_id") or contact.get("user_id")
            name = (contact.get("profile") or {}).get("name")
            if key and name:
                names[str(key)] = str(name)
    for msg in value.get("messages") or []:
        row = _message_row(msg, names)
        if row is None:
            out.skipped += 1
        else:
            out.rows.append(row)
    for status in value.get("statuses") or []:
        row = _status_row(status)
        if row is None:
            out.skipped += 1
        else:
            out.rows.append(row)


def _message_row(msg: Any, names: dict[str, str]) -> EventRow | None:
    if not isinstance(msg, dict):
        return None
    mid, sender = msg.get("id"), msg.get("from") or msg.get("from_user_id")
    if not isinstance(mid, str) or not mid or not isinstance(sender, str) or not sender:
        return None
    payload = {"message": msg, "profile_name": names.get(sender)}
    return EventRow(mid[:200], "message", sender[:64], _ts(msg.get("timestamp")),
                    json.dumps(payload, ensure_ascii=False))


def _status_row(status: Any) -> EventRow | None:
    if not isinstance(status, dict):
        return None
    sid, state = status.get("id"), status.get("status")
    if not isinstance(sid, str) or not sid or not isinstance(state, str):
        return None
    key = f"status:{state}:{sid}"[:200]
    return EventRow(key, "status", str(status.get("recipient_id") or "")[:64],
                    _ts(status.get("timestamp")), json.dumps(status, ensure_ascii=False))


# ---------------------------------------------------------------- typed messages


class MediaRef(NewAttachment):
    """A media item of a message: the core's attachment description, kept in the conversation
    state as a plain dict until the ticket is filed."""

    def as_dict(self) -> dict[str, str | None]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Inbound:
    """One message from a requester, reduced to what the conversation needs.

    ``kind``: ``text`` (typed), ``choice`` (a tapped button or list row: ``choice_id`` and its
    title in ``text``), ``media`` (image/document/audio/video), ``reaction``, or ``other``
    (sticker, location, contacts, unsupported, system…)."""

    kind: str
    text: str = ""
    choice_id: str | None = None
    media: MediaRef | None = None
    msg_type: str = "text"
    profile_name: str | None = None

    @staticmethod
    def typed(text: str) -> Inbound:
        return Inbound("text", text=text)


def parse_message(msg: dict[str, Any], profile_name: str | None = None) -> Inbound:
    """A stored webhook message item → :class:`Inbound` (never raises on odd shapes)."""
    mtype = str(msg.get("type") or "unsupported")
    if mtype == "text":
        body = (msg.get("text") or {}).get("body")
        return Inbound("text", text=str(body or ""), msg_type=mtype, profile_name=profile_name)
    if mtype == "interactive":
        inter = msg.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        if reply:
            return Inbound("choice", text=str(reply.get("title") or ""),
                           choice_id=str(reply.get("id") or ""), msg_type=mtype,
                           profile_name=profile_name)
    if mtype == "button":
        button = msg.get("button") or {}
        return Inbound("choice", text=str(button.get("text") or ""),
                       choice_id=str(button.get("payload") or ""), msg_type=mtype,
                       profile_name=profile_name)
    if mtype in MEDIA_TYPES:
        m = msg.get(mtype) or {}
        if m.get("id"):
            ref = MediaRef(
                media_id=str(m["id"])[:128], media_type=mtype,
                mime_type=m.get("mime_type"), filename=m.get("filename"),
                caption=m.get("caption"), sha256=m.get("sha256"),
            )
            return Inbound("media", text=str(m.get("caption") or ""), media=ref, msg_type=mtype,
                           profile_name=profile_name)
    if mtype == "reaction":
        return Inbound("reaction", msg_type=mtype, profile_name=profile_name)
    return Inbound("other", msg_type=mtype, profile_name=profile_name)
