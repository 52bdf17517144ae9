"""Outgoing message bodies stay within WhatsApp's limits (a string over a limit makes Meta
reject the whole message)."""

from __future__ import annotations

from iticket.bot import outgoing
from iticket.bot.replies import Option, Replies, Reply


def test_buttons_lists_and_text_are_cut_to_the_limits() -> None:
    long = "x" * 5000
    buttons = outgoing.content(Reply(long, buttons=tuple(
        Option(f"b{i}", "Un título demasiado largo para un botón") for i in range(5))))
    inter = buttons["interactive"]
    assert len(inter["body"]["text"]) == 1024
    assert len(inter["action"]["buttons"]) == 3
    assert all(len(b["reply"]["title"]) <= 20 for b in inter["action"]["buttons"])
    rows = outgoing.content(Reply("elegí", rows=tuple(
        Option(f"r{i}", "🏥 Consultorios Externos del Edificio Anexo", "d" * 100) for i in range(14)),
        list_button="Ver todos los sectores del hospital"))
    action = rows["interactive"]["action"]
    listed = action["sections"][0]["rows"]
    assert len(listed) == 10 and len(action["button"]) <= 20
    assert all(len(r["title"]) <= 24 and "🏥" not in r["title"] and len(r["description"]) <= 72
               for r in listed)
    assert len(outgoing.content(Reply(long))["text"]["body"]) == 4096
    params = outgoing.template_content("t", "es_AR", ["línea 1\nlínea 2\t  fin"])
    assert params["template"]["components"][0]["parameters"][0]["text"] == "línea 1 línea 2 fin"


def test_replies_merge_into_one_message_keeping_the_last_buttons() -> None:
    replies = Replies()
    replies.add("primero")
    replies.add(Reply("segundo", buttons=(Option("a", "A"),)))
    replies.add("tercero")
    merged = replies.merged()
    assert merged is not None
    assert merged.text == "primero\n\nsegundo\n\ntercero" and merged.buttons == (Option("a", "A"),)
    assert Replies().merged() is None
