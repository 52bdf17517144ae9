"""Vocabulary shared by the data generator and the benchmarks.

Everything a requester writes is Spanish, so the generated tickets are too: names and surnames,
the hospital's sectors (taken from the seed list, so the bot's menu and the data agree), problem
descriptions per unit, and what staff write back. The benchmarks search for words listed here
(``COMMON_WORD``, ``RARE_WORD``) so a search benchmark always has matches to find.
"""

from __future__ import annotations

from iticket.core.seed import SECTORS

FIRST_NAMES = (
    "María", "José", "Juan", "Ana", "Carlos", "Laura", "Luis", "Marta", "Jorge", "Lucía",
    "Miguel", "Sofía", "Pablo", "Valeria", "Diego", "Camila", "Ricardo", "Florencia", "Sergio",
    "Paula", "Hernán", "Gabriela", "Martín", "Silvia", "Alejandro", "Carolina", "Fernando",
    "Natalia", "Gustavo", "Verónica", "Raúl", "Mónica", "Andrés", "Patricia", "Daniel", "Rosa",
    "Matías", "Julieta", "Federico", "Agustina", "Nicolás", "Romina", "Esteban", "Cecilia",
    "Ramiro", "Noelia", "Ignacio", "Graciela", "Tomás", "Beatriz",
)
SURNAMES = (
    "González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz", "Martínez", "Pérez",
    "García", "Sánchez", "Romero", "Sosa", "Álvarez", "Torres", "Ruiz", "Ramírez", "Flores",
    "Benítez", "Acosta", "Medina", "Herrera", "Suárez", "Aguirre", "Giménez", "Gutiérrez",
    "Pereyra", "Rojas", "Molina", "Castro", "Ortiz", "Silva", "Núñez", "Luna", "Juárez",
    "Cabrera", "Ríos", "Morales", "Ferreyra", "Godoy", "Vera", "Paz", "Vega", "Ledesma",
    "Quiroga", "Peralta", "Cáceres", "Figueroa", "Correa", "Domínguez", "Ibáñez",
)
SECTOR_NAMES = tuple(name for _code, name, _description in SECTORS)

# What reaches each unit, as requesters write it to the bot.
PROBLEMS = {
    "helpdesk": (
        "No puedo ingresar al sistema de turnos",
        "Necesito un usuario para el residente nuevo",
        "No me llegan los correos desde ayer",
        "Consulta: cómo pido acceso a la carpeta compartida",
        "No encuentro el acceso directo del sistema en el escritorio",
        "Se desconfiguró el idioma del teclado",
        "Necesito instalar el lector de PDF",
        "El teléfono interno no tiene tono",
    ),
    "soporte": (
        "La impresora no imprime",
        "Hay que cambiar el tóner de la impresora",
        "La PC no enciende",
        "Sin conexión a internet",
        "El monitor parpadea y se apaga",
        "El teclado no responde",
        "La impresora de etiquetas atasca el papel",
        "La computadora está muy lenta",
        "No anda el escáner",
        "Se cortó la red en todo el sector",
    ),
    "desarrollo": (
        "Blanqueo de contraseña del sistema de historia clínica",
        "Error al cargar la evolución del paciente",
        "El sistema de laboratorio no muestra los resultados",
        "No puedo imprimir la receta desde el sistema",
        "El reporte de camas ocupadas sale vacío",
        "Me aparece 'usuario bloqueado' en el sistema de farmacia",
        "No se guardan los cambios en la agenda de consultorios",
    ),
    "seguridad": (
        "Recibí un correo sospechoso que pide mi contraseña",
        "Creo que la PC tiene un virus",
        "Me llegó un mensaje de phishing haciéndose pasar por el banco",
        "Aparecen ventanas emergentes raras en el navegador",
        "Alguien usó mi usuario sin permiso",
        "Conectaron un pendrive desconocido en la PC",
    ),
}
DETAIL_TAILS = (
    "", "", "", " Es urgente.", " Desde esta mañana.", " Pasa en las dos PC del sector.",
    " Ya reinicié y sigue igual.", " Lo necesito para el turno de la tarde.",
    " Estamos con pacientes esperando.", " Gracias.", " Por favor vengan cuando puedan.",
)
NOTES = (
    "Se revisó el equipo, falta repuesto.",
    "Llamé al interno y no atienden, vuelvo a intentar más tarde.",
    "Pedido de tóner hecho a compras.",
    "Se reinstaló el controlador, queda en observación.",
    "El usuario confirma que sigue fallando.",
    "Derivo consulta al proveedor del sistema.",
    "Se cambió el cable de red del puesto.",
    "Pendiente de autorización de jefatura.",
    "Se verificó la cuenta, estaba vencida.",
    "Se analizó el correo: es phishing, se bloqueó el remitente.",
)
RESOLUTIONS = (
    "Listo, ya funciona.",
    "Se cambió el tóner.",
    "Se blanqueó la contraseña; la nueva le llegará por correo.",
    "Se reemplazó el equipo.",
    "Se restableció la conexión.",
    "Se instaló el programa solicitado.",
    "Se eliminó el software malicioso y se cambiaron las contraseñas.",
)
REJECTIONS = (
    "Ticket duplicado.",
    "No corresponde a Sistemas: comuníquese con Mantenimiento.",
    "Falta autorización de la jefatura del sector.",
    "No se pudo contactar al solicitante.",
    "El equipo no es del hospital.",
)

# Words the search benchmark looks for: one that matches many tickets, one that matches few.
# The hospital's zone (the simulated office hours are UTC-3); bench_stats reports in it and the
# generator builds the statistics rollups in it.
HOSPITAL_ZONE = "America/Argentina/Buenos_Aires"

COMMON_WORD = "impresora"
RARE_WORD = "pendrive"
