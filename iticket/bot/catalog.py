"""Every text a requester reads, in one editable Spanish catalogue (Argentine voseo).

Keys are stable; the conversation and the sender only ever refer to them through :func:`t`.
Placeholders use ``str.format`` names. Titles of buttons and list rows must respect WhatsApp's
limits (button ≤ 20 characters, row ≤ 24, no emoji in row titles): :mod:`iticket.bot.outgoing`
truncates anyway, but keep them short here so nothing gets cut.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, str] = {
    # -- greeting and questions
    "greet_new": (
        "¡Hola! 👋 Soy el asistente de Sistemas del hospital. Te ayudo a cargar un pedido "
        "en pocos pasos (escribí *cancelar* para salir o *ayuda* si te trabás)."
    ),
    "ask_name": "¿Cuál es tu *nombre y apellido*?",
    "ask_sector": "¿En qué *sector* estás? (por ejemplo: Guardia, Farmacia, UTI Adultos)",
    "ask_extension": "¿Cuál es tu *número interno*? (solo números, por ejemplo 4321)",
    "ask_detail": (
        "Contame en pocas palabras *qué problema tenés*. Si sirve, mandá también una foto, "
        "un documento o un audio."
    ),
    "greet_known": "¡Hola, {name}! 👋 ¿Seguís en *{sector}*, interno *{extension}*?",
    "greet_known_detail": (
        "¡Hola, {name}! 👋 Lo cargo con tus datos de siempre: *{sector}*, interno *{extension}*."
    ),
    # -- validation re-asks
    "bad_name": "No me llegó tu nombre 🙂 Escribí tu *nombre y apellido*, por favor.",
    "bad_extension": (
        "El interno tiene que ser solo números, de 2 a 6 dígitos (por ejemplo 4321). "
        "¿Cuál es tu número interno?"
    ),
    "bad_detail": (
        "Necesito un poco más de detalle para ayudarte: contame qué pasa en al menos {n} "
        "palabras (por ejemplo: «la impresora de enfermería no imprime»)."
    ),
    "sector_choose": "Encontré varios sectores parecidos a «{text}». ¿Cuál es el tuyo?",
    "sector_list_button": "Ver sectores",
    "sector_use_typed": "Usar lo que escribí",
    "sector_other_hint": "Elegí uno de la lista, respondé con su número o escribí el sector de nuevo.",
    # -- summary and confirmation
    "summary": (
        "Revisá tu pedido:\n"
        "👤 {name}\n🏥 {sector}\n☎️ Interno {extension}\n📝 {detail}{attachments}\n\n"
        "¿Lo confirmo?"
    ),
    "summary_attachments": "\n📎 {n} adjunto(s)",
    "btn_confirm": "Confirmar",
    "btn_correct": "Corregir",
    "btn_cancel": "Cancelar",
    "btn_yes": "Sí",
    "btn_no": "No, cambió",
    "confirm_hint": "Respondé *confirmar*, *corregir* o *cancelar*.",
    "correct_which": "¿Qué querés corregir?",
    "correct_button": "Elegir dato",
    "field_name": "Nombre y apellido",
    "field_sector": "Sector",
    "field_extension": "Número interno",
    "field_detail": "Detalle del problema",
    "correct_hint": "Respondé con el número del dato: 1 nombre, 2 sector, 3 interno, 4 detalle.",
    "yes_no_hint": "Respondé *sí* o *no*.",
    # -- commands
    "cancelled": "Listo, cancelé el pedido. Cuando quieras, escribime de nuevo. 👋",
    "nothing_to_cancel": "No tenías ningún pedido en curso. Escribime cuando necesites ayuda.",
    "help": (
        "Soy el asistente de Sistemas. Te pido nombre, sector, interno y el problema, y con "
        "eso creo un ticket para el equipo de Sistemas.\n"
        "• *cancelar*: descarta el pedido en curso\n"
        "• *estado*: muestra tus tickets abiertos\n"
        "• *ayuda*: este mensaje"
    ),
    "status_none": "No tenés tickets abiertos. ✅",
    "status_header": "Tus tickets abiertos:",
    "status_line": "• #{id} ({status}): {detail}",
    "status_pending": "pendiente",
    "status_in_progress": "en proceso",
    # -- media and odd message types
    "media_received": "📎 Recibí el archivo, lo adjunto al pedido.",
    "media_needs_detail": "📎 Recibí el archivo. Ahora contame en pocas palabras qué problema tenés.",
    "media_too_early": (
        "Gracias por el archivo. Lo vas a poder mandar cuando te pida el detalle del problema."
    ),
    "unsupported_hint": "No puedo leer ese tipo de mensaje 🙈 Respondé con texto, por favor.",
    "expired": (
        "Cerré tu pedido anterior porque pasó mucho tiempo sin respuesta. Cuando quieras, "
        "escribime de nuevo y empezamos otra vez."
    ),
    "error": "Perdón, algo falló de nuestro lado. Probá de nuevo en unos minutos.",
    # -- notifications (outbox purposes)
    "ticket_created": (
        "✅ Listo, creé tu ticket *#{ticket}*. El equipo de Sistemas ya lo tiene; te aviso por "
        "acá cuando esté resuelto. Para ver tus tickets escribí *estado*."
    ),
    "ticket_resolved": "✅ Tu ticket *#{ticket}* fue resuelto.{message_part}",
    "ticket_resolved_message": "\nMensaje de Sistemas: {message}",
    "ticket_rejected": "❌ Tu ticket *#{ticket}* fue rechazado.\nMotivo: {message}",
}

# Typed answers accepted where buttons or lists are offered (compared after normalising).
YES = {"si", "sí", "s", "confirmar", "confirmo", "ok", "oka", "okey", "dale", "1", "correcto",
       "listo", "bien", "de una", "obvio", "claro", "yes", "👍", "confirmado"}
NO = {"no", "n", "cambio", "cambió", "no cambio", "2", "corregir", "corrijo", "modificar",
      "editar", "cambiar"}
CANCEL = {"cancelar", "cancela", "cancelá", "cancelo", "salir", "basta", "3"}
GLOBAL_CANCEL = {"cancelar", "cancela", "cancelá", "cancelo", "salir"}
HELP = {"ayuda", "help", "?", "menu", "menú"}
STATUS = {"estado", "mis tickets", "estado de mis tickets", "tickets"}
GREETINGS = {"hola", "buenas", "buen dia", "buenos dias", "buenas tardes", "buenas noches",
             "holis", "hi", "hello", "que tal", "hola que tal", "buenas buenas"}


def t(key: str, **params: Any) -> str:
    """The catalogue text ``key`` with ``params`` filled in."""
    return TEXTS[key].format(**params) if params else TEXTS[key]


def notification_text(purpose: str, params: dict[str, Any]) -> str:
    """The Spanish text of an outbox notification (``ticket_created`` / ``_resolved`` /
    ``_rejected``). Only the ticket number and the staff's message are ever used."""
    ticket = params.get("ticket", "?")
    message = str(params.get("message") or "").strip()
    if purpose == "ticket_resolved":
        part = t("ticket_resolved_message", message=message) if message else ""
        return t("ticket_resolved", ticket=ticket, message_part=part)
    if purpose == "ticket_rejected":
        return t("ticket_rejected", ticket=ticket, message=message or "-")
    return t("ticket_created", ticket=ticket)
