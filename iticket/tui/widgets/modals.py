"""Small reusable dialogs: ask for text, pick one option, confirm, show a message.

Each is a ``ModalScreen`` that dismisses with its answer (``None`` when cancelled with Escape),
so callers use ``push_screen(modal, callback)``. Texts typed into a dialog are given back even
when the caller's change fails, so the caller can offer them again (nothing is lost silently).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from iticket.core.i18n import _

_CSS = """
%s {
    align: center middle;
}
%s > Vertical {
    width: 72;
    max-width: 100%%;
    height: auto;
    max-height: 100%%;
    border: thick $primary;
    background: $surface;
    padding: 0 1;
}
%s .title { text-style: bold; margin-bottom: 1; }
%s .hint { color: $text-muted; }
%s .error { color: $error; height: auto; }
%s Horizontal.buttons { height: auto; align-horizontal: right; margin-top: 1; }
%s Horizontal.buttons Button { margin-left: 1; }
"""


def _css(name: str) -> str:
    return _CSS % ((name,) * 7)


class TextPrompt(ModalScreen[str | None]):
    """Ask for a (possibly multi-line) text. ``required`` refuses an empty answer in place."""

    DEFAULT_CSS = _css("TextPrompt") + "TextPrompt TextArea { height: 6; }"
    BINDINGS = [
        Binding("escape", "cancel", _("Cancel"), id="cancel"),
        Binding("ctrl+s", "ok", _("Confirm"), id="ok", priority=True),
    ]

    def __init__(self, title: str, *, hint: str = "", initial: str = "", required: bool = False,
                 ok_label: str | None = None) -> None:
        super().__init__()
        self._title, self._hint, self._initial = title, hint, initial
        self._required, self._ok_label = required, ok_label or _("Confirm")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="title")
            if self._hint:
                yield Static(self._hint, classes="hint")
            yield TextArea(self._initial, id="text", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="cancel")
                yield Button(self._ok_label + " (Ctrl+S)", id="ok", variant="primary")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)  # a kept draft continues where it ended

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.action_ok()
        else:
            self.action_cancel()

    def action_ok(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if self._required and not text:
            self.query_one("#error", Static).update(_("This cannot be empty."))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoicePrompt(ModalScreen[Any]):
    """Pick one of ``choices`` (label, value); Enter picks, Escape cancels."""

    DEFAULT_CSS = _css("ChoicePrompt") + "ChoicePrompt OptionList { height: auto; max-height: 16; }"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, Any]], *, hint: str = "") -> None:
        super().__init__()
        self._title, self._hint = title, hint
        self._values = [value for _label, value in choices]
        self._labels = [label for label, _value in choices]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="title")
            if self._hint:
                yield Static(self._hint, classes="hint")
            # Text, not str: labels carry people's names, which must never be read as Rich markup
            # (a full name "Roto [/]" crashed the assign dialog)
            yield OptionList(*[Option(Text(label), id=str(i)) for i, label in enumerate(self._labels)])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._values[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    DEFAULT_CSS = _css("Confirm")
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="cancel")]

    def __init__(self, question: str, *, yes: str | None = None) -> None:
        super().__init__()
        self._question, self._yes = question, yes or _("Yes")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._question, classes="title")
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="cancel")
                yield Button(self._yes, id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)


class Message(ModalScreen[None]):
    """Show something the user must read (a new password shown once)."""

    DEFAULT_CSS = _css("Message")
    BINDINGS = [Binding("escape", "close", _("Close"), id="close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title, self._text = title, text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="title")
            yield Static(self._text, id="text")
            with Horizontal(classes="buttons"):
                yield Button(_("Close"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
