"""Password hashing (argon2id via argon2-cffi: the OWASP-recommended scheme, with parameters
and salts handled by a maintained library instead of hand-rolled code) and password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from iticket.core.errors import ValidationError
from iticket.core.i18n import _

MIN_PASSWORD = 8


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


def check_new_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            _("The password must have at least {n} characters.").format(n=MIN_PASSWORD)
        )
    if password.strip().lower() == username.strip().lower():
        raise ValidationError(_("The password cannot be the username."))
