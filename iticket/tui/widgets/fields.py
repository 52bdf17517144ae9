"""``FormInput``: an input whose Enter moves to the next field, without losing type-ahead.

Over SSH keystrokes often arrive in one burst ("laura⏎secret⏎"). Textual hands each key to the
widget focused when the key *arrives*, so the keys typed right after Enter can already be queued
for the old field by the time its Enter moves the focus. This field passes such late keys on to
the field that now has the focus (characters are typed there, Enter submits there), so every key
ends up where the user meant it. Enter is handled in the key handler itself, in queue order: as a
binding it would run only after the key bubbled up to the screen, i.e. after the rest of the
burst had been typed into this field.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input


class FormInput(Input):
    def __init__(self, *args: Any, next_field: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.next_field = next_field

    def _handed_over_to(self) -> Input | None:
        focused = self.screen.focused
        if self.next_field is not None and focused is not self and isinstance(focused, Input):
            return focused
        return None

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            await self.action_submit()
            return
        target = self._handed_over_to()
        if target is not None and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            target.insert_text_at_cursor(event.character)
            return
        await super()._on_key(event)

    async def action_submit(self) -> None:
        target = self._handed_over_to()
        if target is not None:  # an Enter that was meant for the field after this one
            await target.action_submit()
            return
        if self.next_field is None:
            await super().action_submit()
            return
        self.screen.set_focus(self.screen.query_one(f"#{self.next_field}"))
