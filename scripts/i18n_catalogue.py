"""Extract, merge and check the staff-facing gettext catalogue (``iticket`` domain).

    uv run python scripts/i18n_catalogue.py update   # refresh locale/es/.../iticket.po from the code
    uv run python scripts/i18n_catalogue.py check    # exit 1 on a missing/bad translation

Extraction reads every ``_("…")`` / ``ngettext("…", "…", n)`` call in ``iticket/`` (core, cli,
tui; the bot's requester texts live in its own Spanish catalogue and are not here) with Python's
own parser, which is exact about string literals and their encoding (GNU xgettext 0.21 drops
non-ASCII characters such as "→" or "—" from Python msgids). A call whose message is not a plain
literal (an f-string, a variable) is reported, because gettext could never translate it.
Compiling stays with the standard ``msgfmt`` (see ``update_translations.sh``).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "iticket"
EXCLUDE = ("bot",)  # requester-facing texts: the bot's own catalogue
PO_PATH = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "iticket.po"
MO_PATH = PO_PATH.with_suffix(".mo")
HEADER = (
    'msgid ""\nmsgstr ""\n'
    '"Project-Id-Version: iticket\\n"\n'
    '"PO-Revision-Date: 2026-12-03 00:00+0000\\n"\n'
    '"Last-Translator: iTicket team\\n"\n'
    '"Language-Team: Spanish (Argentina, neutral)\\n"\n'
    '"Language: es\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
)
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


@dataclass
class Extracted:
    messages: dict[str, list[str]] = field(default_factory=dict)  # msgid -> ["path:line", ...]
    problems: list[str] = field(default_factory=list)


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if p.relative_to(PACKAGE).parts[0] not in EXCLUDE and "migrations" not in p.parts)


def extract() -> Extracted:
    out = Extracted()
    for path in source_files():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name = node.func.id
            if name not in ("_", "ngettext") or not node.args:
                continue
            count = 2 if name == "ngettext" else 1
            for arg in node.args[:count]:
                where = f"{rel}:{node.lineno}"
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    out.messages.setdefault(arg.value, []).append(where)
                else:
                    out.problems.append(f"{where}: {name}() needs a string literal, not {type(arg).__name__}")
    return out


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a PO string literal is a valid Python string literal here


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def read_po(path: Path = PO_PATH) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy); the header is left out."""
    entries: dict[str, tuple[str, bool]] = {}
    if not path.exists():
        return entries
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    fuzzy = False
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None and "".join(msgid):
            entries["".join(msgid)] = ("".join(msgstr), fuzzy)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            msgid = msgstr = current = None
            fuzzy = False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            msgid, current = [_unquote(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [_unquote(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(_unquote(line))
    return entries


def write_po(messages: dict[str, list[str]], translations: dict[str, str], path: Path = PO_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [HEADER]
    for msgid, where in messages.items():
        refs = " ".join(sorted(set(where)))
        parts.append(f"#: {refs}\nmsgid {_quote(msgid)}\nmsgstr {_quote(translations.get(msgid, ''))}\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check(extracted: Extracted, po: dict[str, tuple[str, bool]]) -> list[str]:
    problems = list(extracted.problems)
    for msgid in extracted.messages:
        msgstr, fuzzy = po.get(msgid, ("", False))
        if not msgstr or fuzzy:
            problems.append(f"no Spanish translation: {msgid!r}")
        elif placeholders(msgstr) != placeholders(msgid):
            problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
    return problems


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    extracted = extract()
    po = read_po()
    if command == "update":
        write_po(extracted.messages, {k: v for k, (v, fuzzy) in po.items() if not fuzzy})
        missing = [m for m in extracted.messages if not po.get(m, ("", False))[0]]
        print(f"{len(extracted.messages)} messages, {len(missing)} to translate in {PO_PATH.relative_to(ROOT)}")
        for problem in extracted.problems:
            print(problem, file=sys.stderr)
        return 0
    problems = check(extracted, po)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
