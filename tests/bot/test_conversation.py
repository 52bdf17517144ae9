"""The conversation as a pure state machine: (state, message) → (state, replies, actions),
no database and no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from iticket.bot.conversation import (
    Context,
    CreateTicket,
    Known,
    Outcome,
    ShowStatus,
    State,
    Step,
    advance,
)
from iticket.bot.inbound import Inbound, MediaRef
from iticket.bot.sectors import SectorOption, match_sector, normalize
from iticket.core.seed import SECTORS

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SECTOR_LIST = [SectorOption(c, n, d) for c, n, d in SECTORS]
KNOWN = Known("Lucía Fernández", "Guardia", "4321")


def ctx(known: Known | None = None, now: datetime = NOW) -> Context:
    return Context(now=now, sectors=SECTOR_LIST, known=known)


def run(lines: list[str | Inbound], *, known: Known | None = None,
        state: State | None = None) -> tuple[State | None, list[Outcome]]:
    outcomes = []
    for line in lines:
        msg = Inbound.typed(line) if isinstance(line, str) else line
        out = advance(state, msg, ctx(known))
        outcomes.append(out)
        state = out.state
    return state, outcomes


def text_of(out: Outcome) -> str:
    reply = out.replies.merged()
    return reply.text if reply else ""


def tap(choice_id: str, title: str = "") -> Inbound:
    return Inbound("choice", text=title, choice_id=choice_id)


def test_new_requester_full_flow_creates_one_ticket() -> None:
    state, outs = run(["Hola", "  Lucía   Fernández ", "guardia", "4321",
                       "la impresora no imprime nada", "confirmar"])
    assert state is None
    assert "nombre y apellido" in text_of(outs[0])
    assert "sector" in text_of(outs[1]) and "interno" in text_of(outs[2])
    assert "problema" in text_of(outs[3]) and "Revisá tu pedido" in text_of(outs[4])
    assert outs[-1].actions == [CreateTicket("Lucía Fernández", "Guardia", "4321",
                                             "la impresora no imprime nada")]


@pytest.mark.parametrize("yes", ["sí", "si", "Sí!", "confirmar", "ok", "OK", "1", "dale"])
def test_typed_answers_work_where_buttons_are_offered(yes: str) -> None:
    state, _ = run(["hola", "Ana Paz", "farmacia", "22", "se colgó el sistema de stock"])
    assert state is not None and state.step == Step.CONFIRM
    out = advance(state, Inbound.typed(yes), ctx())
    assert len(out.actions) == 1 and isinstance(out.actions[0], CreateTicket)


def test_validation_reasks_kindly_and_keeps_the_step() -> None:
    state, outs = run(["hola", "   ", "1234", "Ana Paz", "farmacia", "12a", "1", "1234567",
                       "int 2233", "no anda", "no anda la red"])
    assert "No me llegó tu nombre" in text_of(outs[1])
    assert "No me llegó tu nombre" in text_of(outs[2])  # digits are not a name
    assert all("solo números" in text_of(o) for o in outs[5:8])
    assert "más de detalle" in text_of(outs[9])
    assert state is not None and state.step == Step.CONFIRM
    assert state.data["extension"] == "2233" and state.data["detail"] == "no anda la red"


def test_cancel_help_and_status_work_at_any_step() -> None:
    state, outs = run(["hola", "Ana Paz", "ayuda", "estado", "cancelar"])
    assert "cancelar" in text_of(outs[2]) and "sector" in text_of(outs[2])  # help, then re-ask
    assert outs[3].actions == [ShowStatus()] and "sector" in text_of(outs[3])
    assert state is None and "cancelé" in text_of(outs[4])
    _, [out] = run(["cancelar"])
    assert "No tenías ningún pedido" in text_of(out)


def test_returning_requester_reports_in_two_messages() -> None:
    state, outs = run(["la pc de la guardia no prende", "si"], known=KNOWN)
    assert "Guardia" in text_of(outs[0]) and "4321" in text_of(outs[0])
    assert outs[1].actions == [CreateTicket("Lucía Fernández", "Guardia", "4321",
                                            "la pc de la guardia no prende")]


def test_returning_requester_is_offered_the_remembered_data() -> None:
    state, outs = run(["hola"], known=KNOWN)
    assert "¿Seguís en *Guardia*, interno *4321*?" in text_of(outs[0])
    reply = outs[0].replies.merged()
    assert reply is not None and [b.title for b in reply.buttons] == ["Sí", "No, cambió", "Cancelar"]
    state, outs = run([tap("datos_si", "Sí"), "no hay internet en el office"], known=KNOWN, state=state)
    assert state is not None and state.step == Step.CONFIRM
    state, outs = run([tap("datos_no", "No, cambió")], known=KNOWN, state=run(["hola"], known=KNOWN)[0])
    assert state is not None and state.step == Step.NAME


def test_sector_matching_ignores_case_and_accents() -> None:
    assert normalize("  RADIOLOGÍA ") == "radiologia"
    for typed, name in [("radiologia", "Radiología"), ("NEONATOLOGÍA", "Neonatología"),
                        ("uti adultos", "UTI Adultos"), ("guardia", "Guardia")]:
        match = match_sector(typed, SECTOR_LIST)
        assert match.chosen is not None and match.chosen.name == name


def test_ambiguous_sector_gets_a_short_list_and_a_number_picks() -> None:
    state, outs = run(["hola", "Ana Paz", "uti"])
    reply = outs[-1].replies.merged()
    assert reply is not None and 2 <= len(reply.rows) <= 10
    assert [r.title for r in reply.rows][:2] == ["UTI Adultos", "UTI Pediátrica"]
    state, _ = run(["2"], state=state)
    assert state is not None and state.data["sector"] == "UTI Pediátrica"


def test_ambiguity_never_offers_more_than_ten() -> None:
    many = [SectorOption(f"lab_{i}", f"Laboratorio {i}") for i in range(30)]
    match = match_sector("laboratorio", many)
    assert match.chosen is None and len(match.candidates) == 10


def test_list_reply_picks_a_sector_and_unknown_sector_is_accepted_as_typed() -> None:
    state, _ = run(["hola", "Ana Paz", "uti", tap("sector:uti_adultos", "UTI Adultos")])
    assert state is not None and state.data["sector"] == "UTI Adultos"
    state, _ = run(["hola", "Ana Paz", "Oficina de Sistemas Piso 9"])
    assert state is not None and state.step == Step.EXTENSION
    assert state.data["sector"] == "Oficina de Sistemas Piso 9"


def test_correct_one_field_returns_to_the_summary() -> None:
    state, _ = run(["hola", "Ana Paz", "farmacia", "22", "se colgó el sistema de stock",
                    tap("corregir_ticket", "Corregir"), "3", "4455"])
    assert state is not None and state.step == Step.CONFIRM
    assert state.data["extension"] == "4455" and state.data["sector"] == "Farmacia"


def test_media_while_describing_is_attached_and_caption_can_be_the_detail() -> None:
    image = Inbound("media", text="Así quedó la pantalla del monitor", msg_type="image",
                    media=MediaRef("900000000000004", "image", "image/jpeg"))
    voice = Inbound("media", msg_type="audio", media=MediaRef("77", "audio", "audio/ogg"))
    state, outs = run(["hola", "Ana Paz", "guardia", "22", voice, image, "confirmar"])
    assert "Recibí el archivo" in text_of(outs[4])
    [action] = outs[-1].actions
    assert isinstance(action, CreateTicket) and action.detail == "Así quedó la pantalla del monitor"
    assert [m.media_id for m in action.attachments] == ["77", "900000000000004"]


@pytest.mark.parametrize("kind,msg_type", [("other", "sticker"), ("reaction", "reaction"),
                                           ("other", "location"), ("other", "unsupported")])
def test_odd_messages_at_a_text_step_get_a_hint(kind: str, msg_type: str) -> None:
    state, _ = run(["hola"])
    out = advance(state, Inbound(kind, msg_type=msg_type), ctx())
    assert "No puedo leer ese tipo de mensaje" in text_of(out)
    assert out.state is not None and out.state.step == Step.NAME


def test_a_reaction_with_no_conversation_is_ignored() -> None:
    out = advance(None, Inbound("reaction", msg_type="reaction"), ctx())
    assert out.state is None and out.replies.merged() is None


def test_idle_conversation_expires_with_a_message() -> None:
    state, _ = run(["hola", "Ana Paz"])
    assert state is not None
    later = advance(state, Inbound.typed("guardia"), ctx(now=NOW + timedelta(hours=3)))
    assert "pasó mucho tiempo" in text_of(later)
    assert later.state is not None and later.state.step == Step.NAME  # started over
    soon = advance(state, Inbound.typed("guardia"), ctx(now=NOW + timedelta(minutes=90)))
    assert soon.state is not None and soon.state.step == Step.EXTENSION


def test_first_message_describing_the_problem_is_kept_as_the_detail() -> None:
    state, outs = run(["Hola, la impresora de la guardia no imprime", "Ana Paz", "guardia", "22"])
    assert state is not None and state.step == Step.CONFIRM
    assert state.data["detail"] == "Hola, la impresora de la guardia no imprime"
