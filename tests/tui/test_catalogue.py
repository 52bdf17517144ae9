"""The Spanish staff catalogue: every ``_()`` message in the code is translated (placeholders
intact), the compiled ``.mo`` matches the ``.po``, Spanish is the default and English is one
environment variable away. Fails as soon as someone adds a message without translating it:
run ``scripts/update_translations.sh``, translate, run it again."""

from __future__ import annotations

import gettext
import importlib.util
import sys
from pathlib import Path

import pytest

from iticket.core import i18n

ROOT = Path(__file__).resolve().parents[2]


def _catalogue_tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("i18n_catalogue", ROOT / "scripts" / "i18n_catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("i18n_catalogue", module)
    spec.loader.exec_module(module)
    return module


def test_every_message_has_a_spanish_translation() -> None:
    tool = _catalogue_tool()
    extracted = tool.extract()
    assert len(extracted.messages) > 300  # the extractor really walked the package
    problems = tool.check(extracted, tool.read_po())
    assert problems == [], "run scripts/update_translations.sh:\n" + "\n".join(problems)


def test_compiled_catalogue_is_up_to_date() -> None:
    tool = _catalogue_tool()
    with tool.MO_PATH.open("rb") as fh:
        compiled = dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)  # the header
    source = {k: v for k, (v, fuzzy) in tool.read_po().items() if v and not fuzzy}
    assert compiled == source, "the .mo is stale: run scripts/update_translations.sh"


def test_spanish_by_default_english_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITICKET_LANG", raising=False)
    assert i18n._("Wrong username or password.") == "Usuario o contraseña incorrectos."
    monkeypatch.setenv("ITICKET_LANG", "en")
    assert i18n._("Wrong username or password.") == "Wrong username or password."
    monkeypatch.setenv("ITICKET_LANG", "es_AR.UTF-8")
    assert i18n._("Dashboard") == "Panel"
