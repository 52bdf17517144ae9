"""``iticket tasks list | add | done``: the unit's daily-tasks board."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from iticket.cli.common import actor_of, ctx_of, id_argument, json_option, parse_date
from iticket.cli.output import err, handled, out, print_json
from iticket.cli.render import task_json
from iticket.core.i18n import _
from iticket.core.services import tasks as svc

tasks_app = typer.Typer(help=_("The unit's daily tasks."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")


def _today() -> date:
    return date.today()


@tasks_app.command("list", help=_("Tasks of your unit for a day (default today)."))
def list_(ctx: typer.Context, day: str | None = typer.Option(None, "--date", help="YYYY-MM-DD"),
          unit: str | None = typer.Option(None, "--unit", help=_("Admins: another unit's board.")),
          as_json: bool = json_option()) -> None:
    with handled(as_json):
        when = parse_date(day) or _today()
        rows = svc.list_tasks(ctx_of(ctx).db, actor=actor_of(ctx), day=when, unit=unit)
        if as_json:
            print_json([task_json(t) for t in rows])
            return
        if not rows:
            err.print(_("No tasks for {day}.").format(day=when.isoformat()), markup=False)
            return
        table = Table(show_edge=False, pad_edge=False)
        for col in ("ID", "", _("Task"), _("Posted by"), _("Done by")):
            table.add_column(col)
        for t in rows:
            table.add_row(str(t.id), "✔" if t.done else "·", t.text, t.author, t.done_by or "")
        out.print(table)


@tasks_app.command("add", help=_("Post a task on your unit's board."))
def add(ctx: typer.Context, text: str = typer.Argument(..., metavar="TEXT"),
        day: str | None = typer.Option(None, "--date", help="YYYY-MM-DD"),
        as_json: bool = json_option()) -> None:
    with handled(as_json):
        when = parse_date(day) or _today()
        task = svc.add_task(ctx_of(ctx).db, text, actor=actor_of(ctx), day=when)
        if as_json:
            print_json(task_json(task))
        else:
            err.print(_("Task {id} posted for {day}.").format(id=task.id, day=when.isoformat()), markup=False)


@tasks_app.command("done", help=_("Mark a task as done."))
def done(ctx: typer.Context, task_id: int = id_argument("ID"),
         undo: bool = typer.Option(False, "--undo", help=_("Mark it as not done again.")),
         as_json: bool = json_option()) -> None:
    with handled(as_json):
        task = svc.complete_task(ctx_of(ctx).db, task_id, actor=actor_of(ctx), done=not undo)
        if as_json:
            print_json(task_json(task))
        else:
            err.print((_("Task {id} done.") if task.done else _("Task {id} is pending again.")).format(id=task.id), markup=False)
