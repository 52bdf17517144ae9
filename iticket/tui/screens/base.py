"""``DataScreen``: the base of every screen that reads or writes the database.

Database calls never run on the UI thread: ``run_db`` runs a function in a thread worker and
hands its result to a callback on the UI thread. Errors land in one place
(``on_worker_state_changed``): expected ones (``ITicketError``) become an error notification
(or the caller's ``on_error``), anything else is shown too instead of killing the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from iticket.core.errors import ITicketError
from iticket.core.i18n import _
from iticket.tui.messages import DataChanged

if TYPE_CHECKING:
    from iticket.tui.app import ITicketApp

T = TypeVar("T")
ErrorHandler = Callable[[BaseException], None]


CELL_PADDING = 1  # DataTable's default, on each side of every cell (screens sizing columns)


class DataScreen(Screen[None]):
    """Loads in workers; ``reload()`` runs on mount (override ``on_mount`` to call it), when the
    screen is shown again, and when the data changed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown_once = False
        self._db_callbacks: dict[Worker[Any], tuple[Callable[[Any], None], ErrorHandler | None]] = {}

    @property
    def itapp(self) -> ITicketApp:
        return self.app  # type: ignore[return-value]

    def reload(self) -> None:
        """Fetch what the screen shows (override)."""

    def leave(self, then: Callable[[], None]) -> None:
        """Every way out of the screen (F-keys, Ctrl+Q, Escape) calls ``then`` through this, so a
        screen holding unsaved input can ask first (override); by default nothing is at stake."""
        then()

    def on_screen_resume(self) -> None:
        # The first resume follows on_mount's own reload: loading twice would double the start.
        if self._shown_once:
            self.reload()
        self._shown_once = True

    def on_data_changed(self, _message: DataChanged) -> None:
        self.reload()

    def run_db(
        self,
        fn: Callable[[], T],
        then: Callable[[T], None],
        *,
        group: str = "load",
        exclusive: bool = True,
        on_error: ErrorHandler | None = None,
    ) -> Worker[T]:
        worker: Worker[T] = self.run_worker(
            fn, thread=True, group=group, exclusive=exclusive, exit_on_error=False
        )
        self._db_callbacks[worker] = (then, on_error)  # type: ignore[assignment]
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        entry = self._db_callbacks.get(event.worker)
        if entry is None or event.state not in (
            WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED
        ):
            return
        del self._db_callbacks[event.worker]
        then, on_error = entry
        if event.state == WorkerState.SUCCESS:
            then(event.worker.result)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            (on_error or self.show_error)(event.worker.error)

    def show_error(self, error: BaseException) -> None:
        if isinstance(error, ITicketError):
            self.notify(error.message, severity="error", timeout=6)
        else:  # a bug or a lost database: say so, keep the app alive
            self.notify(_("Unexpected error: {error}").format(error=error), severity="error", timeout=10)
