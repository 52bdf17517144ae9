"""Core tests read messages in English (the msgids); the Spanish catalogue has its own test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITICKET_LANG", "en")
