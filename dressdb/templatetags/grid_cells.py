"""The record-status grid's cells as HTML, one tag per row (a 50-row page has over a
thousand cells: rendered node by node they were most of the page's time).

    {% load grid_cells %}
    {% grid_cells row.cells row.participant.study_id %}

Each cell is a `<td>` coloured by its state, with its mark (colour is never the only
cue), its title, and a link to its form when it has one (with the due date, site-local,
unless complete). The text is escaped as the template would escape it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from dressdb.grid import Cell, CellState

register = template.Library()


def _cell(cell: Cell, study_id: str, titles: dict[tuple[str, Any, str], str]) -> str:
    state = conditional_escape(cell.state)
    key = (cell.state, cell.due, cell.note)
    if key not in titles:  # the same few labels and dates, translated once a page
        titles[key] = conditional_escape(cell.title)
    title = titles[key]
    mark = conditional_escape(cell.mark)
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
        f'{head}<a href="{conditional_escape(cell.url)}"  '
        f'aria-label="{conditional_escape(study_id)} {title}">'
        f'<span aria-hidden="true">{mark}</span>{due}</a></td>'
    )


@register.simple_tag(takes_context=True)
def grid_cells(context: template.Context, cells: Iterable[Cell], study_id: str) -> SafeString:
    render_context: Any = context.render_context
    titles: dict[tuple[str, Any, str], str] = render_context.setdefault("grid_cell_titles", {})
    return mark_safe("\n      ".join(_cell(c, study_id, titles) for c in cells))  # noqa: S308  (escaped above)
