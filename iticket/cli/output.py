"""Console, exit codes and the one place core errors become exit codes and messages.

stdout is data, stderr is talk. With ``--json`` exactly one JSON document goes to stdout, and an
error is ``{"error": {"code", "message"}}`` on stderr.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import IntEnum
from typing import IO, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console

from iticket.core import errors
from iticket.core.i18n import _


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich's own handling exits 1; a closed pipe is the same quiet 141 everywhere."""
        pipe_closed()


out = _Console(soft_wrap=True, highlight=False)
if not out.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
    # A file or a pipe has no width; Rich would assume 80 and cut table cells ("Reso…") that a
    # script or grep then never sees. Tables keep their natural width (nothing here expands).
    out.width = 1000
err = _Console(stderr=True, soft_wrap=True, highlight=False)


class Exit(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_AUTHENTICATED = 3
    PERMISSION_DENIED = 4
    NOT_FOUND = 5
    CONFLICT = 6
    INTERRUPTED = 130  # Ctrl-C, as the shell reports a SIGINT death
    PIPE_CLOSED = 141  # the reader went away (``| head``), as the shell reports a SIGPIPE death


_CODES: list[tuple[type[errors.ITicketError], Exit]] = [
    (errors.NotAuthenticated, Exit.NOT_AUTHENTICATED),
    (errors.PermissionDenied, Exit.PERMISSION_DENIED),
    (errors.NotFound, Exit.NOT_FOUND),
    (errors.Conflict, Exit.CONFLICT),
    (errors.ValidationError, Exit.USAGE),
    (errors.DatabaseUnavailable, Exit.UNEXPECTED),
]


def exit_code_for(exc: errors.ITicketError) -> Exit:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return Exit.UNEXPECTED


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return to_jsonable(value.model_dump())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def fail(code: Exit, message: str, *, as_json: bool, error_code: str | None = None) -> NoReturn:
    if as_json:
        sys.stderr.write(
            json.dumps({"error": {"code": error_code or code.name.lower(), "message": message}},
                       ensure_ascii=False) + "\n"
        )
    else:
        err.print(_("Error: {message}").format(message=message), markup=False)
    raise typer.Exit(int(code))


def pipe_closed() -> NoReturn:
    """Whoever read stdout went away (``iticket stats --by day | head``): stop quietly, as Unix
    tools do. stdout is pointed at /dev/null first so the interpreter's last flush cannot
    complain a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise typer.Exit(int(Exit.PIPE_CLOSED))


@contextmanager
def stdout_text(encoding: str) -> Iterator[IO[str]]:
    """stdout as text in ``encoding`` without newline translation (CSV writes its own CRLF),
    for data that is not Rich output; a reader that went away ends the command quietly."""
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        pipe_closed()  # stdout is /dev/null from here: the detach below flushes harmlessly
    finally:
        stream.detach()


@contextmanager
def handled(as_json: bool) -> Iterator[None]:
    """Turn expected errors into one line and an exit code; never a traceback for user mistakes."""
    from sqlalchemy import exc as sa_exc

    try:
        yield
    except errors.ITicketError as exc:
        fail(exit_code_for(exc), exc.message, as_json=as_json, error_code=exc.code)
    except BrokenPipeError:
        pipe_closed()
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
        fail(Exit.USAGE, _("Invalid database URL: {error}").format(error=_first_line(exc)),
             as_json=as_json, error_code="invalid")
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        fail(Exit.UNEXPECTED, _("Cannot use{where}: {error}").format(where=where, error=exc.strerror or exc),
             as_json=as_json, error_code="io")
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        fail(Exit.UNEXPECTED, _("Cannot use the database: {error}").format(error=_first_line(exc.orig or exc)),
             as_json=as_json, error_code="database")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__
