"""Pure ticket rules: which status changes are allowed, and what each one leads to."""

from __future__ import annotations

import re
import unicodedata

from iticket.core.errors import Conflict, ValidationError
from iticket.core.i18n import _
from iticket.core.models import Status

MAX_NOTE = 10_000
MAX_DETAIL = 10_000
MAX_MESSAGE = 1_000


def status_label(status: Status | str) -> str:
    labels = {
        Status.PENDING: _("pending"),
        Status.IN_PROGRESS: _("in progress"),
        Status.RESOLVED: _("resolved"),
        Status.REJECTED: _("rejected"),
    }
    return labels.get(Status(status), str(status))


def _closed(ticket_id: int, status: Status) -> Conflict:
    return Conflict(
        _("Ticket #{id} is {status}; reopen it first.").format(
            id=ticket_id, status=status_label(status)
        )
    )


def check_assign(ticket_id: int, status: Status) -> Status:
    """Assigning a user makes an open ticket ``in_progress``."""
    if not status.is_open:
        raise _closed(ticket_id, status)
    return Status.IN_PROGRESS


def check_unassign(ticket_id: int, status: Status, has_assignee: bool) -> Status:
    if not status.is_open:
        raise _closed(ticket_id, status)
    if not has_assignee:
        raise Conflict(_("Ticket #{id} is not assigned to anyone.").format(id=ticket_id))
    return Status.PENDING


def check_route(ticket_id: int, status: Status) -> Status:
    """Routing to a unit leaves the ticket unassigned, so it waits as ``pending`` there."""
    if not status.is_open:
        raise _closed(ticket_id, status)
    return Status.PENDING


def check_close(ticket_id: int, status: Status, target: Status) -> Status:
    if not status.is_open:
        raise Conflict(
            _("Ticket #{id} is already {status}.").format(id=ticket_id, status=status_label(status))
        )
    return target


def check_reopen(ticket_id: int, status: Status) -> Status:
    if status.is_open:
        raise Conflict(
            _("Ticket #{id} is {status}, not closed.").format(
                id=ticket_id, status=status_label(status)
            )
        )
    return Status.PENDING


# C0/C1 control characters except tab and newline: terminal escape sequences typed by a
# requester must never reach a staff terminal, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
EXTENSION_RE = re.compile(r"^\d{2,6}$")


def sanitize(value: str) -> str:
    """Drop control characters (keeps newlines and tabs); CRLF becomes LF."""
    return _CONTROL.sub("", value.replace("\r\n", "\n"))


def clean_extension(value: str | None) -> str:
    """An internal phone extension: 2 to 6 digits (the same rule the WhatsApp bot asks for)."""
    text = sanitize(value or "").strip()
    if not EXTENSION_RE.match(text):
        raise ValidationError(_("The extension must be 2 to 6 digits."))
    return text


def clean_text(value: str | None, *, what: str, max_len: int, required: bool = True) -> str:
    """Strip, sanitize and bound a free-text field; ``what`` is the already translated field
    name."""
    text = sanitize(value or "").strip()
    if required and not text:
        raise ValidationError(_("{what} cannot be empty.").format(what=what))
    if len(text) > max_len:
        raise ValidationError(
            _("{what} is too long ({n} characters, at most {max}).").format(
                what=what, n=len(text), max=max_len
            )
        )
    return text


def fold(text: str) -> str:
    """Text as people search it: case, accents and spacing ignored (``" Soporte  TÉCNICO "`` ->
    ``"soporte tecnico"``, ``"LÓPEZ"`` -> ``"lopez"``, ``"Peña"`` -> ``"pena"``). One definition for
    unit names, ticket search and anything else matched the way a person types it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def search_key(name: str, sector: str, detail: str) -> str:
    """What free-text search matches for a ticket (``Ticket.search_text``): the requester's name,
    sector and the detail, each folded, one per line so a search never spans two of them."""
    return "\n".join(fold(part) for part in (name, sector, detail))
