"""Graph API message bodies, built within WhatsApp's limits.

A string over a limit makes Meta reject the whole message, so every field is cut safely here
(text ≤ 4096, interactive body ≤ 1024, button title ≤ 20, row title ≤ 24 without emoji,
description ≤ 72, list button ≤ 20, ≤ 3 buttons, ≤ 10 rows).
"""

from __future__ import annotations

import re
from typing import Any

from iticket.bot.replies import Reply

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTON = 20
MAX_ROW = 24
MAX_DESC = 72
MAX_ROWS = 10
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")


def cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def content(reply: Reply) -> dict[str, Any]:
    """The message content (without ``messaging_product``/``to``) for one reply."""
    if reply.buttons:
        return {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": cut(reply.text, MAX_BODY)},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": b.id[:256], "title": cut(b.title, MAX_BUTTON)}}
                    for b in reply.buttons[:3]
                ]},
            },
        }
    if reply.rows:
        rows = []
        for r in reply.rows[:MAX_ROWS]:
            row: dict[str, str] = {"id": r.id[:200], "title": cut(_EMOJI.sub("", r.title), MAX_ROW)}
            if r.description:
                row["description"] = cut(r.description, MAX_DESC)
            rows.append(row)
        return {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": cut(reply.text, MAX_BODY)},
                "action": {"button": cut(reply.list_button or "Ver opciones", MAX_BUTTON),
                           "sections": [{"title": cut(reply.list_button or "Opciones", MAX_ROW),
                                         "rows": rows}]},
            },
        }
    return text_content(reply.text)


def text_content(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": cut(text, MAX_TEXT), "preview_url": False}}


def template_content(name: str, language: str, params: list[str]) -> dict[str, Any]:
    components = []
    if params:
        components.append({"type": "body", "parameters": [
            # Template parameters may not contain newlines or tabs, nor over 4 spaces in a row.
            {"type": "text", "text": cut(" ".join(p.split()), 1000)} for p in params
        ]})
    return {"type": "template",
            "template": {"name": name, "language": {"code": language}, "components": components}}


def plain_text(body: dict[str, Any]) -> str:
    """What a stored outbound content says, as console text (``iticket bot chat``)."""
    if body.get("type") == "text":
        return str(body["text"]["body"])
    inter = body.get("interactive") or {}
    lines = [str((inter.get("body") or {}).get("text", ""))]
    action = inter.get("action") or {}
    if action.get("buttons"):
        lines.append("  ".join(f"[{i}] {b['reply']['title']}"
                               for i, b in enumerate(action["buttons"], 1)))
    for section in action.get("sections", []):
        for i, row in enumerate(section.get("rows", []), 1):
            lines.append(f"  {i}. {row['title']}")
    return "\n".join(lines)
