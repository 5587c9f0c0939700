"""The grid's and the participant list's rows are written by one tag a row (issue 20
goal 2: pages within 3x of /healthz). The HTML is the one the template nodes wrote
before: the templates they replaced are kept here as the oracle, rendered for the same
rows (every status, arm, switched arm, next item due, study day) in English and
French."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from demo.synthetic import seed_trial
from enrollment.arms import Arm
from enrollment.models import Participant
from portal import grid

pytestmark = pytest.mark.django_db

LIST_BEFORE = """{% load i18n %}{% load enrollment_labels %}{% load site_time %}
  {% for row in rows %}{% with p=row.participant %}
    <tr>
      <td><a href="{% url 'participant_detail' p.pk %}">{{ p.study_id }}</a></td>
      <td>{{ p.site.code }}</td>
      <td>{% if row.arm_label %}{% translate row.arm_label %}{% else %}–{% endif %}{% if row.switched %} <span class="badge text-bg-warning">{% translate "switched" %}</span>{% endif %}</td>
      <td>{{ row.study_day|default_if_none:"–" }}</td>
      <td><span class="badge text-bg-{{ row.status.badge }}">{{ row.status|status_label }}</span></td>
      <td data-testid="next-due" class="next-due">{% if row.next_due %}<a href="{{ row.next_due.url }}">{{ row.next_due.what }}</a> <span class="text-nowrap{% if row.next_due.state == 'overdue' %} text-danger fw-semibold{% endif %}">{{ row.next_due.due|date:"SHORT_DATE_FORMAT" }}{% if row.next_due.state == 'overdue' %} {% translate "(overdue)" %}{% elif row.next_due.due == row.today %} {% translate "(today)" %}{% endif %}</span>{% else %}–{% endif %}</td>
      <td class="text-nowrap col-secondary">{{ p.enrolled_at|site_date:p.site }}</td>
      <td class="col-secondary">{{ p.age }}</td><td class="col-secondary">{{ p.get_sex_display }}</td><td class="col-secondary">{{ p.weight_kg }}</td>
      <td class="col-secondary">{{ p.renal_impairment|yesno:_("yes,no") }}</td>
    </tr>
  {% endwith %}{% endfor %}"""  # noqa: E501

LIST_NOW = """{% load participant_rows %}
  {% for row in rows %}
    <tr>
      {% participant_row row %}
    </tr>
  {% endfor %}"""

GRID_BEFORE = """{% load i18n %}{% load enrollment_labels %}{% load grid_cells %}
  {% for row in rows %}
    <tr>
      <th scope="row" class="grid-sticky text-nowrap"><a href="{% url 'participant_detail' row.participant.pk %}">{{ row.participant.study_id }}</a><div class="small text-muted fw-normal">{{ row.participant.site.code }}{% if row.arm_label %} · {{ row.arm_label }}{% endif %}{% if row.study_day %} {% blocktranslate trimmed with study_day=row.study_day %}· day {{ study_day }}{% endblocktranslate %}{% endif %}</div></th>
      <td><span class="badge text-bg-{{ row.status.badge }} grid-status"  title="{{ row.status|status_label }}">{{ row.status_short }}</span></td>
      {% grid_cells row.cells row.participant.study_id %}
    </tr>
  {% endfor %}"""  # noqa: E501

GRID_NOW = """{% load grid_cells %}
  {% for row in rows %}
    <tr>
      {% grid_row row %}
    </tr>
  {% endfor %}"""


def _render(source: str, rows: list[grid.Row]) -> str:
    return engines["django"].from_string(source).render({"rows": rows})


@pytest.fixture
def trial_rows(site_a, trial_admin):
    seed_trial(sites=[site_a], participants=40, user=trial_admin)
    # A participant whose arm was switched (the "switched" badge) and one with a
    # character to escape in the study ID.
    switched = Participant.objects.exclude(randomized_arm="").order_by("id").first()
    assert switched is not None
    other = Arm.STEROIDS if switched.randomized_arm == Arm.CYCLOSPORINE else Arm.CYCLOSPORINE
    Participant.objects.filter(pk=switched.pk).update(current_arm=other)
    Participant.objects.filter(pk=switched.pk + 1).update(study_id="A&B<1>")
    participants = list(Participant.objects.select_related(*grid.LIST_RELATED).order_by("id"))
    return participants


@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_list_rows_as_the_template_wrote_them(trial_rows, language):
    with translation.override(language):
        _, rows = grid.compose(trial_rows, next_due_only=True)
        before = _render(LIST_BEFORE, rows)
        _, rows = grid.compose(trial_rows, next_due_only=True)
        now = _render(LIST_NOW.replace("{% load", "{% load i18n %}{% load", 1), rows)
    assert now.count("<tr>") == len(trial_rows)
    assert "text-bg-warning" in now  # the switched arm
    assert "A&amp;B&lt;1&gt;" in now and "A&B<1>" not in now
    assert now.split("\n", 1)[1] == before.split("\n", 1)[1]


@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_grid_rows_as_the_template_wrote_them(trial_rows, language):
    with translation.override(language):
        _, rows = grid.compose(trial_rows)
        before = _render(GRID_BEFORE, rows)
        _, rows = grid.compose(trial_rows)
        now = _render(GRID_NOW.replace("{% load", "{% load i18n %}{% load", 1), rows)
    assert now.count("<tr>") == len(trial_rows)
    assert ("· jour " if language == "fr" else "· day ") in now
    assert "A&amp;B&lt;1&gt;" in now and "A&B<1>" not in now
    assert now.split("\n", 1)[1] == before.split("\n", 1)[1]


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("participant_detail", (1,)),
        ("participant_detail", (7_000_000_002,)),  # an id that is also a stand-in
        ("assessment_new", (42,)),
        ("hospital_course", (9,)),
        ("visit_edit", (12, 345)),
    ],
)
def test_cell_url_maker_gives_reverse(name, ids):
    """The grid's links (dressdb.grid.cell_url_maker) are the URLs reverse() gives."""
    from django.urls import reverse

    from dressdb.grid import cell_url, cell_url_maker

    assert cell_url_maker(name, len(ids))(*ids) == reverse(name, args=ids) == cell_url(name, *ids)
