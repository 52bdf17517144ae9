"""Small pieces every command module uses: options, the actor, parsing dates and stdin."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from typing import TypeVar

import typer

from iticket.cli.context import AppContext
from iticket.cli.output import err
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.models import Actor, Role

JSON_HELP = "Print one JSON document on stdout."
E = TypeVar("E", bound=StrEnum)
MAX_ID = 2**63 - 1  # the largest id either database can store


def id_argument(metavar: str = "N") -> int:
    """A ticket/task/token number: a positive 64-bit integer (anything else is a usage error)."""
    return typer.Argument(..., metavar=metavar, min=1, max=MAX_ID)  # type: ignore[no-any-return]


def json_option() -> bool:
    return typer.Option(False, "--json", help=JSON_HELP)  # type: ignore[no-any-return]


def ctx_of(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


def actor_of(ctx: typer.Context) -> Actor:
    actor = ctx_of(ctx).actor()
    if actor.must_change_password and actor.role != Role.BOT:
        err.print(
            _("Warning: your password is a default or was reset; change it with 'iticket users passwd'."),
            markup=False,
        )
    return actor


def parse_date(value: str | None, *, what: str = "--date") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            _("Invalid date for {opt}: '{value}' (use YYYY-MM-DD).").format(opt=what, value=value)
        ) from None


def text_or_stdin(value: str) -> str:
    """``-`` reads the text from standard input (multi-line notes from scripts)."""
    if value == "-":
        return sys.stdin.read()
    return value


def read_password(prompt: str, *, from_stdin: bool, confirm: bool = False) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ValidationError(_("No password on standard input."))
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ValidationError(_("No terminal to ask for the password; use --password-stdin."))
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)  # type: ignore[no-any-return]


def choice(enum: type[E], value: str, option: str) -> E:
    """One of ``enum``'s values, in any case; anything else is a usage error naming them."""
    try:
        return enum(value.strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ValidationError(
            _("Invalid value for {opt}: '{value}' (use {allowed}).").format(opt=option, value=value, allowed=allowed)
        ) from None


def format_choice(enum: type[E], value: str | None, *, as_json: bool, default: E) -> E:
    """``--format``, with ``--json`` as its shorthand: every command takes ``--json``, and the
    commands that also write tables or CSV must not let the two disagree silently."""
    if value is None:
        return enum("json") if as_json else default
    kind = choice(enum, value, "--format")
    if as_json and kind.value != "json":
        raise ValidationError(_("--json cannot be combined with --format {fmt}.").format(fmt=kind.value))
    return kind
