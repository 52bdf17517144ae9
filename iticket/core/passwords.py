"""Password hashing (argon2id via argon2-cffi: the OWASP-recommended scheme, with parameters
and salts handled by a maintained library instead of hand-rolled code) and password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.rules import fold

MIN_PASSWORD = 8

# Sequences a password may not be made of (forwards or backwards): the alphabet, the digits and
# the keyboard rows and columns people walk along ("qwerty", "asdf", "1qaz2wsx").
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjklñ",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "azertyuiop",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
)
_MIN_PIECE = 3  # "abc", "123", "qwe": a piece of a sequence this long counts as one

# The most used passwords (lists of leaked passwords, English and Spanish), compared with case,
# accents (ñ as n, rules.fold), spaces and symbols ignored and trailing digits removed ("Hospital2024!" is "hospital").
COMMON_PASSWORDS = frozenset({
    "password", "password1", "passw0rd", "p4ssw0rd", "contraseña", "contrasena", "clave",
    "miclave", "secreto", "hospital", "iticket", "helpdesk", "soporte", "sistemas", "admin",
    "administrador", "administrator", "root", "usuario", "user", "login", "welcome", "bienvenido",
    "letmein", "iloveyou", "teamo", "monkey", "dragon", "master", "sunshine", "princess",
    "football", "futbol", "baseball", "superman", "batman", "shadow", "michael", "jesus",
    "jesucristo", "dios", "amor", "tequiero", "argentina", "boca", "river", "mexico", "españa",
    "espana", "barcelona", "madrid", "realmadrid", "hola", "holamundo", "cambiar", "cambiame",
    "temporal", "invitado", "guest", "test", "prueba", "pruebas", "changeme", "default",
    "trustno", "starwars", "whatever", "computer", "computadora", "internet", "medico",
    "enfermera", "guardia", "doctor",
})


def _core(password: str) -> str:
    """Letters and digits only, trailing digits dropped: what is left of "Hospital2024!"."""
    bare = "".join(c for c in fold(password) if c.isalnum())
    return bare.rstrip("0123456789") or bare


def _is_sequence(text: str) -> bool:
    """Made entirely of pieces (3+ characters) of the alphabet, the digits or a keyboard row,
    forwards or backwards: "12345678", "qwerty123", "abcd4321", "asdfasdf"."""
    sources = _SEQUENCES + tuple(s[::-1] for s in _SEQUENCES)
    n = len(text)
    ok = [False] * (n + 1)  # ok[i]: text[:i] splits into such pieces
    ok[0] = True
    for end in range(_MIN_PIECE, n + 1):
        for start in range(0, end - _MIN_PIECE + 1):
            if ok[start] and any(text[start:end] in s for s in sources):
                ok[end] = True
                break
    return ok[n]


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(username: str, password: str, *, full_name: str = "") -> None:
    """Refuse a password that is short or easy to guess, with one message per rule."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            _("The password must have at least {n} characters.").format(n=MIN_PASSWORD)
        )
    core = _core(password)
    login = "".join(c for c in fold(username) if c.isalnum())
    if password.strip().lower() == username.strip().lower() or core == login:
        raise ValidationError(_("The password cannot be the username."))
    words = [w for w in (_core(w) for w in full_name.split()) if len(w) >= 3]
    if core and (core == _core(full_name) or core in words):
        raise ValidationError(_("The password cannot be your name."))
    if password.isdigit():
        raise ValidationError(_("The password cannot be only digits."))
    if len(set(password.casefold())) == 1:
        raise ValidationError(_("The password cannot be one character repeated."))
    bare = "".join(c for c in fold(password) if c.isalnum())
    if _is_sequence(bare) or _is_sequence(core):
        raise ValidationError(
            _("The password cannot be a sequence or a row of keys, such as 12345678, abcdefgh or qwerty.")
        )
    if core in COMMON_PASSWORDS or bare in COMMON_PASSWORDS:
        raise ValidationError(_("This password is one of the most common ones; choose another."))
