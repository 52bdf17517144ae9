"""Messages the TUI's parts send each other."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """Something was written to the database (by anyone): the screen on top reloads."""
