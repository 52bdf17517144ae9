"""Open sessions end on a reset or a deactivation; a wrong current password counts as a failed
login; weak passwords are refused with one message per rule."""

from __future__ import annotations

import pytest
from sqlmodel import select

from iticket.core.errors import AccountLocked, NotAuthenticated, ValidationError
from iticket.core.models import Activity, ActivityKind, AuthToken, User
from iticket.core.passwords import check_new_password
from iticket.core.services import auth, users


def test_a_reset_by_an_admin_ends_the_open_session(db, actors):
    ana = actors["ana"]
    stamp = auth.session_stamp(db, ana)
    auth.check_session(db, ana, stamp)  # nothing happened: the session goes on
    users.reset_password(db, "ana", actor=actors["helpdesk"])
    with pytest.raises(NotAuthenticated, match="your password was reset"):
        auth.check_session(db, ana, stamp)


def test_an_admin_resetting_their_own_password_ends_their_session(db, actors):
    hd = actors["helpdesk"]
    stamp = auth.session_stamp(db, hd)
    users.reset_password(db, "helpdesk", actor=hd)
    with pytest.raises(NotAuthenticated, match="your password was reset"):
        auth.check_session(db, hd, stamp)


def test_a_deactivation_ends_the_open_session(db, actors):
    sofia = actors["sofia"]
    stamp = auth.session_stamp(db, sofia)
    users.deactivate_user(db, "sofia", actor=actors["soporte"])
    with pytest.raises(NotAuthenticated, match="your account was deactivated"):
        auth.check_session(db, sofia, stamp)


def test_an_own_change_keeps_the_session_that_made_it_and_ends_the_others(db, actors):
    ana = actors["ana"]
    here = other = auth.session_stamp(db, ana)
    here = auth.change_own_password(db, actor=ana, current="ana-secreta-1", new="otra-clave-buena")
    auth.check_session(db, ana, here)
    with pytest.raises(NotAuthenticated, match="changed in another session"):
        auth.check_session(db, ana, other)


def _failed_logins_of(db, user_id: int) -> list[str]:
    with db.read() as s:
        return [a.kind for a in s.exec(select(Activity).where(Activity.user_id == user_id)
                                       .order_by(Activity.id))
                if a.kind in (ActivityKind.LOGIN_FAILED, ActivityKind.ACCOUNT_LOCKED)]


def test_wrong_current_passwords_count_as_failed_logins_and_lock(db, actors):
    ana = actors["ana"]
    _ana, secret = auth.login(db, "ana", "ana-secreta-1")
    for _attempt in range(4):
        with pytest.raises(NotAuthenticated, match="current password is wrong"):
            auth.change_own_password(db, actor=ana, current="a-guess", new="otra-clave-buena")
    with db.read() as s:
        assert s.get(User, ana.id).failed_logins == 4  # the login counter
    with pytest.raises(AccountLocked, match="15"):
        auth.change_own_password(db, actor=ana, current="a-guess", new="otra-clave-buena")
    assert _failed_logins_of(db, ana.id) == [ActivityKind.LOGIN_FAILED] * 5 + [ActivityKind.ACCOUNT_LOCKED]
    # locked: the right current password waits too, and so does the login
    with pytest.raises(AccountLocked):
        auth.change_own_password(db, actor=ana, current="ana-secreta-1", new="otra-clave-buena")
    with pytest.raises(AccountLocked):
        auth.authenticate(db, "ana", "ana-secreta-1")
    # the lockout ends the user's login sessions
    with pytest.raises(NotAuthenticated, match="revoked"):
        auth.actor_for_token(db, secret)


def test_wrong_current_password_and_failed_login_share_the_counter(db, actors):
    ana = actors["ana"]
    for _attempt in range(3):
        with pytest.raises(NotAuthenticated):
            auth.authenticate(db, "ana", "wrong-password")
    with pytest.raises(NotAuthenticated):
        auth.change_own_password(db, actor=ana, current="a-guess", new="otra-clave-buena")
    with pytest.raises(AccountLocked):
        auth.authenticate(db, "ana", "wrong-again")


def test_the_locked_user_keeps_api_tokens_but_loses_sessions(db, actors):
    ana = actors["ana"]
    _t, api = auth.create_token(db, "script", actor=ana)
    for _attempt in range(5):
        with pytest.raises(NotAuthenticated):
            auth.change_own_password(db, actor=ana, current="a-guess", new="otra-clave-buena")
    assert auth.actor_for_token(db, api).username == "ana"
    with db.read() as s:
        sessions = s.exec(select(AuthToken).where(AuthToken.user_id == ana.id,
                                                  AuthToken.kind == "session")).all()
    assert all(t.revoked_at is not None for t in sessions)


@pytest.mark.parametrize(("password", "message"), [
    ("12345678", "only digits"),
    ("2024202520", "only digits"),
    ("aaaaaaaa", "one character repeated"),
    ("........", "one character repeated"),
    ("abcdefgh", "sequence"),
    ("qwertyui", "sequence"),
    ("Qwerty123", "sequence"),
    ("asdfasdf", "sequence"),
    ("1q2w3e4r", "sequence"),
    ("zyxwvuts", "sequence"),
    ("contraseña", "most common"),
    ("Contrasena1", "most common"),
    ("hospital", "most common"),
    ("Hospital2024!", "most common"),
    ("password1", "most common"),
    ("iticket2024", "most common"),
    ("bienvenido", "most common"),
    ("ana12345", "username"),
    ("AnaGomez", "your name"),
    ("gomez2024", "your name"),
])
def test_weak_passwords_are_refused_one_message_per_rule(password, message):
    with pytest.raises(ValidationError, match=message):
        check_new_password("ana", password, full_name="Ana Gómez")


@pytest.mark.parametrize("password", [
    "demo1234",  # the demo's password (iticket/cli/demo.py)
    "ana-secreta-1", "sofia-secreta-1", "una-clave-nueva", "clave-segura-1", "agente-bench",
    "una-clave-mejor", "nueva-clave-1", "Guardia-Norte-7", "mi perro come tomates",
])
def test_reasonable_passwords_pass(password):
    check_new_password("ana", password, full_name="Ana Gómez")


def test_the_forced_change_refuses_a_weak_password(db, actors):
    with pytest.raises(ValidationError, match="only digits"):
        auth.change_own_password(db, actor=actors["helpdesk"], current="helpdesk", new="12345678")
    with pytest.raises(ValidationError, match="most common"):
        users.reset_password(db, "ana", actor=actors["helpdesk"], password="contraseña1")
    with pytest.raises(ValidationError, match="your name"):
        users.add_user(db, "marta", full_name="Marta Díaz", actor=actors["helpdesk"], password="Diaz2024")


def test_generated_passwords_always_pass_the_rules(db, actors):
    for _attempt in range(20):
        _user, generated = users.reset_password(db, "ana", actor=actors["helpdesk"])
        assert generated is not None
        check_new_password("ana", generated, full_name="Ana Gómez")
