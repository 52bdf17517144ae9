"""SQLModel tables (the persistence model) and the ``*Public`` schemas front ends receive.

Front ends never hold a live row or a session: services return the frozen ``*Public`` schemas.
Indexes follow the real queries (see each ``__table_args__``); the schema is built for a
million tickets and several million activity rows.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from iticket.core.timeutil import UTCDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    BOT = "bot"


class Status(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in (Status.PENDING, Status.IN_PROGRESS)


OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.RESOLVED, Status.REJECTED)


class ActivityKind(StrEnum):
    TICKET_CREATED = "ticket_created"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    MOVED = "moved"
    STATUS_CHANGED = "status_changed"
    NOTE_ADDED = "note_added"
    TASK_POSTED = "task_posted"
    TASK_DONE = "task_done"
    USER_CREATED = "user_created"
    USER_DEACTIVATED = "user_deactivated"
    USER_ACTIVATED = "user_activated"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    NOTIFICATION_FAILED = "notification_failed"


def _ts(nullable: bool = True, **kw: object) -> object:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, **kw))


# --------------------------------------------------------------------------- tables


class Unit(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    position: int = 0


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased: usernames are unique case-insensitively on every engine.
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=200)
    unit_code: str = Field(foreign_key="unit.code", max_length=32, index=True)
    role: str = Field(max_length=16)
    active: bool = True
    password_hash: str = Field(max_length=255)
    must_change_password: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = _ts()  # type: ignore[assignment]
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AuthToken(SQLModel, table=True):
    """A login session (``kind='session'``) or a personal API token (``kind='api'``).

    Only a SHA-256 of the secret is stored; the secret is shown once."""

    __tablename__ = "auth_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=16)
    name: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: datetime | None = _ts()  # type: ignore[assignment]
    expires_at: datetime | None = _ts()  # type: ignore[assignment]
    revoked_at: datetime | None = _ts()  # type: ignore[assignment]


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_unit_status_created", "unit_code", "status", "created_at"),
        Index("ix_ticket_status_created", "status", "created_at"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        Index("ix_ticket_closed_at", "closed_at"),
        Index("ix_ticket_created_at", "created_at"),
        Index("ix_ticket_requester_phone", "requester_phone", "created_at"),
        Index("ix_ticket_requester_extension", "requester_extension"),
    )
    id: int | None = Field(default=None, primary_key=True)
    requester_name: str = Field(max_length=200)
    requester_sector: str = Field(max_length=200)
    requester_extension: str = Field(max_length=32)
    requester_phone: str | None = Field(default=None, max_length=32)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=Status.PENDING, max_length=16)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    first_assigned_at: datetime | None = _ts()  # type: ignore[assignment]
    closed_at: datetime | None = _ts()  # type: ignore[assignment]
    resolution_message: str | None = Field(default=None, sa_column=Column(Text))
    version: int = 1
    # rules.search_key(name, sector, detail), written with the ticket: free-text search matches
    # it, so "lopez" and "LÓPEZ" find "López" on every engine (SQLite's lower() is ASCII-only
    # and neither engine ignores accents).
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Note(SQLModel, table=True):
    """A private internal note. Never sent to the requester, by construction: no code path
    reads this table to build an outbound message."""

    __table_args__ = (Index("ix_note_ticket", "ticket_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))


class Attachment(SQLModel, table=True):
    """A file the requester sent while describing the problem (WhatsApp media)."""

    __table_args__ = (Index("ix_attachment_ticket", "ticket_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    media_id: str = Field(max_length=128)
    media_type: str = Field(max_length=16)  # image | document | audio | video
    mime_type: str | None = Field(default=None, max_length=128)
    filename: str | None = Field(default=None, max_length=255)
    caption: str | None = Field(default=None, sa_column=Column(Text))
    sha256: str | None = Field(default=None, max_length=128)
    path: str | None = Field(default=None, max_length=1024)
    size: int | None = None
    state: str = Field(default="pending", max_length=16)  # pending | downloaded | failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Task(SQLModel, table=True):
    """A daily task on a unit's board."""

    __table_args__ = (Index("ix_task_unit_date", "unit_code", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    day: date
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    done_at: datetime | None = _ts()  # type: ignore[assignment]
    done_by_id: int | None = Field(default=None, foreign_key="user.id")


class Activity(SQLModel, table=True):
    """Append-only log of every change. ``unit_code`` is the unit the subject was in when it
    happened (for a status change: the ticket's unit at closing time), so statistics read
    history from here and later moves never rewrite it."""

    __table_args__ = (
        Index("ix_activity_ticket", "ticket_id", "id"),
        Index("ix_activity_unit", "unit_code", "id"),
        Index("ix_activity_other_unit", "other_unit_code", "id"),
        # ticket_id last: the statistics join closes to their tickets from the index alone.
        Index("ix_activity_kind_at", "kind", "at", "after", "unit_code", "actor_id", "ticket_id"),
        Index("ix_activity_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    kind: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    unit_code: str | None = Field(default=None, max_length=32)
    other_unit_code: str | None = Field(default=None, max_length=32)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    before: str | None = Field(default=None, max_length=64)
    after: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, sa_column=Column(Text))


class Sector(SQLModel, table=True):
    """The hospital's sectors, offered by the bot (free text is still accepted)."""

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=200)
    active: bool = True


# ---- WhatsApp bot persistence (written by the bot, kept here so core owns the schema) ----


class InboundEvent(SQLModel, table=True):
    """A webhook item stored durably before the 200. ``event_key`` dedupes redeliveries."""

    __tablename__ = "inbound_event"
    __table_args__ = (Index("ix_inbound_pending", "processed_at", "sender", "timestamp", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)  # message | status
    sender: str = Field(default="", max_length=64)
    timestamp: int = 0
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    processed_at: datetime | None = _ts()  # type: ignore[assignment]
    error: str | None = Field(default=None, sa_column=Column(Text))


class Conversation(SQLModel, table=True):
    """The intake conversation state of one requester (survives restarts)."""

    wa_id: str = Field(primary_key=True, max_length=64)
    step: str = Field(max_length=32)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Requester(SQLModel, table=True):
    """What we remember of a WhatsApp requester between tickets."""

    wa_id: str = Field(primary_key=True, max_length=64)
    profile_name: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    sector: str | None = Field(default=None, max_length=200)
    extension: str | None = Field(default=None, max_length=32)
    last_inbound_at: datetime | None = _ts()  # type: ignore[assignment]
    send_to: str | None = Field(default=None, max_length=32)  # the phone form that worked


class OutboundMessage(SQLModel, table=True):
    """Transactional outbox: written in the same transaction as the change that causes it,
    delivered later by the bot's sender."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_due", "state", "next_attempt_at"),
        Index("ix_outbound_ticket", "ticket_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    to_wa_id: str = Field(max_length=64)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    purpose: str = Field(max_length=32)  # reply | ticket_created | ticket_resolved | ticket_rejected
    body: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    state: str = Field(default="queued", max_length=16)  # queued|sent|delivered|read|failed|dead
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    wamid: str | None = Field(default=None, max_length=200, unique=True)
    used_template: bool = False
    last_error_code: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = _ts()  # type: ignore[assignment]


# --------------------------------------------------------------------------- statistics rollups
# Derived from the activity log, rebuildable at any time (``iticket stats rebuild``), and kept up
# to date by every write that logs a counted event, in the same transaction (see
# services/stats_rollup.py). They exist so a one-year report at a million tickets reads a few
# thousand pre-grouped rows instead of millions of log entries.


class StatRollup(SQLModel, table=True):
    """The one row saying the rollups are built, and in which zone their local days are cut.
    No row: the rollups are not maintained and statistics read the raw log."""

    __tablename__ = "stat_rollup"
    id: int = Field(default=1, primary_key=True)
    timezone: str = Field(max_length=64)
    built_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class StatDaily(SQLModel, table=True):
    """Closing and first-assignment events per local day, unit (at the event) and actor."""

    __tablename__ = "stat_daily"
    metric: str = Field(primary_key=True, max_length=16)  # resolved | rejected | first_assigned
    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD in StatRollup.timezone
    unit_code: str = Field(primary_key=True, max_length=32)
    actor_id: int = Field(primary_key=True)  # 0: no actor
    n: int = 0


class StatHourly(SQLModel, table=True):
    """Tickets created per local day, local hour and unit."""

    __tablename__ = "stat_hourly"
    day: str = Field(primary_key=True, max_length=10)
    hour: int = Field(primary_key=True)
    unit_code: str = Field(primary_key=True, max_length=32)
    n: int = 0


class StatSector(SQLModel, table=True):
    """Created, resolved and rejected events per local day, requester sector and unit."""

    __tablename__ = "stat_sector"
    day: str = Field(primary_key=True, max_length=10)
    sector: str = Field(primary_key=True, max_length=200)
    unit_code: str = Field(primary_key=True, max_length=32)
    metric: str = Field(primary_key=True, max_length=16)  # created | resolved | rejected
    n: int = 0


class StatDuration(SQLModel, table=True):
    """One row per measured duration (first assignment, resolution), at the event's instant.
    Percentiles walk ``ix_stat_duration_rank`` in duration order and stop at the wanted rank, so
    they stay exact without sorting a year of rows."""

    __tablename__ = "stat_duration"
    __table_args__ = (Index("ix_stat_duration_rank", "kind", "unit_code", "minutes", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # first_assignment | resolution
    unit_code: str = Field(max_length=32)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    minutes: float


# --------------------------------------------------------------------------- public schemas


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class Actor(_Public):
    """Who is acting: what the policy needs to decide, nothing more."""

    id: int
    username: str
    full_name: str
    unit: str
    role: Role
    must_change_password: bool = False


class UnitPublic(_Public):
    code: str
    name: str


class UserPublic(_Public):
    id: int
    username: str
    full_name: str
    unit: str
    role: Role
    active: bool
    must_change_password: bool


class RequesterInfo(_Public):
    name: str
    sector: str
    extension: str
    phone: str | None


class TicketPublic(_Public):
    id: int
    status: Status
    unit: str
    assignee: str | None
    requester: RequesterInfo
    detail: str
    created_at: datetime
    updated_at: datetime
    first_assigned_at: datetime | None
    closed_at: datetime | None
    resolution_message: str | None
    version: int


class NotePublic(_Public):
    id: int
    ticket_id: int
    author: str
    created_at: datetime
    text: str


class AttachmentPublic(_Public):
    id: int
    media_type: str
    mime_type: str | None
    filename: str | None
    caption: str | None
    path: str | None
    state: str


class ActivityPublic(_Public):
    id: int
    at: datetime
    kind: ActivityKind
    actor: str | None
    ticket_id: int | None
    unit: str | None
    other_unit: str | None
    user: str | None
    before: str | None
    after: str | None
    detail: str | None


class TicketDetail(_Public):
    ticket: TicketPublic
    notes: list[NotePublic]
    activity: list[ActivityPublic]
    attachments: list[AttachmentPublic]


class TaskPublic(_Public):
    id: int
    unit: str
    day: date
    text: str
    author: str
    created_at: datetime
    done: bool
    done_at: datetime | None
    done_by: str | None


class TokenPublic(_Public):
    id: int
    owner: str
    name: str
    kind: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
