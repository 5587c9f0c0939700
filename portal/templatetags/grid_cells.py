"""The record-status grid's rows as HTML, one tag per row (a 50-row page has over a
thousand cells: rendered node by node they were most of the page's time).

    {% load grid_cells %}
    <tr>
      {% grid_row row %}
    </tr>

`grid_row` writes the row's header (study ID linked to the participant's page, site,
arm, study day), its status badge and its cells; `grid_cells` the cells alone. Each
cell is a `<td>` coloured by its state, with its mark (colour is never the only cue),
its title, and a link to its form when it has one (with the due date, site-local,
unless complete). The text is escaped as the template would escape it (html.escape,
which is what Django's escape filter calls).

What repeats down a page (the state's labels and marks, a status's label, an arm's
label, a site's code, "· day N") is worked out once a page and kept in the template's
render context (one render, one language): per row, only the row's own values are
escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import formats
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

from dressdb.grid import Cell, CellState, cell_url

register = template.Library()


def _esc(value: Any) -> str:
    """Django's conditional_escape, without its lazy-string wrapper."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))


class _Page:
    """What a page's rows share, translated and escaped once a render."""

    def __init__(self) -> None:
        self.titles: dict[tuple[str, Any, str], str] = {}
        self.states: dict[str, tuple[str, str]] = {}
        self.statuses: dict[Any, tuple[str, str, str]] = {}
        self.arms: dict[str, str] = {}
        self.sites: dict[int, str] = {}
        self.days: dict[int, str] = {}

    def state(self, cell: Cell) -> tuple[str, str]:
        found = self.states.get(cell.state)
        if found is None:
            found = self.states[cell.state] = (_esc(cell.state), _esc(cell.mark))
        return found

    def title(self, cell: Cell) -> str:
        key = (cell.state, cell.due, cell.note)
        found = self.titles.get(key)
        if found is None:  # the same few labels and dates, translated once a page
            found = self.titles[key] = _esc(cell.title)
        return found


def _page(context: template.Context) -> _Page:
    render_context: Any = context.render_context
    page = render_context.get("grid_page")
    if page is None:
        page = render_context["grid_page"] = _Page()
    return page


def _cell(cell: Cell, study_id: str, page: _Page) -> str:
    """`study_id` escaped already."""
    state, mark = page.state(cell)
    title = page.title(cell)
    head = f'<td class="grid-cell grid-cell-{state}" data-state="{state}"  title="{title}">'
    if not cell.url:
        return (
            f'{head}<span aria-hidden="true">{mark}</span>'
            f'<span class="visually-hidden">{title}</span></td>'
        )
    due = (
        f'<span class="grid-date">{cell.due.strftime("%m-%d")}</span>'
        if cell.due and cell.state != CellState.COMPLETE
        else ""
    )
    return (
        f'{head}<a href="{_esc(cell.url)}"  '
        f'aria-label="{study_id} {title}">'
        f'<span aria-hidden="true">{mark}</span>{due}</a></td>'
    )


def _cells(cells: Iterable[Cell], study_id: str, page: _Page) -> str:
    return "\n      ".join(_cell(c, study_id, page) for c in cells)


@register.simple_tag(takes_context=True)
def grid_cells(context: template.Context, cells: Iterable[Cell], study_id: str) -> SafeString:
    return mark_safe(_cells(cells, _esc(study_id), _page(context)))  # noqa: S308  (escaped above)


@register.simple_tag(takes_context=True)
def grid_row(context: template.Context, row: Any) -> SafeString:
    """A portal.grid.Row: its header cell, its status cell and its form cells."""
    from enrollment.templatetags.enrollment_labels import status_label

    page = _page(context)
    p = row.participant
    study_id = _esc(p.study_id)
    site = page.sites.get(p.site_id)
    if site is None:
        site = page.sites[p.site_id] = _esc(p.site.code)
    arm = page.arms.get(p.current_arm)
    if arm is None:
        label = row.arm_label
        arm = page.arms[p.current_arm] = f" · {_esc(label)}" if label else ""
    study_day = row.study_day
    day = ""
    if study_day:
        day = page.days.get(study_day, "")
        if not day:
            day = page.days[study_day] = " " + gettext("· day %(study_day)s") % {
                "study_day": _esc(formats.localize(study_day))
            }
    status = row.status
    key = (status.state, status.since, status.detail)
    shown = page.statuses.get(key)
    if shown is None:
        shown = page.statuses[key] = (
            _esc(status.badge),
            _esc(status_label(status)),
            _esc(row.status_short),
        )
    badge, status_title, short = shown
    url = cell_url("participant_detail", p.pk)
    return mark_safe(  # noqa: S308  (every value escaped above)
        f'<th scope="row" class="grid-sticky text-nowrap"><a href="{url}">{study_id}</a>'
        f'<div class="small text-muted fw-normal">{site}{arm}{day}</div></th>\n'
        f'      <td><span class="badge text-bg-{badge} grid-status"  title="{status_title}">'
        f"{short}</span></td>\n"
        f"      {_cells(row.cells, study_id, page)}"
    )
