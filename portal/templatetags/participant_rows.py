"""The participant list's rows as HTML, one tag per row (the list and the coordinator's
home page show 50: rendered node by node, their variables, filters and translations
were most of the page's time).

    {% load participant_rows %}
    <tr>
      {% participant_row row %}
    </tr>

The cells are those the template wrote (templates/enrollment/_participant_table.html
before): study ID linked to the participant's page, site, arm (and "switched"), study
day, status, next item due, enrolment date (site-local), age, sex, weight, renal
impairment. Values are localized and escaped as `{{ value }}` would do them
(render_value_in_context); labels that repeat down a page are translated once a page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import yesno
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from dressdb.grid import CellState, cell_url
from dressdb.templatetags.site_time import site_date
from enrollment.templatetags.enrollment_labels import status_label

register = template.Library()


class _Page:
    def __init__(self) -> None:
        self.words: dict[str, str] = {}
        self.statuses: dict[Any, str] = {}
        self.arms: dict[tuple[str, bool], str] = {}

    def word(self, message: str) -> str:
        found = self.words.get(message)
        if found is None:
            found = self.words[message] = gettext(message)
        return found


def _page(context: template.Context) -> _Page:
    render_context: Any = context.render_context
    page = render_context.get("participant_rows")
    if page is None:
        page = render_context["participant_rows"] = _Page()
    return page


@register.simple_tag(takes_context=True)
def participant_row(context: template.Context, row: Any) -> SafeString:
    """A portal.grid.Row as the list's cells."""
    page = _page(context)
    p = row.participant

    def v(value: Any) -> str:  # as {{ value }}
        return str(render_value_in_context(value, context))

    arm_key = (p.current_arm, bool(row.switched))
    arm = page.arms.get(arm_key)
    if arm is None:
        label = row.arm_label
        arm = v(gettext(label)) if label else "–"
        if row.switched:
            arm += f' <span class="badge text-bg-warning">{page.word("switched")}</span>'
        page.arms[arm_key] = arm
    status = row.status
    status_key = (status.state, status.since, status.detail)
    shown = page.statuses.get(status_key)
    if shown is None:
        shown = page.statuses[status_key] = (
            f'<span class="badge text-bg-{v(status.badge)}">{v(status_label(status))}</span>'
        )
    due = "–"
    cell = row.next_due
    if cell:
        overdue = cell.state == CellState.OVERDUE
        when = ""
        if overdue:
            when = " " + page.word("(overdue)")
        elif cell.due == row.today:
            when = " " + page.word("(today)")
        due = (
            f'<a href="{v(cell.url)}">{v(cell.what)}</a> '
            f'<span class="text-nowrap{" text-danger fw-semibold" if overdue else ""}">'
            f"{escape(formats.date_format(cell.due, 'SHORT_DATE_FORMAT'))}{when}</span>"
        )
    study_day = row.study_day
    return mark_safe(  # noqa: S308  (every value escaped above)
        f'<td><a href="{cell_url("participant_detail", p.pk)}">{v(p.study_id)}</a></td>\n'
        f"      <td>{v(p.site.code)}</td>\n"
        f"      <td>{arm}</td>\n"
        f"      <td>{'–' if study_day is None else v(study_day)}</td>\n"
        f"      <td>{shown}</td>\n"
        f'      <td data-testid="next-due" class="next-due">{due}</td>\n'
        f'      <td class="text-nowrap col-secondary">{v(site_date(p.enrolled_at, p.site))}</td>\n'
        f'      <td class="col-secondary">{v(p.age)}</td>'
        f'<td class="col-secondary">{v(p.get_sex_display())}</td>'
        f'<td class="col-secondary">{v(p.weight_kg)}</td>\n'
        f'      <td class="col-secondary">'
        f"{v(yesno(p.renal_impairment, page.word('yes,no')))}</td>"
    )
