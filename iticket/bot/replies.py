"""What the bot says, independent of how it travels: a text with optional reply buttons or a
list. :mod:`iticket.bot.outgoing` turns a :class:`Reply` into a Graph API message;
:meth:`Reply.plain` renders it for the console (``iticket bot chat``) with numbered options,
which are exactly the numbers a requester may type instead of tapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Option, ...] = ()  # ≤ 3 reply buttons
    rows: tuple[Option, ...] = ()  # a list (≤ 10 rows), opened with ``list_button``
    list_button: str = ""

    def plain(self) -> str:
        lines = [self.text]
        if self.buttons:
            lines.append("  ".join(f"[{i}] {b.title}" for i, b in enumerate(self.buttons, 1)))
        for i, row in enumerate(self.rows, 1):
            extra = f" ({row.description})" if row.description else ""
            lines.append(f"  {i}. {row.title}{extra}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[o.id, o.title, o.description] for o in self.buttons],
            "rows": [[o.id, o.title, o.description] for o in self.rows],
            "list_button": self.list_button,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Reply:
        return Reply(
            text=str(data.get("text", "")),
            buttons=tuple(Option(*o) for o in data.get("buttons", [])),
            rows=tuple(Option(*o) for o in data.get("rows", [])),
            list_button=str(data.get("list_button", "")),
        )


@dataclass
class Replies:
    """Replies gathered while handling one inbound message, merged into one message on the way
    out (WhatsApp does not keep the order of several bubbles, and the per-user pair rate limit
    punishes bursts)."""

    items: list[Reply] = field(default_factory=list)

    def add(self, reply: Reply | str) -> None:
        self.items.append(Reply(reply) if isinstance(reply, str) else reply)

    def merged(self) -> Reply | None:
        if not self.items:
            return None
        text = "\n\n".join(r.text for r in self.items if r.text)
        last = next((r for r in reversed(self.items) if r.buttons or r.rows), None)
        if last is None:
            return Reply(text)
        return Reply(text, last.buttons, last.rows, last.list_button)
