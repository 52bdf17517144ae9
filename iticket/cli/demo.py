"""``iticket demo``: a fresh demo database with two months of realistic history, then the TUI.

Everything is produced through the real code paths, replayed in time order under the core's
clock seam (``iticket.core.timeutil.clock``) so every row carries its historical time:

- intake: each requester talks to the bot's conversation engine (``iticket.bot.intake``), which
  files the ticket as the bot user, exactly as a WhatsApp message would;
- work: HelpDesk triages (takes, assigns across units as an admin, or routes to a unit), the
  units' staff take, write private notes, resolve with a message or reject with a reason;
- the units' daily-tasks boards get a few tasks.

The database lives in a new temporary directory (deleted on exit unless ``--keep``); the user's
configured database is never opened.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import typer
from sqlmodel import func, select

from iticket.cli.context import AppContext
from iticket.cli.output import err
from iticket.core.db import Database
from iticket.core.i18n import _
from iticket.core.models import Actor, Conversation, Role, Ticket, User
from iticket.core.seed import seed
from iticket.core.services import tasks, tickets, users
from iticket.core.timeutil import clock, utcnow

DEMO_PASSWORD = "demo1234"
# (username, full name, unit, role): the accounts the demo works with (password DEMO_PASSWORD).
STAFF = [
    ("laura", "Laura Fernández", "helpdesk", Role.ADMIN),
    ("ana", "Ana Gómez", "helpdesk", Role.AGENT),
    ("mario", "Mario Sosa", "soporte", Role.AGENT),
    ("sofia", "Sofía Ruiz", "soporte", Role.AGENT),
    ("dario", "Darío Luna", "desarrollo", Role.AGENT),
    ("sergio", "Sergio Vega", "seguridad", Role.AGENT),
]
FIRST = ["María", "Juan", "Lucía", "Carlos", "Valeria", "Jorge", "Florencia", "Martín", "Paula",
         "Ricardo", "Gabriela", "Diego", "Silvia", "Hernán", "Carolina", "Pablo", "Marta", "Andrés"]
LAST = ["González", "Rodríguez", "López", "Martínez", "Pérez", "Romero", "Sánchez", "Díaz",
        "Álvarez", "Torres", "Benítez", "Acosta", "Medina", "Herrera", "Suárez", "Castro"]
SECTORS = ["Guardia", "Laboratorio", "Farmacia", "Admisión", "Radiología", "Enfermería",
           "Clínica Médica", "Pediatría", "Maternidad", "Consultorios Externos", "Quirófano",
           "Recursos Humanos", "Contaduría", "Compras", "Cardiología"]
PROBLEMS = {
    "helpdesk": [
        "No puedo iniciar sesión en la PC, dice que mi usuario está bloqueado",
        "Se desconfiguró el correo y no me llegan los mensajes desde ayer",
        "Necesito que me den acceso a la carpeta compartida del sector",
        "El teclado de la computadora de recepción tiene teclas que no funcionan",
    ],
    "soporte": [
        "La impresora del office no imprime, muestra papel atascado aunque no hay nada",
        "Se terminó el tóner de la impresora láser del sector",
        "La PC no enciende desde esta mañana, hace un pitido largo",
        "No hay conexión a internet en el consultorio 4, el cable parece estar bien",
        "El monitor parpadea y se apaga cada tantos minutos",
        "El lector de códigos de barras no lee las pulseras de los pacientes",
    ],
    "desarrollo": [
        "Necesito blanqueo de contraseña del sistema de historias clínicas",
        "El sistema de turnos no carga la agenda de los médicos de la tarde",
        "Al imprimir la receta electrónica sale cortado el nombre del paciente",
        "No aparecen los resultados de laboratorio en la historia clínica",
    ],
    "seguridad": [
        "Recibí un correo sospechoso que pide mi contraseña del correo institucional",
        "Apareció un mensaje en pantalla que dice que los archivos están cifrados",
        "Alguien llamó diciendo ser de sistemas y pidió mi usuario y clave",
        "Conectaron un pendrive desconocido en la PC de la guardia",
    ],
}
NOTES = ["Llamé al interno, no atienden; vuelvo a probar más tarde.",
         "Revisado en el lugar: falta repuesto, pedido a compras.",
         "El usuario confirma que el problema empezó después del corte de luz.",
         "Consultado con el proveedor, nos responden mañana."]
RESOLUTIONS = ["Listo, ya quedó funcionando. Cualquier cosa nos escribe.",
               "Reemplazamos el equipo. Por favor confirme que funciona bien.",
               "Se restableció el acceso; la nueva clave le llega por correo interno.", None]
REJECTIONS = ["El pedido corresponde a Mantenimiento (interno 2200), no a Sistemas.",
              "Duplicado de un ticket anterior que ya está en curso."]
TASKS = ["Revisar backups de la noche", "Cambiar tóner del 2º piso", "Inventario de notebooks",
         "Actualizar antivirus en Guardia", "Reunión de coordinación 10 h", "Probar UPS del datacenter"]
# where a ticket ends up: (unit, share)
ROUTES = [("helpdesk", 0.35), ("soporte", 0.40), ("desarrollo", 0.15), ("seguridad", 0.10)]


def _actor(user: User) -> Actor:
    assert user.id is not None
    return Actor(id=user.id, username=user.username, full_name=user.full_name, unit=user.unit_code,
                 role=Role(user.role))


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class DemoBuilder:
    """Plans a history of events and replays it in time order through the services."""

    def __init__(self, db: Database, *, seed_value: int = 7) -> None:
        self.db = db
        self.rng = random.Random(seed_value)
        self.events: list[Event] = []
        self.staff: dict[str, Actor] = {}
        self.ticket_ids: dict[int, int] = {}
        self.versions: dict[int, int] = {}

    def at(self, when: datetime, run: Callable[[], None]) -> None:
        self.events.append(Event(when, len(self.events), run))

    # ---------------------------------------------------------------- accounts

    def make_staff(self, start: datetime) -> None:
        """Seed the units and accounts, then add the demo staff (hashing in parallel threads:
        argon2 is deliberately slow, and the hashing releases the GIL)."""
        from concurrent.futures import ThreadPoolExecutor

        seed(self.db)
        with self.db.read() as session:
            rows = session.exec(select(User)).all()
            admins = {u.unit_code: _actor(u) for u in rows if u.role == Role.ADMIN}
        with clock(lambda: start), ThreadPoolExecutor(max_workers=4) as pool:
            made = pool.map(
                lambda s: users.add_user(self.db, s[0], full_name=s[1], actor=admins[s[2]], unit=s[2],
                                         role=s[3], password=DEMO_PASSWORD)[0],
                STAFF,
            )
            for user in made:
                self.staff[user.username] = Actor(id=user.id, username=user.username, full_name=user.full_name,
                                                  unit=user.unit, role=user.role)

    # ---------------------------------------------------------------- planning

    def plan(self, count: int, days: int, now: datetime) -> None:
        people = [(f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}", self.rng.choice(SECTORS),
                   str(self.rng.randint(1000, 4999)), f"54911{self.rng.randint(10_000_000, 99_999_999)}")
                  for _ in range(max(10, count // 3))]
        for i in range(count):
            created = now - timedelta(days=days) + timedelta(seconds=self.rng.uniform(0, days * 86400))
            created = created.replace(hour=self.rng.choice(range(7, 20)))
            if created > now - timedelta(minutes=20):
                created = now - timedelta(minutes=self.rng.randint(20, 600))
            unit = self.rng.choices([u for u, _w in ROUTES], [w for _u, w in ROUTES])[0]
            person = self.rng.choice(people)
            detail = self.rng.choice(PROBLEMS[unit])
            self.at(created, lambda i=i, p=person, d=detail, c=created: self.intake(i, p, d, c))
            self.plan_work(i, unit, created, now)
        for unit_user in ("ana", "mario", "dario", "sergio", "laura"):
            for back in (0, 1):
                day = (now - timedelta(days=back)).astimezone().date()
                for text in self.rng.sample(TASKS, 2):
                    posted = now - timedelta(days=back, hours=self.rng.randint(1, 3))
                    self.at(posted, lambda u=unit_user, t=text, d=day, b=back: self.task(u, t, d, b))

    def plan_work(self, i: int, unit: str, created: datetime, now: datetime) -> None:
        age = now - created
        rng = self.rng
        t = created + timedelta(minutes=rng.randint(5, 240))
        if (age < timedelta(hours=6) and rng.random() < 0.7) or (age < timedelta(days=4) and rng.random() < 0.15):
            return  # still waiting in HelpDesk's queue
        if t + timedelta(minutes=180) > now:
            return  # the work would happen later than now: nothing in the log may lie in the future
        if unit == "helpdesk":
            self.at(t, lambda: self.change(i, "ana", lambda a, tid, v: tickets.take(self.db, tid, actor=a, expected_version=v)))
            worker = "ana"
        elif unit == "soporte":
            self.at(t, lambda: self.change(i, "laura", lambda a, tid, v: tickets.route(self.db, tid, to_unit="soporte", actor=a, expected_version=v)))
            worker = rng.choice(["mario", "sofia"])
            t += timedelta(minutes=rng.randint(10, 180))
            self.at(t, lambda w=worker: self.change(i, w, lambda a, tid, v: tickets.take(self.db, tid, actor=a, expected_version=v)))
        else:
            worker = "dario" if unit == "desarrollo" else "sergio"
            self.at(t, lambda w=worker: self.change(i, "laura", lambda a, tid, v: tickets.assign(self.db, tid, to_user=w, actor=a, expected_version=v)))
        if rng.random() < 0.5 and t + timedelta(minutes=300) < now:
            t += timedelta(minutes=rng.randint(10, 300))
            note = rng.choice(NOTES)
            self.at(t, lambda w=worker, n=note: self.change(i, w, lambda a, tid, v: tickets.add_note(self.db, tid, n, actor=a)))
        t += timedelta(hours=rng.uniform(0.5, 72))
        if t > now - timedelta(minutes=5) or (age < timedelta(days=10) and rng.random() < 0.2):
            return  # still in progress
        if rng.random() < 0.88:
            message = rng.choice(RESOLUTIONS)
            self.at(t, lambda w=worker, m=message: self.change(i, w, lambda a, tid, v: tickets.resolve(self.db, tid, actor=a, message=m, expected_version=v)))
        else:
            reason = rng.choice(REJECTIONS)
            self.at(t, lambda w=worker, r=reason: self.change(i, w, lambda a, tid, v: tickets.reject(self.db, tid, actor=a, reason=r, expected_version=v)))

    # ---------------------------------------------------------------- replaying

    def intake(self, i: int, person: tuple[str, str, str, str], detail: str, when: datetime) -> None:
        """A requester's WhatsApp conversation, answered step by step like a person would."""
        from iticket.bot.conversation import Step
        from iticket.bot.intake import handle_text

        name, sector, extension, phone = person
        answers = {Step.NAME: name, Step.SECTOR: sector, Step.SECTOR_PICK: "1",
                   Step.EXTENSION: extension, Step.DETAIL: detail, Step.CONFIRM: "si",
                   Step.KNOWN: "si", Step.CORRECT: "cancelar"}
        before = self._last_ticket()
        handle_text(self.db, phone, detail, now=when)
        for step in range(12):
            with self.db.read() as session:
                conv = session.get(Conversation, phone)
            if conv is None:
                break
            at = when + timedelta(seconds=30 * (step + 1))
            handle_text(self.db, phone, answers[Step(conv.step)], now=at)
        created = self._last_ticket()
        if created != before:
            self.ticket_ids[i] = created

    def _last_ticket(self) -> int:
        with self.db.read() as session:
            return int(session.exec(select(func.max(Ticket.id))).one() or 0)

    def change(self, i: int, who: str, fn: Callable[[Actor, int, int | None], object]) -> None:
        tid = self.ticket_ids.get(i)
        if tid is not None:
            fn(self.staff[who], tid, None)

    def task(self, username: str, text: str, day: object, back: int) -> None:
        actor = self.staff[username]
        task = tasks.add_task(self.db, text, actor=actor, day=day)  # type: ignore[arg-type]
        if back or self.rng.random() < 0.3:
            tasks.complete_task(self.db, task.id, actor=actor)

    def replay(self, progress: Callable[[int, int], None] | None = None) -> None:
        self.events.sort()
        for n, event in enumerate(self.events):
            with clock(lambda e=event: e.at):
                event.run()
            if progress and n % 200 == 0:
                progress(n, len(self.events))


def build_demo_database(url: str, *, tickets_count: int = 300, days: int = 60,
                        progress: Callable[[int, int], None] | None = None) -> Database:
    db = Database(url)
    now = utcnow()
    builder = DemoBuilder(db)
    builder.make_staff(now - timedelta(days=days + 1))
    builder.plan(tickets_count, days, now)
    builder.replay(progress)
    return db


def login_hint() -> str:
    admins = ", ".join(u for u, _f, _unit, r in STAFF if r == Role.ADMIN)
    agents = ", ".join(u for u, _f, _unit, r in STAFF if r != Role.ADMIN)
    return _("Demo, password {pw}: {admins} (admin) or {agents} (agents). Seed admins such as helpdesk/helpdesk ask for a new password.").format(
        pw=DEMO_PASSWORD, admins=admins, agents=agents)


def run_demo(app_ctx: AppContext, *, tickets: int, days: int, keep: bool) -> None:
    from iticket.cli.tui import open_tui

    folder = Path(tempfile.mkdtemp(prefix="iticket-demo-"))
    url = f"sqlite:///{folder / 'demo.db'}"
    err.print(_("Preparing a demo database with {n} tickets in {path} …").format(n=tickets, path=folder), markup=False)
    try:
        def progress(done: int, total: int) -> None:
            if err.is_terminal:  # a log file gets no "0%  17%  34%…" run-on line
                err.print(f"  {done * 100 // total}%", end="\r", markup=False)

        db = build_demo_database(url, tickets_count=tickets, days=days, progress=progress)
        db.dispose()
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            # No terminal (a script, a pipe, CI): a full-screen app would only paint garbage.
            # Keep the database and say how to open it from a terminal.
            keep = True
            err.print(_("No terminal to show the app in; open the demo from a terminal with: iticket --db {url}")
                      .format(url=url), markup=False)
            err.print(login_hint(), markup=False)
        else:
            open_tui(AppContext(settings=app_ctx.settings, db_url=url), login_hint=login_hint())
    finally:
        if keep:
            err.print(_("Demo database kept: {url}").format(url=url), markup=False)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    raise typer.Exit(0)
