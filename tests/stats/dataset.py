"""A fixed history, written through the real services with the clock pinned, for statistics
tests with hand-computed expectations.

Zone: America/Argentina/Buenos_Aires (UTC-3 all year). Times below are LOCAL. The range under
test is March 2026. ``hd`` = the helpdesk admin, who triages and makes every first assignment.

T1 Guardia     created 03-02 09:00; hd→sofia 09:30 (first, soporte, 30 min);
               sofia resolves 11:00 (soporte, 120 min); sofia reopens 03-03 09:00;
               hd routes to desarrollo 10:00; dario takes 10:30; dario rejects 12:00.
               → one resolved for sofia/soporte AND one rejected for dario/desarrollo.
T2 Farmacia    created 03-05 08:00; hd routes to soporte 08:10; hd→dario 08:40 (moved
               soporte→desarrollo before closing; first, desarrollo, 40 min);
               dario resolves 10:40 (desarrollo, 160 min).
T3 Guardia     created 03-31 20:00; hd→diego 20:20 (first, soporte, 20 min);
               diego resolves 03-31 23:59 (last minute of the range; 239 min).
T4 Laboratorio created 03-31 21:00; hd→sofia 21:30 (first, soporte, 30 min);
               sofia resolves 04-01 00:01 (just after the range).
T5 Admisión    created 02-28 23:00; hd→sergio 23:50 (first, seguridad, before the range);
               sergio rejects 03-01 00:01 (first minute of the range).
T6 Guardia     created 02-28 10:00; hd→ana 10:10; ana resolves 02-28 23:59 (before the range;
               in UTC it is already 03-01 02:59, so a UTC-date filter would wrongly count it).
T7 Guardia     created 03-10 14:00; stays pending in helpdesk.
T8 Farmacia    created 03-10 15:00; hd→ana 15:05 (first, helpdesk, 5 min); stays in progress.
T9 Radiología  created 03-12 09:00; hd→sofia 09:10 (first, soporte, 10 min);
               sofia resolves 10:10 (soporte, 70 min).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from iticket.core.db import Database
from iticket.core.models import Actor
from iticket.core.services import auth
from iticket.core.services import tickets as svc
from iticket.core.timeutil import clock

TZ = "America/Argentina/Buenos_Aires"
ZONE = ZoneInfo(TZ)


def local(text: str) -> datetime:
    """'2026-03-02 09:00' in the hospital's zone → aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


def at(when: str, action: Callable[[], Any]) -> Any:
    with clock(lambda: local(when)):
        return action()


def new_ticket(db: Database, bot: Actor, when: str, sector: str, name: str = "Lucía Pérez") -> int:
    t = at(when, lambda: svc.create_ticket(db, actor=bot, name=name, sector=sector,
                                           extension="4321", phone=None, detail="No anda la PC"))
    return int(t.id)


def build(db: Database, a: dict[str, Actor]) -> dict[str, int]:
    bot, hd = a["wspbot"], a["helpdesk"]
    ids: dict[str, int] = {}

    def assign(n: str, when: str, user: str) -> None:
        at(when, lambda: svc.assign(db, ids[n], to_user=user, actor=hd))

    # Oldest first, so activity ids follow time as in production.
    ids["T6"] = new_ticket(db, bot, "2026-02-28 10:00", "Guardia")
    assign("T6", "2026-02-28 10:10", "ana")
    ids["T5"] = new_ticket(db, bot, "2026-02-28 23:00", "Admisión")
    assign("T5", "2026-02-28 23:50", "sergio")
    at("2026-02-28 23:59", lambda: svc.resolve(db, ids["T6"], actor=a["ana"]))
    at("2026-03-01 00:01", lambda: svc.reject(db, ids["T5"], actor=a["sergio"], reason="Duplicado"))

    ids["T1"] = new_ticket(db, bot, "2026-03-02 09:00", "Guardia")
    assign("T1", "2026-03-02 09:30", "sofia")
    at("2026-03-02 11:00", lambda: svc.resolve(db, ids["T1"], actor=a["sofia"]))
    at("2026-03-03 09:00", lambda: svc.reopen(db, ids["T1"], actor=a["sofia"]))
    at("2026-03-03 10:00", lambda: svc.route(db, ids["T1"], to_unit="desarrollo", actor=hd))
    at("2026-03-03 10:30", lambda: svc.take(db, ids["T1"], actor=a["dario"]))
    at("2026-03-03 12:00", lambda: svc.reject(db, ids["T1"], actor=a["dario"], reason="No es de sistemas"))

    ids["T2"] = new_ticket(db, bot, "2026-03-05 08:00", "Farmacia")
    at("2026-03-05 08:10", lambda: svc.route(db, ids["T2"], to_unit="soporte", actor=hd))
    assign("T2", "2026-03-05 08:40", "dario")
    at("2026-03-05 10:40", lambda: svc.resolve(db, ids["T2"], actor=a["dario"]))

    ids["T7"] = new_ticket(db, bot, "2026-03-10 14:00", "Guardia")
    ids["T8"] = new_ticket(db, bot, "2026-03-10 15:00", "Farmacia")
    assign("T8", "2026-03-10 15:05", "ana")

    ids["T9"] = new_ticket(db, bot, "2026-03-12 09:00", "Radiología")
    assign("T9", "2026-03-12 09:10", "sofia")
    at("2026-03-12 10:10", lambda: svc.resolve(db, ids["T9"], actor=a["sofia"]))

    ids["T3"] = new_ticket(db, bot, "2026-03-31 20:00", "Guardia")
    assign("T3", "2026-03-31 20:20", "diego")
    ids["T4"] = new_ticket(db, bot, "2026-03-31 21:00", "Laboratorio", name="=HIPERVINCULO(\"x\")")
    assign("T4", "2026-03-31 21:30", "sofia")
    at("2026-03-31 23:59", lambda: svc.resolve(db, ids["T3"], actor=a["diego"]))
    at("2026-04-01 00:01", lambda: svc.resolve(db, ids["T4"], actor=a["sofia"]))
    return ids


def one_error_line(stderr: str) -> bool:
    """A user mistake is reported as exactly one line (besides the default-password warning
    the seeded admin gets), never a traceback."""
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("Warning:")]
    return len(lines) == 1 and lines[0].startswith("Error:") and "Traceback" not in stderr


def token_for(db: Database, actor: Actor) -> str:
    """A real API token (the scripts' way in), made in-process to skip a password hash per test."""
    return auth.create_token(db, "tests", actor=actor)[1]
