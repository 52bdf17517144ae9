"""What the bot asks at each step, and the summary with Confirmar / Corregir / Cancelar.

Used by the machine to ask and to re-ask (after ``ayuda``, ``estado`` or an answer it could not
use); every text comes from the catalogue, every option id is one the machine understands."""

from __future__ import annotations

from typing import Any

from iticket.bot.catalog import t
from iticket.bot.replies import Option, Reply
from iticket.bot.state import CONFIRM_IDS, FIELDS, Context, State, Step


def _confirm_buttons() -> tuple[Option, ...]:
    titles = (t("btn_confirm"), t("btn_correct"), t("btn_cancel"))
    return tuple(Option(i, title) for i, title in zip(CONFIRM_IDS, titles, strict=True))


# ---------------------------------------------------------------- questions


def question(state: State, ctx: Context) -> Reply:
    """What to ask at ``state`` (also used to re-ask after ``ayuda`` / ``estado``)."""
    d = state.data
    if state.step == Step.NAME:
        return Reply(t("ask_name"))
    if state.step == Step.SECTOR:
        return Reply(t("ask_sector"))
    if state.step == Step.SECTOR_PICK:
        rows = tuple(Option(f"sector:{code}", name, desc) for code, name, desc in d["candidates"])
        rows += (Option("sector_typed", t("sector_use_typed"), d.get("typed_sector", "")[:72]),)
        return Reply(t("sector_choose", text=d.get("typed_sector", "")), rows=rows,
                     list_button=t("sector_list_button"))
    if state.step == Step.EXTENSION:
        return Reply(t("ask_extension"))
    if state.step == Step.DETAIL:
        return Reply(t("ask_detail"))
    if state.step == Step.CONFIRM:
        return summary(d)
    if state.step == Step.CORRECT:
        rows = tuple(Option(f"corregir:{f}", t(f"field_{f}")) for f in FIELDS)
        return Reply(t("correct_which"), rows=rows, list_button=t("correct_button"))
    # Step.KNOWN
    buttons = (Option("datos_si", t("btn_yes")), Option("datos_no", t("btn_no")),
               Option("cancelar_ticket", t("btn_cancel")))
    return Reply(t("greet_known", name=d["name"].split()[0], sector=d["sector"],
                   extension=d["extension"]), buttons=buttons)


def summary(d: dict[str, Any]) -> Reply:
    detail = d.get("detail", "")
    if len(detail) > 600:
        detail = detail[:599] + "…"
    n = len(d.get("attachments", []))
    text = t("summary", name=d["name"], sector=d["sector"], extension=d["extension"],
             detail=detail, attachments=t("summary_attachments", n=n) if n else "")
    return Reply(text, buttons=_confirm_buttons())


# ---------------------------------------------------------------- the machine
