"""The daily-tasks board and the activity feed."""

from __future__ import annotations

from datetime import date

import pytest

from iticket.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from iticket.core.models import ActivityKind
from iticket.core.services import activity, tasks
from tests.core.helpers import new_ticket

DAY = date(2026, 12, 3)


def test_tasks_are_per_unit_and_day(db, actors):
    t = tasks.add_task(db, "Cambiar tóner del 3er piso", actor=actors["sofia"], day=DAY)
    tasks.add_task(db, "Otra cosa", actor=actors["sofia"], day=date(2026, 12, 4))
    tasks.add_task(db, "Tarea de helpdesk", actor=actors["ana"], day=DAY)
    board = tasks.list_tasks(db, actor=actors["diego"], day=DAY)
    assert [(x.text, x.author, x.done) for x in board] == [("Cambiar tóner del 3er piso", "sofia", False)]
    done = tasks.complete_task(db, t.id, actor=actors["diego"])
    assert (done.done, done.done_by) == (True, "diego")
    with pytest.raises(Conflict):
        tasks.complete_task(db, t.id, actor=actors["diego"])
    assert not tasks.complete_task(db, t.id, actor=actors["diego"], done=False).done
    with pytest.raises(NotFound):
        tasks.complete_task(db, 999, actor=actors["diego"])
    with pytest.raises(ValidationError):
        tasks.add_task(db, " ", actor=actors["diego"], day=DAY)


def test_recent_activity_of_a_unit_includes_moves_in_and_out(db, actors):
    t = new_ticket(db, actors)
    tickets_moved = new_ticket(db, actors, assignee="sofia")
    feed = activity.recent_activity(db, actor=actors["sofia"])
    assert feed[0].kind == ActivityKind.STATUS_CHANGED and feed[0].ticket_id == tickets_moved.id
    assert {a.ticket_id for a in feed if a.ticket_id} == {tickets_moved.id}
    hd_feed = activity.recent_activity(db, actor=actors["ana"])
    assert {a.ticket_id for a in hd_feed if a.ticket_id} == {t.id, tickets_moved.id}
    assert any(a.kind == ActivityKind.MOVED for a in hd_feed)
    older = activity.recent_activity(db, actor=actors["ana"], before_id=hd_feed[1].id, limit=1)
    assert older[0].id < hd_feed[1].id


def test_failed_logins_are_for_admins_only(db, actors):
    from iticket.core.errors import NotAuthenticated
    from iticket.core.services import auth

    with pytest.raises(NotAuthenticated):
        auth.authenticate(db, "ana", "mal")
    assert not any(a.kind == ActivityKind.LOGIN_FAILED for a in activity.recent_activity(db, actor=actors["ana"]))
    assert any(a.kind == ActivityKind.LOGIN_FAILED for a in activity.recent_activity(db, actor=actors["helpdesk"]))


UNKNOWN_SPORTE = "Unit 'sporte' does not exist (units: helpdesk, soporte, desarrollo, seguridad)."


def test_tasks_board_by_unit_name_and_unknown_unit_is_not_found(db, actors):
    tasks.add_task(db, "Cambiar tóner del 3er piso", actor=actors["sofia"], day=DAY)
    for value in ("Soporte Técnico", "SOPORTE", "soporte tecnico"):
        board = tasks.list_tasks(db, actor=actors["helpdesk"], day=DAY, unit=value)
        assert [x.text for x in board] == ["Cambiar tóner del 3er piso"], value
    assert len(tasks.list_tasks(db, actor=actors["diego"], day=DAY, unit="Soporte Técnico")) == 1
    # used to be an empty board: a typo now says so, for admins and agents alike (unit first,
    # then the policy)
    for who in ("helpdesk", "diego"):
        with pytest.raises(NotFound) as info:
            tasks.list_tasks(db, actor=actors[who], day=DAY, unit="sporte")
        assert str(info.value) == UNKNOWN_SPORTE
    with pytest.raises(PermissionDenied):
        tasks.list_tasks(db, actor=actors["diego"], day=DAY, unit="HelpDesk")


def test_activity_by_unit_name_and_unknown_unit_is_not_found(db, actors):
    moved = new_ticket(db, actors, assignee="sofia")
    for value in ("Soporte Técnico", "SOPORTE", " soporte  tecnico "):
        feed = activity.recent_activity(db, actor=actors["helpdesk"], unit=value)
        assert {a.ticket_id for a in feed if a.ticket_id} == {moved.id}, value
    assert activity.recent_activity(db, actor=actors["helpdesk"], unit="ALL")
    for who in ("helpdesk", "sofia"):
        with pytest.raises(NotFound) as info:
            activity.recent_activity(db, actor=actors[who], unit="sporte")
        assert str(info.value) == UNKNOWN_SPORTE
    with pytest.raises(PermissionDenied):
        activity.recent_activity(db, actor=actors["sofia"], unit="helpdesk")
