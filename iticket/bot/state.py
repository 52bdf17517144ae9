"""The conversation's data: its steps, the state stored per requester, what the machine is
given (:class:`Context`) and what it returns (:class:`Outcome` with replies and actions).
Plain data, no behaviour: :mod:`iticket.bot.conversation` is the machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from iticket.bot.inbound import MediaRef
from iticket.bot.replies import Replies
from iticket.bot.sectors import SectorOption


class Step(StrEnum):
    NAME = "name"
    SECTOR = "sector"
    SECTOR_PICK = "sector_pick"
    EXTENSION = "extension"
    DETAIL = "detail"
    CONFIRM = "confirm"
    CORRECT = "correct"
    KNOWN = "known"


@dataclass(frozen=True)
class State:
    step: Step
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Known:
    """What we remember of a returning requester."""

    name: str
    sector: str
    extension: str


@dataclass(frozen=True)
class Context:
    now: datetime
    sectors: list[SectorOption]
    known: Known | None = None
    idle_timeout: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class CreateTicket:
    name: str
    sector: str
    extension: str
    detail: str
    attachments: tuple[MediaRef, ...] = ()


@dataclass(frozen=True)
class ShowStatus:
    """List the requester's open tickets (the caller reads them and prepends the text)."""


Action = CreateTicket | ShowStatus


@dataclass
class Outcome:
    state: State | None
    replies: Replies = field(default_factory=Replies)
    actions: list[Action] = field(default_factory=list)


CONFIRM_IDS = ("confirmar_ticket", "corregir_ticket", "cancelar_ticket")
KNOWN_IDS = ("datos_si", "datos_no", "cancelar_ticket")
FIELDS = ("name", "sector", "extension", "detail")
