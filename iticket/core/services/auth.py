"""Logins, sessions and API tokens.

Secrets are random URL-safe strings shown once; only their SHA-256 is stored, so a stolen
database yields no usable token. Five failed logins in a row lock an account for 15 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, or_, select

from iticket.core.db import Database
from iticket.core.errors import AccountLocked, NotAuthenticated, NotFound, ValidationError
from iticket.core.i18n import _
from iticket.core.models import ActivityKind, Actor, AuthToken, Role, TokenPublic, User
from iticket.core.passwords import check_new_password, hash_password, verify_password
from iticket.core.policy import require_manage_user
from iticket.core.services._common import actor_of, get_user_by_name, live_actor, log
from iticket.core.timeutil import utcnow

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
TOKEN_PREFIX = "itk_"
# A token used within this interval is not written again: reading commands stay read-only.
_TOUCH_EVERY = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def authenticate(db: Database, username: str, password: str) -> Actor:
    """Check a password for an interactive login (the bot account cannot log in)."""
    bad = NotAuthenticated(_("Wrong username or password."))
    now = utcnow()
    with db.write() as session:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
        if user is None or not user.active:
            log(session, ActivityKind.LOGIN_FAILED, actor_id=None, detail=username[:200])
            failure: Exception = bad
        elif user.locked_until and user.locked_until > now:
            failure = _locked(user.locked_until)
        elif not verify_password(user.password_hash, password):
            failure = _count_failure(session, user, now) or bad
        elif user.role == Role.BOT:
            failure = NotAuthenticated(_("The bot account cannot log in; use an API token."))
        else:
            if user.failed_logins or user.locked_until:
                user.failed_logins = 0
                user.locked_until = None
                session.add(user)
            return actor_of(user)
    # The failure is recorded (committed above) before it is reported.
    raise failure


def _count_failure(session: Session, user: User, now: datetime) -> AccountLocked | None:
    """One more wrong password for ``user`` (at login or as the current password of a change):
    logged, and the fifth in a row locks the account. Returns the lockout error, if it locked."""
    user.failed_logins += 1
    log(session, ActivityKind.LOGIN_FAILED, actor_id=None, user_id=user.id, unit=user.unit_code)
    session.add(user)
    if user.failed_logins < MAX_FAILED_LOGINS:
        return None
    user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    user.failed_logins = 0
    log(session, ActivityKind.ACCOUNT_LOCKED, actor_id=None, user_id=user.id, unit=user.unit_code)
    return _locked(user.locked_until)


def _locked(until: datetime) -> AccountLocked:
    minutes = max(1, int((until - utcnow()).total_seconds() // 60) + 1)
    return AccountLocked(
        _("Too many failed attempts: the account is locked for {n} more minutes.").format(n=minutes)
    )


def login(db: Database, username: str, password: str, *, hours: int = 12) -> tuple[Actor, str]:
    """Authenticate and open a session; returns the actor and the session secret."""
    actor = authenticate(db, username, password)
    secret = _new_secret()
    with db.write() as session:
        session.add(
            AuthToken(
                user_id=actor.id,
                kind="session",
                name="login",
                token_hash=_digest(secret),
                expires_at=utcnow() + timedelta(hours=hours),
            )
        )
    return actor, secret


def logout(db: Database, secret: str) -> None:
    with db.write() as session:
        token = session.exec(select(AuthToken).where(AuthToken.token_hash == _digest(secret))).first()
        if token and token.revoked_at is None:
            token.revoked_at = utcnow()
            session.add(token)


def actor_for_token(db: Database, secret: str) -> Actor:
    """Who a session or API token belongs to; raises ``NotAuthenticated`` if it is not valid."""
    now = utcnow()
    with db.read() as session:
        row = session.exec(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)  # type: ignore[arg-type]
            .where(AuthToken.token_hash == _digest(secret.strip()))
        ).first()
    if row is None:
        raise NotAuthenticated(_("Invalid token. Log in again with 'iticket login'."))
    token, user = row
    if token.revoked_at is not None:
        raise NotAuthenticated(_("This token was revoked. Log in again with 'iticket login'."))
    if token.expires_at is not None and token.expires_at <= now:
        raise NotAuthenticated(_("Your session expired. Log in again with 'iticket login'."))
    if not user.active:
        raise NotAuthenticated(_("Your account is no longer active."))
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        with db.write() as session:
            fresh = session.get(AuthToken, token.id)
            if fresh is not None:
                fresh.last_used_at = now
                session.add(fresh)
    return actor_of(user)


def create_token(db: Database, name: str, *, actor: Actor, for_user: str | None = None) -> tuple[TokenPublic, str]:
    """A personal API token for the actor, or (admins) for a user of their unit such as the bot."""
    name = name.strip()
    if not name:
        raise ValidationError(_("The token needs a name."))
    with db.write() as session:
        actor = live_actor(session, actor)
        owner = session.get(User, actor.id)
        if for_user and for_user.strip().lower() != actor.username:
            owner = get_user_by_name(session, for_user)
            require_manage_user(actor, owner.unit_code)
        assert owner is not None and owner.id is not None
        secret = _new_secret()
        token = AuthToken(user_id=owner.id, kind="api", name=name[:100], token_hash=_digest(secret))
        session.add(token)
        session.flush()
        return _token_public(token, owner.username), secret


def list_tokens(db: Database, *, actor: Actor) -> list[TokenPublic]:
    """The actor's API tokens; for admins also those of their unit's users (the bot's among
    them), so every token an admin can revoke is one they can see."""
    with db.read() as session:
        query = (
            select(AuthToken, User.username)
            .join(User, User.id == AuthToken.user_id)  # type: ignore[arg-type]
            .where(AuthToken.kind == "api")
        )
        if actor.role == Role.ADMIN:
            query = query.where(or_(AuthToken.user_id == actor.id, User.unit_code == actor.unit))
        else:
            query = query.where(AuthToken.user_id == actor.id)
        rows = session.exec(query.order_by(AuthToken.id)).all()  # type: ignore[arg-type]
        return [_token_public(t, owner) for t, owner in rows]


def revoke_token(db: Database, token_id: int, *, actor: Actor) -> TokenPublic:
    with db.write() as session:
        actor = live_actor(session, actor)
        token = session.get(AuthToken, token_id)
        if token is None or token.kind != "api":
            raise NotFound(_("Token {id} does not exist.").format(id=token_id))
        if token.user_id != actor.id:
            owner = session.get(User, token.user_id)
            require_manage_user(actor, owner.unit_code if owner else "")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            session.add(token)
        owner_row = session.get(User, token.user_id)
        return _token_public(token, owner_row.username if owner_row else "")


def _token_public(t: AuthToken, owner: str = "") -> TokenPublic:
    return TokenPublic(
        id=t.id or 0,
        owner=owner,
        name=t.name,
        kind=t.kind,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        revoked=t.revoked_at is not None,
    )


def change_own_password(db: Database, *, actor: Actor, current: str, new: str) -> str:
    """The user changes their own password (the forced change after a seeded default too).

    A wrong current password counts as a failed login (logged, same counter and lockout): a
    session left open is no way to guess the password without limit. The lockout also ends the
    user's login sessions. Returns the new ``session_stamp``, so the session that made the
    change goes on."""
    now = utcnow()
    with db.write() as session:
        actor = live_actor(session, actor)
        user = session.get(User, actor.id)
        assert user is not None
        if user.locked_until and user.locked_until > now:
            failure: Exception = _locked(user.locked_until)
        elif not verify_password(user.password_hash, current):
            locked = _count_failure(session, user, now)
            if locked is not None:
                _end_sessions(session, user)
            failure = locked or NotAuthenticated(_("The current password is wrong."))
        else:
            set_password(session, user, new, actor=actor, forced_change=False)
            return _stamp(user)
    # The failure is recorded (committed above) before it is reported.
    raise failure


def _stamp(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def session_stamp(db: Database, actor: Actor) -> str:
    """A marker of the user's password: it changes whenever the password does. A front end
    keeping a session open (the TUI) takes it at sign-in and hands it to ``check_session``."""
    with db.read() as session:
        user = session.get(User, actor.id)
        return _stamp(user) if user is not None else ""


def check_session(db: Database, actor: Actor, stamp: str) -> None:
    """Raise ``NotAuthenticated`` with the reason when a session opened with ``stamp`` must end:
    the account was deactivated, or the password was reset or changed elsewhere. One read of
    the user's row by primary key, cheap enough to run every second."""
    with db.read() as session:
        user = session.get(User, actor.id)
        if user is None or not user.active:
            raise NotAuthenticated(_("Your session ended: your account was deactivated."))
        if _stamp(user) != stamp:
            if user.must_change_password:
                raise NotAuthenticated(_("Your session ended: your password was reset. Sign in again."))
            raise NotAuthenticated(
                _("Your session ended: your password was changed in another session. Sign in again.")
            )


def _end_sessions(session: Session, user: User) -> None:
    """Revoke the user's login sessions; API tokens stay (scripts keep running)."""
    for t in session.exec(
        select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.kind == "session",
                                AuthToken.revoked_at == None)  # noqa: E711
    ):
        t.revoked_at = utcnow()
        session.add(t)


def set_password(session: Session, user: User, new: str, *, actor: Actor, forced_change: bool) -> None:
    check_new_password(user.username, new, full_name=user.full_name)
    if verify_password(user.password_hash, new):
        raise ValidationError(_("The new password must differ from the current one."))
    user.password_hash = hash_password(new)
    user.must_change_password = forced_change
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    kind = ActivityKind.PASSWORD_RESET if forced_change else ActivityKind.PASSWORD_CHANGED
    log(session, kind, actor_id=actor.id, user_id=user.id, unit=user.unit_code)
    if forced_change:
        # A reset ends the user's sessions: CLI sessions here, open TUI sessions through
        # ``check_session`` (the password changed).
        _end_sessions(session, user)
