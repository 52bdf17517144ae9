"""The daily-tasks board of a unit: posted by a user, seen by every user of that unit."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from iticket.core.db import Database
from iticket.core.errors import Conflict, NotFound
from iticket.core.i18n import _
from iticket.core.models import ActivityKind, Actor, Task, TaskPublic
from iticket.core.policy import (
    require_complete_task,
    require_post_task,
    require_staff,
    require_view_unit,
)
from iticket.core.rules import clean_text
from iticket.core.services._common import live_actor, log, unit_code, usernames
from iticket.core.timeutil import utcnow

MAX_TASK = 500


def list_tasks(db: Database, *, actor: Actor, day: date, unit: str | None = None) -> list[TaskPublic]:
    require_staff(actor)
    with db.read() as session:
        code = unit_code(session, unit or actor.unit)
        require_view_unit(actor, code)
        rows = list(
            session.exec(
                select(Task).where(Task.unit_code == code, Task.day == day).order_by(col(Task.id))
            ).all()
        )
        names = usernames(session, [t.author_id for t in rows] + [t.done_by_id for t in rows])
        return [_public(t, names) for t in rows]


def add_task(db: Database, text: str, *, actor: Actor, day: date) -> TaskPublic:
    body = clean_text(text, what=_("The task"), max_len=MAX_TASK)
    with db.write() as session:
        actor = live_actor(session, actor)
        require_post_task(actor, actor.unit)
        task = Task(unit_code=actor.unit, day=day, text=body, author_id=actor.id)
        session.add(task)
        session.flush()
        log(session, ActivityKind.TASK_POSTED, actor_id=actor.id, unit=actor.unit,
            detail=body[:200], after=str(task.id))
        return _public(task, {actor.id: actor.username})


def complete_task(db: Database, task_id: int, *, actor: Actor, done: bool = True) -> TaskPublic:
    """Mark a task done (or not done again, with ``done=False``)."""
    with db.write() as session:
        actor = live_actor(session, actor)
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(_("Task {id} does not exist.").format(id=task_id))
        require_complete_task(actor, task.unit_code)
        if done and task.done_at is not None:
            raise Conflict(_("Task {id} is already done.").format(id=task_id))
        if not done and task.done_at is None:
            raise Conflict(_("Task {id} is not done.").format(id=task_id))
        task.done_at = utcnow() if done else None
        task.done_by_id = actor.id if done else None
        session.add(task)
        if done:
            log(session, ActivityKind.TASK_DONE, actor_id=actor.id, unit=task.unit_code,
                detail=task.text[:200], after=str(task.id))
        names = usernames(session, [task.author_id, task.done_by_id])
        return _public(task, names)


def _public(t: Task, names: dict[int, str]) -> TaskPublic:
    return TaskPublic(
        id=t.id or 0,
        unit=t.unit_code,
        day=t.day,
        text=t.text,
        author=names.get(t.author_id, "?"),
        created_at=t.created_at,
        done=t.done_at is not None,
        done_at=t.done_at,
        done_by=names.get(t.done_by_id) if t.done_by_id else None,
    )
