"""``iticket init``: the four units, the five accounts of the seed document, and a starter list
of sectors. Idempotent: never overwrites an existing user, password or name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from iticket.core.db import Database, ensure_schema
from iticket.core.models import Role, Sector, Unit, User
from iticket.core.passwords import hash_password

UNITS = [
    ("helpdesk", "HelpDesk"),
    ("soporte", "Soporte Técnico"),
    ("desarrollo", "Desarrollo"),
    ("seguridad", "Seguridad"),
]

# (username, full name, unit, role); the seeded password is the username, flagged must-change.
ACCOUNTS = [
    ("helpdesk", "HelpDesk", "helpdesk", Role.ADMIN),
    ("soporte", "Soporte Técnico", "soporte", Role.ADMIN),
    ("desarrollo", "Desarrollo", "desarrollo", Role.ADMIN),
    ("seguridad", "Seguridad", "seguridad", Role.ADMIN),
    ("wspbot", "ChatBot WhatsApp", "helpdesk", Role.BOT),
]

SECTORS = [
    ("guardia", "Guardia", "Emergencias"),
    ("uti_adultos", "UTI Adultos", "Piso 3 - Ala Norte"),
    ("uti_pediatrica", "UTI Pediátrica", "Piso 3 - Ala Sur"),
    ("neonatologia", "Neonatología", "Piso 2"),
    ("quirofano", "Quirófano", "Piso 1"),
    ("laboratorio", "Laboratorio", "Planta baja"),
    ("farmacia", "Farmacia", "Planta baja"),
    ("radiologia", "Radiología", "Diagnóstico por imágenes"),
    ("admision", "Admisión", "Hall central"),
    ("consultorios_externos", "Consultorios Externos", "Edificio anexo"),
    ("enfermeria", "Enfermería", "Jefatura"),
    ("clinica_medica", "Clínica Médica", "Piso 4"),
    ("cirugia", "Cirugía", "Piso 5"),
    ("maternidad", "Maternidad", "Piso 2"),
    ("pediatria", "Pediatría", "Piso 2"),
    ("cardiologia", "Cardiología", "Piso 4"),
    ("hemoterapia", "Hemoterapia", "Subsuelo"),
    ("esterilizacion", "Esterilización", "Subsuelo"),
    ("recursos_humanos", "Recursos Humanos", "Administración"),
    ("contaduria", "Contaduría", "Administración"),
    ("compras", "Compras", "Administración"),
    ("direccion", "Dirección", "Administración"),
    ("mantenimiento", "Mantenimiento", "Servicios generales"),
    ("cocina", "Cocina", "Servicios generales"),
]


@dataclass(frozen=True)
class SeedReport:
    units_created: int
    users_created: list[str]
    sectors_created: int


def seed(db: Database) -> SeedReport:
    ensure_schema(db)
    units = sectors = 0
    created: list[str] = []
    with db.write() as session:
        for position, (code, name) in enumerate(UNITS):
            if session.get(Unit, code) is None:
                session.add(Unit(code=code, name=name, position=position))
                units += 1
        session.flush()
        for username, full, unit, role in ACCOUNTS:
            if session.exec(select(User).where(User.username == username)).first() is None:
                session.add(
                    User(username=username, full_name=full, unit_code=unit, role=role,
                         password_hash=hash_password(username), must_change_password=True)
                )
                created.append(username)
        for code, name, description in SECTORS:
            if session.get(Sector, code) is None:
                session.add(Sector(code=code, name=name, description=description))
                sectors += 1
    return SeedReport(units, created, sectors)
