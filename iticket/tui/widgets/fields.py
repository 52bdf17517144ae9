"""``FormInput``: an input whose Enter moves to the next field *synchronously*.

Over SSH keystrokes often arrive in one burst ("laura⏎secret⏎"). Bindings run in the app's key
loop, but a ``Submitted`` message is handled later, so moving focus from a message handler lets
the following keys land in the old field. Moving focus inside the binding's action keeps every
key in the field the user meant.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class FormInput(Input):
    def __init__(self, *args: Any, next_field: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.next_field = next_field

    async def action_submit(self) -> None:
        if self.next_field is None:
            await super().action_submit()
            return
        self.screen.set_focus(self.screen.query_one(f"#{self.next_field}"))
