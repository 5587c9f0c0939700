"""Audit: a reason on every edit; the history records user, UTC time, old/new, reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dressdb.audit import require_reason, save_clinical
from enrollment import services
from enrollment.audit import participant_audit_trail
from enrollment.models import Participant
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_edit_without_reason_is_refused_and_changes_nothing(participant_a, investigator_a):
    with pytest.raises(ValidationError) as excinfo:
        services.participant_set_renal_impairment(
            participant=participant_a, user=investigator_a, override=True, reason="  "
        )
    assert "reason_for_change" in excinfo.value.message_dict
    participant_a.refresh_from_db()
    assert participant_a.renal_impairment_override is None
    assert participant_a.history.count() == 1


def test_edit_with_reason_is_in_the_history(participant_a, investigator_a):
    before = dt.datetime.now(dt.UTC)
    services.participant_set_renal_impairment(
        participant=participant_a,
        user=investigator_a,
        override=True,
        reason="Creatinine re-measured: 2.1 mg/dL",
    )
    latest = participant_a.history.latest()
    assert latest.history_user == investigator_a
    assert latest.history_change_reason == "Creatinine re-measured: 2.1 mg/dL"
    assert latest.history_date >= before
    assert latest.history_date.utcoffset() == dt.timedelta(0)
    entries = [e for e in participant_audit_trail(participant_a) if e.action == "changed"]
    fields = {e.field: e for e in entries}
    change = fields["renal impairment override"]
    assert (change.old, change.new) == ("-", "True")
    assert change.who == investigator_a.username
    assert change.reason == "Creatinine re-measured: 2.1 mg/dL"


def test_first_save_needs_no_reason_and_records_initial_entry(site_a, coordinator_a):
    participant = ParticipantFactory.build(site=site_a, created_by=coordinator_a)
    save_clinical(participant, user=coordinator_a)
    assert participant.history.latest().history_change_reason == "Initial entry"
    assert participant.history.latest().history_user == coordinator_a


def test_require_reason_on_saved_record(participant_a):
    with pytest.raises(ValidationError):
        require_reason(participant_a, "")
    assert require_reason(participant_a, " typo ") == "typo"


def test_save_clinical_runs_full_clean(participant_a, coordinator_a):
    participant_a.weight_kg = 9000
    with pytest.raises(ValidationError) as excinfo:
        save_clinical(participant_a, user=coordinator_a, reason="wrong unit")
    assert "weight_kg" in excinfo.value.message_dict
    assert (
        Participant.objects.get(pk=participant_a.pk).weight_kg
        == participant_a.history.latest().weight_kg
    )


def test_audit_view_shows_change(login, participant_a, investigator_a):
    services.participant_set_renal_impairment(
        participant=participant_a, user=investigator_a, override=False, reason="On review"
    )
    body = login(investigator_a).get(f"/participants/{participant_a.pk}/audit/").content.decode()
    assert "renal impairment override" in body
    assert "On review" in body
    assert investigator_a.username in body


def test_override_form_requires_reason(login, participant_a, investigator_a):
    client = login(investigator_a)
    url = f"/participants/{participant_a.pk}/renal-impairment/"
    response = client.post(url, {"renal_impairment": "yes", "reason_for_change": ""})
    assert response.status_code == 200
    assert "A reason for change is required" in response.content.decode()
    participant_a.refresh_from_db()
    assert participant_a.renal_impairment_override is None
    response = client.post(
        url, {"renal_impairment": "yes", "reason_for_change": "Dialysis started"}
    )
    assert response.status_code == 302
    participant_a.refresh_from_db()
    assert participant_a.renal_impairment is True


def test_override_form_forbidden_to_coordinator(login, participant_a, coordinator_a):
    response = login(coordinator_a).get(f"/participants/{participant_a.pk}/renal-impairment/")
    assert response.status_code == 403


def test_override_form_404_for_other_site_investigator(login, participant_b, investigator_a):
    response = login(investigator_a).get(f"/participants/{participant_b.pk}/renal-impairment/")
    assert response.status_code == 404


def test_audit_trail_query_count_constant(
    participant_a, investigator_a, django_assert_max_num_queries
):
    services.participant_set_renal_impairment(
        participant=participant_a, user=investigator_a, override=True, reason="r1"
    )
    with django_assert_max_num_queries(20) as few:
        participant_audit_trail(participant_a)
    for i in range(10):
        services.participant_set_renal_impairment(
            participant=participant_a, user=investigator_a, override=bool(i % 2), reason=f"r{i}"
        )
    with django_assert_max_num_queries(20) as many:
        participant_audit_trail(participant_a)
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.postgres
def test_history_tables_are_append_only_on_postgres(participant_a):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    table = Participant.history.model._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" SET history_change_reason = %s', ["tampered"])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
    assert Participant.history.model.objects.filter(history_change_reason="tampered").count() == 0
    # Every history table carries the trigger.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables t WHERE t.table_name LIKE %s "
            "AND NOT EXISTS (SELECT 1 FROM information_schema.triggers g "
            "WHERE g.event_object_table = t.table_name AND g.trigger_name = 'dressdb_append_only')",
            ["%historical%"],
        )
        assert cursor.fetchone()[0] == 0


def test_a_reason_of_500_characters_is_stored_whole(participant_a, investigator_a):
    """The history reason column is text: a 500-character reason (what forms accept) is kept
    whole, even when the service prefixes it (issue 14 defect 5)."""
    reason = "é" + "r" * 498 + "Z"
    services.participant_set_renal_impairment(
        participant=participant_a, user=investigator_a, override=True, reason=reason
    )
    assert participant_a.history.latest().history_change_reason == reason
    today = participant_a.enrolled_at.date()
    withdrawn = services.participant_withdraw(
        participant=participant_a, user=investigator_a, withdrawn_on=today, reason=reason
    )
    stored = withdrawn.history.latest().history_change_reason
    assert stored.endswith(reason)
    assert len(stored) > 500
