"""Logins, lockout, sessions, API tokens and passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from iticket.core.errors import AccountLocked, NotAuthenticated, ValidationError
from iticket.core.models import Activity, ActivityKind, AuthToken, User
from iticket.core.services import auth, users
from iticket.core.timeutil import utcnow


def kinds(db):
    with db.read() as s:
        return [a.kind for a in s.exec(select(Activity).order_by(Activity.id))]


def test_login_is_case_insensitive_and_bot_cannot_log_in(db):
    assert auth.authenticate(db, "HelpDesk", "helpdesk").username == "helpdesk"
    with pytest.raises(NotAuthenticated, match="bot"):
        auth.authenticate(db, "wspbot", "wspbot")


def test_wrong_password_and_unknown_user_are_logged(db):
    for user in ("helpdesk", "nobody"):
        with pytest.raises(NotAuthenticated):
            auth.authenticate(db, user, "wrong")
    assert kinds(db).count(ActivityKind.LOGIN_FAILED) == 2


def test_five_failures_lock_the_account_for_15_minutes(db):
    for _ in range(4):
        with pytest.raises(NotAuthenticated) as exc:
            auth.authenticate(db, "soporte", "wrong")
        assert not isinstance(exc.value, AccountLocked)
    with pytest.raises(AccountLocked):
        auth.authenticate(db, "soporte", "wrong")
    with pytest.raises(AccountLocked, match="15"):  # even the right password waits
        auth.authenticate(db, "soporte", "soporte")
    assert ActivityKind.ACCOUNT_LOCKED in kinds(db)
    with db.write() as s:  # time passes
        u = s.exec(select(User).where(User.username == "soporte")).one()
        u.locked_until = utcnow() - timedelta(seconds=1)
        s.add(u)
    assert auth.authenticate(db, "soporte", "soporte").username == "soporte"


def test_a_success_resets_the_failure_count(db):
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            auth.authenticate(db, "soporte", "wrong")
    auth.authenticate(db, "soporte", "soporte")
    for _ in range(4):
        with pytest.raises(NotAuthenticated) as exc:
            auth.authenticate(db, "soporte", "wrong")
        assert not isinstance(exc.value, AccountLocked)


def test_sessions_are_stored_hashed_and_expire(db):
    actor, secret = auth.login(db, "helpdesk", "helpdesk")
    assert auth.actor_for_token(db, secret) == actor
    with db.read() as s:
        stored = s.exec(select(AuthToken)).one()
    assert secret not in stored.token_hash and len(stored.token_hash) == 64
    with db.write() as s:
        t = s.get(AuthToken, stored.id)
        t.expires_at = utcnow() - timedelta(minutes=1)
        s.add(t)
    with pytest.raises(NotAuthenticated, match="expired"):
        auth.actor_for_token(db, secret)


def test_logout_and_revoke(db, actors):
    _, secret = auth.login(db, "helpdesk", "helpdesk")
    auth.logout(db, secret)
    with pytest.raises(NotAuthenticated):
        auth.actor_for_token(db, secret)
    token, api_secret = auth.create_token(db, "backup-script", actor=actors["helpdesk"])
    assert auth.actor_for_token(db, api_secret).username == "helpdesk"
    assert [t.name for t in auth.list_tokens(db, actor=actors["helpdesk"])] == ["backup-script"]
    auth.revoke_token(db, token.id, actor=actors["helpdesk"])
    with pytest.raises(NotAuthenticated, match="revoked"):
        auth.actor_for_token(db, api_secret)
    with pytest.raises(NotAuthenticated):
        auth.actor_for_token(db, "itk_made_up")


def test_bot_token_made_by_its_units_admin(db, actors):
    _, secret = auth.create_token(db, "whatsapp", actor=actors["helpdesk"], for_user="wspbot")
    assert auth.actor_for_token(db, secret).username == "wspbot"


def test_deactivated_user_loses_tokens(db, actors):
    _, secret = auth.create_token(db, "mine", actor=actors["sofia"])
    users.deactivate_user(db, "sofia", actor=actors["soporte"])
    with pytest.raises(NotAuthenticated):
        auth.actor_for_token(db, secret)
    with pytest.raises(NotAuthenticated):
        auth.authenticate(db, "sofia", "sofia-secreta-1")


def test_change_own_password_clears_must_change(db, actors):
    with pytest.raises(NotAuthenticated):
        auth.change_own_password(db, actor=actors["soporte"], current="wrong", new="una-clave-nueva")
    with pytest.raises(ValidationError):
        auth.change_own_password(db, actor=actors["soporte"], current="soporte", new="corta")
    auth.change_own_password(db, actor=actors["soporte"], current="soporte", new="una-clave-nueva")
    a = auth.authenticate(db, "soporte", "una-clave-nueva")
    assert not a.must_change_password
    assert ActivityKind.PASSWORD_CHANGED in kinds(db)


def test_admin_reset_forces_a_change_and_ends_sessions(db, actors):
    _, session_secret = auth.login(db, "ana", "ana-secreta-1")
    user, generated = users.reset_password(db, "ana", actor=actors["helpdesk"])
    assert generated and user.must_change_password
    with pytest.raises(NotAuthenticated):
        auth.actor_for_token(db, session_secret)
    assert auth.authenticate(db, "ana", generated).must_change_password


def test_add_user_validates(db, actors):
    hd = actors["helpdesk"]
    for bad in ("A", "con espacio", "x" * 70):
        with pytest.raises(ValidationError):
            users.add_user(db, bad, full_name="X", actor=hd)
    with pytest.raises(ValidationError):
        users.add_user(db, "nuevo", full_name=" ", actor=hd)
    user, generated = users.add_user(db, "Nuevo", full_name="Nuevo Agente", actor=hd)
    assert user.username == "nuevo" and generated
    from iticket.core.errors import Conflict

    with pytest.raises(Conflict):
        users.add_user(db, "NUEVO", full_name="Otro", actor=hd)


def test_users_take_a_unit_by_code_or_display_name(db, actors):
    hd, soporte = actors["helpdesk"], actors["soporte"]
    assert users.get_unit(db, "Soporte Técnico").code == "soporte"
    assert users.get_unit(db, "soporte tecnico").name == "Soporte Técnico"
    names = {u.username for u in users.list_users(db, actor=hd, unit="SOPORTE TÉCNICO")}
    assert names == {"soporte", "sofia", "diego"}
    assert {u.username for u in users.list_users(db, actor=hd, unit="All")} >= names | {"ana"}
    user, _generated = users.add_user(db, "nueva", full_name="Nueva Agente", actor=soporte,
                                      unit="Soporte Técnico")
    assert user.unit == "soporte"


def test_users_unknown_unit_lists_the_valid_codes(db, actors):
    from iticket.core.errors import NotFound, PermissionDenied

    expected = "Unit 'sporte' does not exist (units: helpdesk, soporte, desarrollo, seguridad)."
    calls = [
        lambda: users.get_unit(db, "sporte"),
        lambda: users.list_users(db, actor=actors["helpdesk"], unit="sporte"),
        lambda: users.add_user(db, "nueva", full_name="Nueva", actor=actors["soporte"], unit="sporte"),
    ]
    for call in calls:
        with pytest.raises(NotFound) as info:
            call()
        assert str(info.value) == expected
    # an existing unit that is not the admin's own is still refused by the policy
    with pytest.raises(PermissionDenied):
        users.add_user(db, "nueva", full_name="Nueva", actor=actors["soporte"], unit="HelpDesk")
