"""The JSON shapes of the scripting contract (README: "CLI contract"), shared by the CLI and the
bot's intake API so a ticket looks the same wherever a script reads it. Keys and values never
depend on the language."""

from __future__ import annotations

from typing import Any

from iticket.core.models import ActivityPublic, NotePublic, TaskPublic, TicketDetail, TicketPublic


def ticket_json(t: TicketPublic) -> dict[str, Any]:
    return {
        "id": t.id,
        "status": t.status.value,
        "unit": t.unit,
        "assignee": t.assignee,
        "requester": {
            "name": t.requester.name,
            "sector": t.requester.sector,
            "extension": t.requester.extension,
            "phone": t.requester.phone,
        },
        "detail": t.detail,
        "created_at": t.created_at.isoformat(),
        "updated_at": t.updated_at.isoformat(),
        "closed_at": t.closed_at.isoformat() if t.closed_at else None,
        "version": t.version,
    }


def note_json(n: NotePublic) -> dict[str, Any]:
    return {"id": n.id, "author": n.author, "created_at": n.created_at.isoformat(), "text": n.text}


def activity_json(a: ActivityPublic) -> dict[str, Any]:
    return {
        "id": a.id,
        "at": a.at.isoformat(),
        "kind": a.kind.value,
        "actor": a.actor,
        "ticket": a.ticket_id,
        "unit": a.unit,
        "other_unit": a.other_unit,
        "user": a.user,
        "before": a.before,
        "after": a.after,
        "detail": a.detail,
    }


def detail_json(d: TicketDetail) -> dict[str, Any]:
    return {
        **ticket_json(d.ticket),
        "notes": [note_json(n) for n in d.notes],
        "activity": [activity_json(a) for a in d.activity],
    }


def task_json(t: TaskPublic) -> dict[str, Any]:
    return {
        "id": t.id,
        "unit": t.unit,
        "date": t.day.isoformat(),
        "text": t.text,
        "author": t.author,
        "created_at": t.created_at.isoformat(),
        "done": t.done,
        "done_at": t.done_at.isoformat() if t.done_at else None,
        "done_by": t.done_by,
    }
