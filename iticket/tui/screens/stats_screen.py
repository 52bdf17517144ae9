"""Statistics (admins): resolved and rejected tickets per unit and per user, and the trend per
day, for a date range chosen from presets (today, 7 days, 30 days, this month, all time) or
typed (custom). Tables and plotext bar charts side by side when there is room.

All numbers come from ``core.services.stats.compute_stats`` (SQL aggregation over the activity
log), computed in a worker; the screen only lays them out.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual_plotext import PlotextPlot

from iticket.core.chart import count_ticks
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.services.stats import compute_stats
from iticket.core.services.stats_schemas import StatsReport
from iticket.core.timeutil import utcnow
from iticket.tui.format import zone
from iticket.tui.screens.base import DataScreen


def presets() -> list[tuple[str, str]]:
    return [(_("Today"), "today"), (_("Last 7 days"), "7d"), (_("Last 30 days"), "30d"),
            (_("This month"), "month"), (_("All time"), "all"), (_("Custom…"), "custom")]


def preset_range(preset: str, today: date) -> tuple[date | None, date | None]:
    if preset == "today":
        return today, today
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "month":
        return today.replace(day=1), today
    return None, None


def _parse(value: str, what: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Invalid date for {opt}: '{value}' (use YYYY-MM-DD).").format(opt=what, value=value)) from None


class StatsScreen(DataScreen):
    CSS_PATH = "stats_screen.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.preset = "30d"
        self.report: StatsReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="range"):
            yield Select(presets(), value=self.preset, allow_blank=False, id="preset", compact=True)
            yield Input(id="from", placeholder=_("from YYYY-MM-DD"))
            yield Input(id="to", placeholder=_("to YYYY-MM-DD"))
        yield Static("", id="totals")
        with TabbedContent(id="tabs"):
            with TabPane(_("Units"), id="tab-units"), Horizontal(classes="pair"):
                yield DataTable(id="units", cursor_type="row")
                yield PlotextPlot(id="units-chart")
            with TabPane(_("Users"), id="tab-users"), Horizontal(classes="pair"):
                yield DataTable(id="users", cursor_type="row")
                yield PlotextPlot(id="users-chart")
            with TabPane(_("Per day"), id="tab-days"), Vertical():
                yield PlotextPlot(id="days-chart")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        units = self.query_one("#units", DataTable)
        for title, width in ((_("Unit"), 16), (_("Resolved"), 10), (_("Rejected"), 10), (_("Open"), 8)):
            units.add_column(title, width=width)
        people = self.query_one("#users", DataTable)
        for title, width in ((_("User"), 14), (_("Unit"), 16), (_("Resolved"), 10), (_("Rejected"), 10)):
            people.add_column(title, width=width)
        self._custom_inputs(False)
        self.reload()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 110, "-wide")

    def _custom_inputs(self, show: bool) -> None:
        for name in ("#from", "#to"):
            self.query_one(name, Input).display = show

    def date_range(self) -> tuple[date | None, date | None]:
        if self.preset == "custom":
            return (_parse(self.query_one("#from", Input).value, _("from")),
                    _parse(self.query_one("#to", Input).value, _("to")))
        return preset_range(self.preset, utcnow().astimezone(zone()).date())

    def reload(self) -> None:
        actor, db = self.itapp.actor, self.itapp.db
        if actor is None:
            return
        try:
            start, end = self.date_range()
        except ValidationError as exc:
            self.notify(exc.message, severity="error")
            return
        self.run_db(lambda: compute_stats(db, actor=actor, date_from=start, date_to=end), self._show)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.preset = str(event.value)
        self._custom_inputs(self.preset == "custom")
        if self.preset == "custom":
            self.query_one("#from", Input).focus()
        else:
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()

    # ---------------------------------------------------------------- showing

    def _show(self, report: StatsReport) -> None:
        self.report = report
        start, end = report.date_from, report.date_to
        span = _("all time") if start is None and end is None else f"{start or '…'} → {end or '…'}"
        t = report.totals
        self.query_one("#totals", Static).update(
            _("{span}: {resolved} resolved · {rejected} rejected · {created} received · {open} open now").format(
                span=span, resolved=t.resolved, rejected=t.rejected, created=t.created,
                open=t.pending + t.in_progress)
        )
        units = self.query_one("#units", DataTable)
        units.clear()
        for u in report.by_unit:
            units.add_row(self.itapp.unit_name(u.unit), str(u.resolved), str(u.rejected),
                          str(u.pending + u.in_progress), key=u.unit)
        people = self.query_one("#users", DataTable)
        people.clear()
        for row in sorted(report.by_user, key=lambda r: -(r.resolved + r.rejected)):
            people.add_row(row.user, self.itapp.unit_name(row.unit), str(row.resolved), str(row.rejected),
                           key=f"{row.user}@{row.unit}")
        self._bars("#units-chart", [self.itapp.unit_name(u.unit)[:10] for u in report.by_unit],
                   [u.resolved for u in report.by_unit], [u.rejected for u in report.by_unit])
        top = sorted(report.by_user, key=lambda r: -(r.resolved + r.rejected))[:8]
        self._bars("#users-chart", [r.user[:10] for r in top], [r.resolved for r in top], [r.rejected for r in top])
        self._days(report)

    def _bars(self, selector: str, labels: list[str], resolved: list[int], rejected: list[int]) -> None:
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if labels:
            plt.multiple_bar(labels, [resolved, rejected], labels=[_("Resolved"), _("Rejected")],
                             color=["green", "red"])
            _count_axis(plt, max(resolved + rejected))
        plot.refresh()

    def _days(self, report: StatsReport) -> None:
        plot = self.query_one("#days-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        days = report.by_day
        if days:
            x = list(range(len(days)))
            plt.plot(x, [d.resolved for d in days], label=_("Resolved"), color="green")
            plt.plot(x, [d.rejected for d in days], label=_("Rejected"), color="red")
            plt.plot(x, [d.created for d in days], label=_("Received"), color="cyan")
            step = max(1, len(days) // 6)
            plt.xticks(x[::step], [d.day.strftime("%d/%m") for d in days][::step])
            _count_axis(plt, max(max(d.resolved, d.rejected, d.created) for d in days))
        plot.refresh()


def _count_axis(plt: Any, top: int) -> None:
    """Whole, round ticks on the count axis (plotext's own read 8.8, 53.0)."""
    ticks = count_ticks(top, most=5)
    plt.yticks(ticks)
    plt.ylim(0, ticks[-1])
