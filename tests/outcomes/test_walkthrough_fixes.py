"""Defects found walking the demo in a browser (issue 16): the day-30 visit form with
three errors shows all three in ONE submit even when one of them is a missing field
the form itself refuses (the model's ranges used to wait for a second submit)."""

import pytest

from outcomes.models import Visit
from tests.outcomes.test_visit_form_guidance import day30_of, field_errors, post

pytestmark = pytest.mark.django_db


def test_range_error_shown_with_a_missing_visit_date(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    response = post(
        login(coordinator_a),
        visit,
        completed_on="",  # the form refuses it: a required field left blank
        eosinophil_count="60",  # the model's range (0 to 50)
        vital_status="dead",  # rule: the date of death is then needed
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert field_errors(body, "completed_on") == ["This field is required."]
    assert field_errors(body, "eosinophil_count") == [
        "Ensure this value is less than or equal to 50."
    ]
    assert field_errors(body, "death_date") == ["Give the date of death."]
    assert Visit.objects.get(pk=visit.pk).completed_on is None


def test_range_error_not_repeated_when_the_form_is_otherwise_valid(login, site_a, coordinator_a):
    visit = day30_of(site_a, coordinator_a)
    body = post(login(coordinator_a), visit, eosinophil_count="60").content.decode()
    assert field_errors(body, "eosinophil_count") == [
        "Ensure this value is less than or equal to 50."
    ]
