"""``FormInput``: an input whose Enter moves to the next field, without losing type-ahead.

Over SSH keystrokes often arrive in one burst ("laura⏎secret⏎"). Textual's app hands each key
to the widget focused when the *app* dispatches it, into that widget's own queue; the widgets
then work through their queues concurrently. So the focus must move when the app dispatches
the Enter, not later when the field gets round to it: keys before the Enter are then already
queued for this field, keys after it go to the next one, each field types its own keys in
order, and nothing is handed across queues (which could reorder a password). The app calls
``advance`` from its key dispatch (``ITicketApp.on_event``); ``action_submit`` does the same for
an Enter that reaches the field some other way.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class FormInput(Input):
    def __init__(self, *args: Any, next_field: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.next_field = next_field

    def advance(self) -> None:
        """Give the focus to the next field, now (not deferred)."""
        if self.next_field is not None:
            self.screen.set_focus(self.screen.query_one(f"#{self.next_field}"))

    async def action_submit(self) -> None:
        if self.next_field is None:
            await super().action_submit()
        else:
            self.advance()
