"""Domain errors. Every front end maps these, and only these, to its own way of saying no
(exit codes in the CLI, notifications in the TUI, HTTP statuses in the bot)."""

from __future__ import annotations


class ITicketError(Exception):
    """Base of all expected, user-facing errors. ``code`` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ITicketError):
    code = "invalid"


class NotAuthenticated(ITicketError):
    code = "not_authenticated"


class PermissionDenied(ITicketError):
    code = "permission_denied"


class NotFound(ITicketError):
    code = "not_found"


class Conflict(ITicketError):
    """A stale version or a transition the ticket's status does not allow."""

    code = "conflict"


class StaleVersion(Conflict):
    """Someone else changed the ticket since the caller read it (the compare-and-set failed).
    Same exit code and error code as any conflict; front ends may say it differently."""


class AccountLocked(NotAuthenticated):
    code = "locked"


class DatabaseUnavailable(ITicketError):
    """The database cannot be opened or reached (a setting or the environment, not a bug)."""

    code = "database"
