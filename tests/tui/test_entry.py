"""The real ``iticket`` executable, no arguments: on a pseudo-terminal it opens the TUI (the
console entry's fast path, without Typer), and a login typed as one burst lands on the
dashboard; a missing or empty database is reported in one line, as by the full command line."""

from __future__ import annotations

import codecs
import os
import re
import select
import subprocess
import time
from pathlib import Path

from tests.conftest import Cli

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_X][^\x1b]*\x1b\\|\x1b.")


class Terminal:
    """A process on a pty: the text it printed (escape sequences removed), and typing."""

    def __init__(self, argv: list[str], env: dict[str, str], *, size: tuple[int, int]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.text = ""
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode

    def read(self, timeout: float) -> None:
        if select.select([self.master], [], [], timeout)[0]:
            try:
                self.text += _ESCAPES.sub("", self._decode(os.read(self.master, 1 << 16)))
            except OSError:  # the child closed the terminal
                time.sleep(timeout)

    def wait_for(self, wanted: str, *, since: int = 0, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while wanted not in self.text[since:]:
            assert self.proc.poll() is None, f"iticket exited ({self.proc.returncode}): {self.text[-600:]}"
            assert time.monotonic() < deadline, f"no {wanted!r} on screen: {self.text[-600:]}"
            self.read(0.2)
        return len(self.text)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
        code = self.proc.wait()
        os.close(self.master)
        return code


def test_plain_iticket_opens_the_tui_and_a_burst_login_reaches_the_dashboard(cli: Cli) -> None:
    term = Terminal([cli.executable], {**cli.env, "TERM": "xterm-256color"}, size=(100, 30))
    try:
        mark = term.wait_for("Log in")
        term.type("ana")
        mark = term.wait_for("ana", since=mark)  # the field has the focus
        term.type("\rana-secreta-1\r")  # Enter, password, Enter in one read, as over SSH
        term.wait_for("Recent activity", since=mark)
        term.type("\x11")  # ctrl+q
    finally:
        code = term.close()
    assert code == 0


def test_plain_iticket_on_a_missing_or_empty_database_says_so_in_one_line(cli: Cli, tmp_path: Path) -> None:
    missing = cli(env={"ITICKET_DATABASE_URL": f"sqlite:///{tmp_path / 'nowhere.db'}"})
    assert missing.code == 1 and "nowhere.db" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr
    (tmp_path / "empty.db").touch()
    empty = cli("tui", env={"ITICKET_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert empty.code == 5 and "iticket init" in empty.stderr
    assert len(empty.stderr.strip().splitlines()) == 1
