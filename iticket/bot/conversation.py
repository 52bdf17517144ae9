"""The intake conversation as a pure state machine.

``advance(state, message, ctx) -> Outcome``: given the stored state (``None`` when the requester
has no conversation going), one :class:`~iticket.bot.inbound.Inbound` and a :class:`Context`
(the clock, the sector list, what we remember of the requester), return the new state
(``None``: the conversation is over), the replies, and the actions the caller must apply
(file a ticket, list open tickets). No I/O here: :mod:`iticket.bot.intake` loads and saves.

Steps: name → sector (→ pick from a list when ambiguous) → extension → detail → confirm
(→ correct one field → confirm). A returning requester gets ``known`` instead: "are you still in
Guardia, extension 4321?", and a first message that already describes the problem jumps straight
to the confirmation, so a repeat report takes two messages.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from iticket.bot import catalog as cat
from iticket.bot.catalog import t
from iticket.bot.inbound import Inbound, MediaRef
from iticket.bot.prompts import question, summary
from iticket.bot.sectors import match_sector, normalize
from iticket.bot.state import (
    CONFIRM_IDS,
    FIELDS,
    KNOWN_IDS,
    Action,
    Context,
    CreateTicket,
    Known,
    Outcome,
    ShowStatus,
    State,
    Step,
)

__all__ = ["Action", "Context", "CreateTicket", "Known", "Outcome", "ShowStatus", "State", "Step",
           "advance", "question", "summary"]

MIN_DETAIL_WORDS = 3
MAX_NAME = 200
MAX_SECTOR = 200
_EXTENSION = re.compile(r"^\d{2,6}$")
_EXT_PREFIX = re.compile(r"^(?:interno|int|ext|extension|nro|numero|n|#)\s*[:.]?\s*")


def _words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def _is_greeting(text: str) -> bool:
    n = normalize(text)
    return n in cat.GREETINGS or _words(text) < MIN_DETAIL_WORDS


def _clean(text: str) -> str:
    return " ".join(text.split())


def advance(state: State | None, msg: Inbound, ctx: Context) -> Outcome:
    out = Outcome(state)
    if state is not None and state.updated_at is not None and ctx.now - state.updated_at > ctx.idle_timeout:
        out.replies.add(t("expired"))
        state = out.state = None
    command = normalize(msg.text) if msg.kind == "text" else ""
    if command in cat.GLOBAL_CANCEL or msg.choice_id == "cancelar_ticket":
        out.replies.add(t("cancelled") if state is not None else t("nothing_to_cancel"))
        out.state = None
        return out
    if command in cat.HELP:
        out.replies.add(t("help"))
        if state is not None:
            out.replies.add(question(state, ctx))
        return out
    if command in cat.STATUS:
        out.actions.append(ShowStatus())
        if state is not None:
            out.replies.add(question(state, ctx))
        return out
    if state is None:
        return _start(msg, ctx, out)
    handler = _HANDLERS[state.step]
    new_state = handler(state, msg, ctx, out)
    out.state = None if new_state is None else replace(new_state, updated_at=ctx.now)
    return out


def _go(state: State, step: Step, ctx: Context, out: Outcome, **data: Any) -> State:
    """Move to ``step`` (back to the confirmation when correcting) and ask its question."""
    merged = {**state.data, **data}
    if merged.get("correcting") and step in (Step.SECTOR, Step.EXTENSION, Step.DETAIL):
        step = Step.CONFIRM
    if step == Step.CONFIRM:
        merged.pop("correcting", None)
    new = State(step, merged, ctx.now)
    out.replies.add(question(new, ctx))
    return new


def _start(msg: Inbound, ctx: Context, out: Outcome) -> Outcome:
    if msg.kind == "reaction":
        return out  # a reaction to an old message is not a request
    data: dict[str, Any] = {}
    if msg.media is not None:
        data["attachments"] = [msg.media.as_dict()]
    described = msg.kind in ("text", "media") and not _is_greeting(msg.text)
    if ctx.known is not None:
        known = ctx.known
        data.update(name=known.name, sector=known.sector, extension=known.extension)
        if described:
            out.replies.add(t("greet_known_detail", name=known.name.split()[0],
                              sector=known.sector, extension=known.extension))
            out.state = _go(State(Step.CONFIRM), Step.CONFIRM, ctx, out, **data,
                            detail=_clean(msg.text))
        else:
            out.state = _go(State(Step.KNOWN), Step.KNOWN, ctx, out, **data)
        return out
    if described:
        data["draft_detail"] = _clean(msg.text)
    out.replies.add(t("greet_new"))
    out.state = _go(State(Step.NAME), Step.NAME, ctx, out, **data)
    return out


def _not_text(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    """A sticker, location, reaction, file… where a typed answer was expected: hint, re-ask."""
    out.replies.add(t("media_too_early") if msg.kind == "media" else t("unsupported_hint"))
    out.replies.add(question(state, ctx))
    return state


def _on_name(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    if msg.kind != "text":
        return _not_text(state, msg, ctx, out)
    name = _clean(msg.text)[:MAX_NAME]
    if not any(c.isalpha() for c in name):
        out.replies.add(t("bad_name"))
        return state
    if state.data.get("correcting"):
        return _go(state, Step.CONFIRM, ctx, out, name=name)
    return _go(state, Step.SECTOR, ctx, out, name=name)


def _on_sector(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    if msg.kind == "choice" and (msg.choice_id or "").startswith("sector:"):
        return _pick(state, msg, ctx, out)
    if msg.kind not in ("text", "choice"):
        return _not_text(state, msg, ctx, out)
    typed = _clean(msg.text)[:MAX_SECTOR]
    if not typed:
        out.replies.add(question(state, ctx))
        return state
    match = match_sector(typed, ctx.sectors)
    if match.chosen is not None:
        return _go(state, Step.EXTENSION, ctx, out, sector=match.chosen.name)
    if match.candidates:
        cands = [[s.code, s.name, s.description] for s in match.candidates[:9]]
        new = State(Step.SECTOR_PICK, {**state.data, "candidates": cands, "typed_sector": typed})
        out.replies.add(question(new, ctx))
        return new
    return _go(state, Step.EXTENSION, ctx, out, sector=typed)  # unknown: accepted as typed


def _pick(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    d = state.data
    cands: list[list[str]] = d.get("candidates", [])
    choice = msg.choice_id or ""
    typed = normalize(msg.text) if msg.kind == "text" else ""
    chosen: str | None = None
    if choice.startswith("sector:"):
        code = choice.split(":", 1)[1]
        chosen = next((name for c, name, _d in cands if c == code), None)
        chosen = chosen or next((s.name for s in ctx.sectors if s.code == code), msg.text or code)
    elif choice == "sector_typed" or (typed.isdigit() and int(typed) == len(cands) + 1):
        chosen = d.get("typed_sector", "")
    elif typed.isdigit() and 1 <= int(typed) <= len(cands):
        chosen = cands[int(typed) - 1][1]
    if chosen:
        rest = {k: v for k, v in d.items() if k not in ("candidates", "typed_sector")}
        return _go(State(state.step, rest), Step.EXTENSION, ctx, out, sector=chosen)
    if msg.kind == "text" and typed:
        return _on_sector(State(Step.SECTOR, d), msg, ctx, out)  # typed again: match again
    out.replies.add(t("sector_other_hint"))
    out.replies.add(question(state, ctx))
    return state


def _on_extension(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    if msg.kind != "text":
        return _not_text(state, msg, ctx, out)
    raw = _EXT_PREFIX.sub("", normalize(msg.text))
    digits = re.sub(r"[\s.\-]", "", raw)
    if not _EXTENSION.match(digits):
        out.replies.add(t("bad_extension"))
        return state
    draft = state.data.get("draft_detail")
    if draft and not state.data.get("detail"):
        rest = {k: v for k, v in state.data.items() if k != "draft_detail"}
        return _go(State(state.step, rest), Step.CONFIRM, ctx, out, extension=digits, detail=draft)
    return _go(state, Step.DETAIL, ctx, out, extension=digits)


def _on_detail(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    if msg.kind == "media" and msg.media is not None:
        attachments = [*state.data.get("attachments", []), msg.media.as_dict()]
        caption = _clean(msg.text)
        if _words(caption) >= MIN_DETAIL_WORDS and not state.data.get("detail"):
            return _go(state, Step.CONFIRM, ctx, out, attachments=attachments, detail=caption)
        out.replies.add(t("media_needs_detail"))
        return State(state.step, {**state.data, "attachments": attachments})
    if msg.kind != "text":
        return _not_text(state, msg, ctx, out)
    detail = _clean(msg.text)
    if _words(detail) < MIN_DETAIL_WORDS:
        out.replies.add(t("bad_detail", n=MIN_DETAIL_WORDS))
        return state
    return _go(state, Step.CONFIRM, ctx, out, detail=detail)


def _on_confirm(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State | None:
    d = state.data
    if msg.kind == "media" and msg.media is not None:
        out.replies.add(t("media_received"))
        return _go(state, Step.CONFIRM, ctx, out,
                   attachments=[*d.get("attachments", []), msg.media.as_dict()])
    answer = msg.choice_id if msg.choice_id in CONFIRM_IDS else normalize(msg.text)
    if answer == "confirmar_ticket" or answer in cat.YES:
        media = tuple(MediaRef(**a) for a in d.get("attachments", []))
        out.actions.append(CreateTicket(d["name"], d["sector"], d["extension"], d["detail"], media))
        return None
    if answer == "corregir_ticket" or answer in cat.NO:
        return _go(state, Step.CORRECT, ctx, out)
    if answer in cat.CANCEL:
        out.replies.add(t("cancelled"))
        return None
    out.replies.add(t("confirm_hint"))
    out.replies.add(question(state, ctx))
    return state


_FIELD_WORDS = {"nombre": "name", "apellido": "name", "sector": "sector", "interno": "extension",
                "numero": "extension", "detalle": "detail", "problema": "detail"}


def _on_correct(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State:
    choice = (msg.choice_id or "").removeprefix("corregir:")
    typed = normalize(msg.text)
    which = choice if choice in FIELDS else None
    if which is None and typed.isdigit() and 1 <= int(typed) <= len(FIELDS):
        which = FIELDS[int(typed) - 1]
    if which is None:
        which = next((f for w, f in _FIELD_WORDS.items() if w in typed.split()), None)
    if which is None:
        out.replies.add(t("correct_hint"))
        out.replies.add(question(state, ctx))
        return state
    step = {"name": Step.NAME, "sector": Step.SECTOR, "extension": Step.EXTENSION,
            "detail": Step.DETAIL}[which]
    new = State(step, {**state.data, "correcting": True}, ctx.now)
    out.replies.add(question(new, ctx))
    return new


def _on_known(state: State, msg: Inbound, ctx: Context, out: Outcome) -> State | None:
    if msg.kind == "media" and msg.media is not None:
        return _on_detail(State(Step.DETAIL, state.data), msg, ctx, out)
    answer = msg.choice_id if msg.choice_id in KNOWN_IDS else normalize(msg.text)
    if answer == "datos_si" or answer in cat.YES:
        return _go(state, Step.DETAIL, ctx, out)
    if answer == "datos_no" or answer in cat.NO:
        return _go(State(state.step, {"attachments": state.data.get("attachments", [])}),
                   Step.NAME, ctx, out)
    if answer in cat.CANCEL:
        out.replies.add(t("cancelled"))
        return None
    if msg.kind == "text" and _words(msg.text) >= MIN_DETAIL_WORDS:
        return _go(state, Step.CONFIRM, ctx, out, detail=_clean(msg.text))
    out.replies.add(t("yes_no_hint"))
    out.replies.add(question(state, ctx))
    return state


_HANDLERS = {
    Step.NAME: _on_name,
    Step.SECTOR: _on_sector,
    Step.SECTOR_PICK: _pick,
    Step.EXTENSION: _on_extension,
    Step.DETAIL: _on_detail,
    Step.CONFIRM: _on_confirm,
    Step.CORRECT: _on_correct,
    Step.KNOWN: _on_known,
}
