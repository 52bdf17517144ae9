"""Translations for staff-facing text (CLI, TUI, core error messages).

Messages are written in English in the code and translated with standard gettext catalogues
(``iticket/locale/<lang>/LC_MESSAGES/iticket.po``, compiled to ``.mo``). The hospital speaks
Spanish, so Spanish is the default; ``ITICKET_LANG=en`` shows the English originals. The
requester-facing WhatsApp texts are not here: they live in the bot's own Spanish catalogue.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "iticket"


def current_language() -> str:
    lang = os.environ.get("ITICKET_LANG", "es").strip().lower() or "es"
    return lang.split("_")[0].split(".")[0]


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """Translate ``message`` into the language chosen by ``ITICKET_LANG`` (read at call time)."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(current_language()).ngettext(singular, plural, n)
