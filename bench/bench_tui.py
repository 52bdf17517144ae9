"""Time the TUI on a big database: start to an interactive dashboard, and the tickets screen's
reaction to a filter change.

    uv run python bench/bench_tui.py --db bench/data/1m.db [--runs 10] [--json]

Contract: the real program on the real database, nothing mocked. Targets from the issue:
start → interactive dashboard < 1.5 s, filter change → new rows on screen < 100 ms.

- **start** (the headline): the installed ``iticket`` executable, no arguments, started on a
  pseudo-terminal (120×40) as a person would: seconds from the process start to the login
  screen painted, then the credentials of a real agent are typed (the username, and once it
shows, Enter, the password and Enter in one burst, as over SSH), then to the
  dashboard painted (``dashboard_frame``: its keys work, the data fills in) and to the
  dashboard holding the unit's real counts (``dashboard_data``, the figure held to the target).
  The typing itself is left out (start → login painted, plus Enter → dashboard). The password
  check (argon2, deliberately ~0.1–0.3 s) is inside. Python's bytecode cache is on, in a
  private folder, as for any installed program (``child_env``); one run without it is shown
  too, since a shell with ``PYTHONDONTWRITEBYTECODE=1`` compiles every module on every start.
  A first run warms the caches and is not counted.
- Breakdown of the start: ``import_s`` (fresh process, what the no-argument start imports),
  ``login_hash_s``, and ``in_process_dashboard_s`` (Pilot, headless: app start, sign-in
  without the password check, dashboard data shown).
- **filter**: Pilot on the tickets screen as a real admin and a real agent: change the status
  filter (and the unit filter for admins) from a settled screen, and time the change until the
  new first page is in the table (``landed``) and until the first frame painted with it
  (``painted``, the figure held to the target; the compositor's frame is computed in full
  headless, only the write to a terminal is skipped). CPU time of the process alongside.
- ``loadavg_1m`` is printed with the figures: on a shared machine they scale with its load.
The database is only read (an older schema is refused: the executable would migrate it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select  # noqa: E402

from iticket.core.db import SCHEMA_REVISION, Database  # noqa: E402
from iticket.core.models import Actor, Role, Status, User  # noqa: E402
from iticket.core.passwords import hash_password, verify_password  # noqa: E402
from iticket.core.services import tickets, users  # noqa: E402

START_TARGET_S = 1.5
FILTER_TARGET_MS = 100.0


def actor(db: Database, *, role: Role, unit: str = "helpdesk") -> Actor:
    with db.read() as session:
        user = session.exec(select(User).where(User.role == role, User.unit_code == unit,
                                               User.active == True)).first()  # noqa: E712
    assert user is not None and user.id is not None, f"no {role} in {unit}"
    return Actor(id=user.id, username=user.username, full_name=user.full_name, unit=user.unit_code,
                 role=Role(user.role))


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_X][^\x1b]*\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>78cM]")


class Terminal:
    """The real ``iticket`` executable on a pseudo-terminal of a given size: what it printed
    (escape sequences removed) and a way to type into it."""

    def __init__(self, argv: list[str], env: dict[str, str], *, size: tuple[int, int]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.text = ""
        self._decoder = __import__("codecs").getincrementaldecoder("utf-8")("replace")

    def wait_for(self, found: Callable[[str], bool], *, since: int = 0, timeout: float = 30.0) -> float:
        """Seconds since the process started at which ``found(text printed since `since`)``."""
        import select

        deadline = time.perf_counter() + timeout
        while not found(self.text[since:]):
            left = deadline - time.perf_counter()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError(f"iticket did not show what was awaited; last output:\n{self.text[-800:]}")
            ready, _w, _x = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 1 << 16)
                except OSError:  # the child closed the terminal
                    continue
                self.text += _ANSI.sub("", self._decoder.decode(chunk))
        return time.perf_counter() - self.started

    def type(self, keys: str) -> float:
        os.write(self.master, keys.encode())
        return time.perf_counter() - self.started

    def close(self) -> None:
        """Ctrl+Q, reading what it prints meanwhile (a full terminal would block its exit)."""
        import select

        if self.proc.poll() is None:
            self.type("\x11")
        deadline = time.perf_counter() + 5
        while self.proc.poll() is None and time.perf_counter() < deadline:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    os.read(self.master, 1 << 16)
                except OSError:
                    break
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def child_env(db_path: Path, *, bytecode: bool) -> dict[str, str]:
    """The environment of a measured child. ``bytecode``: Python's compiled-module cache is
    used, as for any installed program (pip compiles at install, Python caches on first run);
    it lives in a private folder (``PYTHONPYCACHEPREFIX``) so neither the virtualenv nor the
    tree is written. Without it every module is compiled from source on every start, which is
    what a shell with ``PYTHONDONTWRITEBYTECODE=1`` and no ``__pycache__`` measures."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITICKET_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = Path(tempfile.gettempdir()) / ("iticket-bench-pyc" if bytecode else f"iticket-bench-nopyc-{os.getpid()}")
    env.update(ITICKET_DATABASE_URL=f"sqlite:///{db_path.resolve()}", ITICKET_LANG="en",
               TERM="xterm-256color", PYTHONPYCACHEPREFIX=str(cache))
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def process_start(db_path: Path, username: str, password: str, counts: list[int], *,
                  bytecode: bool = True, size: tuple[int, int] = (120, 40)) -> dict[str, float]:
    """The real ``iticket`` executable, started with no arguments on a terminal: seconds from
    the process start to the login screen painted, and to the dashboard painted and holding the
    unit's counts after the credentials are typed. The typing is sent at once the login screen
    is painted, and the totals leave the typing out: start → login screen + Enter → dashboard."""
    exe = Path(sys.executable).with_name("iticket")
    term = Terminal([str(exe)], child_env(db_path, bytecode=bytecode), size=size)
    try:
        login = term.wait_for(lambda text: "Log in" in text)
        mark = len(term.text)
        # The username first, until it shows (the field has the focus: keys sent before that
        # would be lost, as for a person typing before the screen is there), then the rest.
        typed = term.type(username)
        term.wait_for(lambda text: username in text, since=mark)
        term.type(f"\r{password}\r")
        frame = term.wait_for(lambda text: "Recent activity" in text, since=mark)
        patterns = [re.compile(rf"(?<![\d#]){n}(?!\d)") for n in counts]
        data = term.wait_for(lambda text: all(p.search(text) for p in patterns), since=mark)
    finally:
        term.close()
    return {"login_screen": login, "dashboard_frame": login + frame - typed,
            "dashboard_data": login + data - typed}


def import_seconds(db_path: Path) -> float:
    """What the no-argument ``iticket`` imports before the login screen, in a fresh process
    (bytecode cached)."""
    code = ("import time; t=time.perf_counter(); import iticket.cli.main, iticket.tui.app, "
            "iticket.tui.screens.login_screen; print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=child_env(db_path, bytecode=True))
    return float(out.stdout.strip())


def hash_seconds() -> float:
    stored = hash_password("bench-password")
    start = time.perf_counter()
    verify_password(stored, "bench-password")
    return time.perf_counter() - start


async def _until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no {what} within {timeout} s")
        await asyncio.sleep(0.0005)


async def _idle(app: Any, pilot: Any) -> None:
    while any(w.is_running and w.group != "feed" for w in app.workers):
        await asyncio.sleep(0.001)
    await pilot.pause()


async def dashboard_start(db: Database, who: Actor) -> tuple[float, float]:
    """App start → signed in → dashboard data on screen: (wall s, CPU s of this process)."""
    from iticket.tui.app import create_app
    from iticket.tui.screens.dashboard_screen import DashboardScreen

    start, cpu = time.perf_counter(), time.process_time()
    app = create_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        app.units = users.list_units(db)
        app.signed_in(who)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await _idle(app, pilot)
        assert str(screen.query_one("#count-pending").render()) != "…"
        return time.perf_counter() - start, time.process_time() - cpu


async def filter_changes(db: Database, who: Actor, runs: int,
                         size: tuple[int, int] = (120, 40)) -> list[tuple[str, float, float, float]]:
    """(filter, ms to the new first page in the table, ms to the first frame painted with it,
    CPU ms of this process) for every change, ``runs`` rounds.

    Each change starts from a settled screen (the previous change's query, rows and repaint all
    done), as when a person picks a filter and reads the result. "Painted" is the first frame
    the compositor produced after the rows landed (``App._display`` is watched: headless, the
    frame is computed in full and only the write to a terminal is skipped). CPU time is the
    figure a busy shared machine cannot inflate."""
    from textual.widgets import Select

    from iticket.tui.app import create_app
    from iticket.tui.screens.tickets_screen import TicketsScreen

    app = create_app(db)
    frames: list[tuple[float, int]] = []  # (when, answers in the table by then)
    display = app._display

    def watched(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            frames.append((time.perf_counter(), getattr(screen, "pages_shown", 0)))

    app._display = watched  # type: ignore[method-assign]
    timings: list[tuple[str, float, float, float]] = []
    async with app.run_test(size=size) as pilot:
        app.units = users.list_units(db)
        app.signed_in(who)
        await _idle(app, pilot)
        app.action_go("tickets")
        await _idle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TicketsScreen)
        changes = [("status", v) for v in ("pending", "in_progress", "resolved", "rejected", "all", "open")]
        if who.role == Role.ADMIN:
            changes += [("unit", "soporte"), ("unit", "all")]
        for _round in range(runs):
            for widget, value in changes:
                await _idle(app, pilot)
                before = screen.pages_shown
                start, cpu = time.perf_counter(), time.process_time()
                screen.query_one(f"#{widget}", Select).value = value
                seen = len(frames)
                await _until(lambda b=before: screen.pages_shown != b, f"rows for {widget}={value}")
                landed = time.perf_counter()
                await _until(lambda b=before, s=seen: any(n > b for _t, n in frames[s:]),
                             f"a frame for {widget}={value}")
                painted = next(t for t, n in frames[seen:] if n > before)
                timings.append((f"{widget}={value}", (landed - start) * 1000,
                                (painted - start) * 1000, (time.process_time() - cpu) * 1000))
                assert screen._rows, f"no rows for {widget}={value}"
    return timings


def summary(values: list[float], digits: int = 1) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered), digits),
            "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], digits),
            "max": round(ordered[-1], digits)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="SQLite file (see bench/generate.py)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--password", default="agente-bench",
                        help="the agents' password in the database (bench/generate.py sets this one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist: build it with bench/generate.py")
    db = Database(f"sqlite:///{args.db}")
    with db.engine.connect() as conn:  # the executable would migrate an older file: never here
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if revision != SCHEMA_REVISION:
        parser.error(f"{args.db} is at schema {revision}, not {SCHEMA_REVISION}: regenerate it")
    admin, agent = actor(db, role=Role.ADMIN), actor(db, role=Role.AGENT, unit="soporte")
    by_status = tickets.count_by_status(db, actor=agent, unit=agent.unit)
    counts = [by_status.get(s, 0) for s in (Status.PENDING, Status.IN_PROGRESS, Status.RESOLVED)]

    process_start(args.db, agent.username, args.password, counts)  # fills the caches: not counted
    runs = [process_start(args.db, agent.username, args.password, counts) for _ in range(args.runs)]
    cold = process_start(args.db, agent.username, args.password, counts, bytecode=False)
    measured = [asyncio.run(dashboard_start(db, admin)) for _ in range(args.runs)]
    results: dict[str, Any] = {
        "loadavg_1m": round(os.getloadavg()[0], 2),  # figures scale with a busy machine
        "start_login_screen_s": summary([r["login_screen"] for r in runs], 3),
        "start_dashboard_frame_s": summary([r["dashboard_frame"] for r in runs], 3),
        "start_dashboard_data_s": summary([r["dashboard_data"] for r in runs], 3),
        "start_no_bytecode_s": {k: round(v, 3) for k, v in cold.items()},
        "start_target_s": START_TARGET_S,
        "import_s": round(import_seconds(args.db), 3),
        "login_hash_s": round(hash_seconds(), 3),
        "in_process_dashboard_s": summary([wall for wall, _cpu in measured], 3),
        "in_process_dashboard_cpu_s": summary([cpu for _wall, cpu in measured], 3),
    }
    for name, who in (("admin", admin), ("agent", agent)):
        timings = asyncio.run(filter_changes(db, who, args.runs))
        per: dict[str, list[float]] = {}
        for label, _landed, painted, _cpu in timings:
            per.setdefault(label, []).append(painted)
        results[f"filter_landed_ms_{name}"] = summary([landed for _l, landed, _p, _c in timings])
        results[f"filter_painted_ms_{name}"] = summary([painted for _l, _x, painted, _c in timings])
        results[f"filter_cpu_ms_{name}"] = summary([cpu for _l, _x, _p, cpu in timings])
        results[f"filter_painted_ms_{name}_by_change"] = {k: summary(v)["median"] for k, v in per.items()}
    results["filter_target_ms"] = FILTER_TARGET_MS
    db.dispose()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:34} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
