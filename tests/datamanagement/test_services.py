"""Queries, automatic edit checks, SDV, casebook signature, freeze and lock (issue 18)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from datamanagement import services
from datamanagement.models import Query, QueryMessage, SdvRecord
from dressdb.models import EditFreeze, Signature
from notifications.models import Reminder
from tests.datamanagement.helpers import followed, monitor, record, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def participant(site_a, coordinator_a):
    p = followed(site_a, coordinator_a)
    record(p, coordinator_a, "day7")
    return p


def test_query_lifecycle_open_answer_close(participant, site_a, coordinator_a):
    mon = monitor(site_a)
    day7 = visit(participant, "day7")
    query = services.query_open(
        participant=participant,
        user=mon,
        form="visit",
        record_id=day7.pk,
        field="eosinophil_count",
        text="Source says 0.05, please check.",
    )
    assert query.status == Query.Status.OPEN
    assert query.history.first().history_change_reason == "Query opened"
    # On the coordinator's to-do list.
    assert Reminder.objects.filter(
        user=coordinator_a, kind=services.KIND_TO_ANSWER, status="open"
    ).exists()
    # The coordinator corrects the field, then answers: the correction is linked.
    record(
        participant,
        coordinator_a,
        "day7",
        reason="Transcription error",
        eosinophil_count=Decimal("0.05"),
    )
    answered = services.query_answer(query=query, user=coordinator_a, text="Corrected to 0.05")
    day7_history = visit(participant, "day7").history.order_by("-history_id").first()
    assert answered.status == Query.Status.ANSWERED
    assert answered.correction_history_id == day7_history.history_id
    assert not Reminder.objects.filter(
        user=coordinator_a, kind=services.KIND_TO_ANSWER, status="open"
    ).exists()
    assert Reminder.objects.filter(user=mon, kind=services.KIND_TO_CLOSE, status="open").exists()
    closed = services.query_close(query=answered, user=mon, text="Verified")
    assert closed.status == Query.Status.CLOSED and closed.closed_by == mon
    assert [m.kind for m in closed.messages.all()] == [
        QueryMessage.Kind.OPENED,
        QueryMessage.Kind.ANSWER,
        QueryMessage.Kind.CLOSED,
    ]
    assert not Reminder.objects.filter(
        user=mon, kind=services.KIND_TO_CLOSE, status="open"
    ).exists()
    with pytest.raises(ValidationError) as err:
        services.query_answer(query=closed, user=coordinator_a, text="again")
    assert "text" in err.value.message_dict


def test_query_roles(participant, site_a, coordinator_a, statistician):
    day7 = visit(participant, "day7")
    with pytest.raises(PermissionDenied):
        services.query_open(
            participant=participant,
            user=coordinator_a,
            form="visit",
            record_id=day7.pk,
            field="fever",
            text="?",
        )
    query = services.query_open(
        participant=participant,
        user=statistician,
        form="visit",
        record_id=day7.pk,
        field="fever",
        text="Fever on day 7?",
    )
    with pytest.raises(PermissionDenied):
        services.query_answer(query=query, user=statistician, text="x")
    with pytest.raises(PermissionDenied):
        services.query_close(query=query, user=coordinator_a)
    with pytest.raises(ValidationError) as err:
        services.query_cancel(query=query, user=statistician, text="  ")
    assert "text" in err.value.message_dict
    cancelled = services.query_cancel(query=query, user=statistician, text="Raised in error")
    assert cancelled.status == Query.Status.CANCELLED


@pytest.mark.parametrize(
    ("form", "record_id", "field", "bad"),
    [
        ("nope", 1, "fever", "form"),
        ("visit", 999999, "fever", "record_id"),
        ("visit", None, "no_such_field", "field"),
        ("visit", None, "", "field"),
    ],
)
def test_query_open_refuses_bad_targets(participant, statistician, form, record_id, field, bad):
    rid = visit(participant, "day7").pk if record_id is None else record_id
    with pytest.raises(ValidationError) as err:
        services.query_open(
            participant=participant,
            user=statistician,
            form=form,
            record_id=rid,
            field=field,
            text="?",
        )
    assert bad in err.value.message_dict
    assert not Query.objects.exists()


def test_automatic_rule_opens_and_closes_its_own_query(participant, coordinator_a):
    record(participant, coordinator_a, "day30", eosinophil_count=Decimal("8.00"))
    result = services.checks_run(participant=participant)
    assert result == {"opened": 1, "closed": 0}
    query = Query.objects.get(origin=Query.Origin.AUTO)
    assert (query.rule, query.form, query.field) == ("eosinophil_jump", "visit", "eosinophil_count")
    assert query.object_id == visit(participant, "day30").pk
    # A second run raises nothing twice.
    assert services.checks_run(participant=participant) == {"opened": 0, "closed": 0}
    # The data are fixed: the query closes itself, linked to the correction.
    record(participant, coordinator_a, "day30", reason="Typo", eosinophil_count=Decimal("0.80"))
    assert services.checks_run(participant=participant) == {"opened": 0, "closed": 1}
    query.refresh_from_db()
    assert query.status == Query.Status.CLOSED and query.closed_by is None
    assert (
        query.correction_history_id
        == visit(participant, "day30").history.order_by("-history_id").first().history_id
    )
    last = query.messages.last()
    assert last is not None and last.text.startswith("The data were fixed")


def test_cancelled_automatic_query_is_not_raised_again(participant, coordinator_a, statistician):
    record(participant, coordinator_a, "day30", eosinophil_count=Decimal("8.00"))
    services.checks_run(participant=participant)
    query = Query.objects.get(origin=Query.Origin.AUTO)
    services.query_cancel(query=query, user=statistician, text="Confirmed in source: true value")
    assert services.checks_run(participant=participant) == {"opened": 0, "closed": 0}


def test_sdv_verify_then_edit_needs_reverification(participant, site_a, coordinator_a):
    mon = monitor(site_a)
    rows = services.sdv_refresh(participant=participant)
    forms = {r.form: r.status for r in rows}
    assert forms["consent"] == SdvRecord.Status.TO_VERIFY
    assert forms["primary_endpoints"] == SdvRecord.Status.TO_VERIFY  # day 7: 100%
    day7 = visit(participant, "day7")
    row = services.sdv_verify(
        participant=participant, user=mon, form="primary_endpoints", record_id=day7.pk
    )
    assert row.status == SdvRecord.Status.VERIFIED and row.verified_by == mon
    assert row.history.first().history_change_reason.startswith("Source data verified")
    record(participant, coordinator_a, "day7", reason="Late lab", eosinophil_count=Decimal("0.40"))
    services.sdv_refresh(participant=participant)
    row.refresh_from_db()
    assert row.status == SdvRecord.Status.REVERIFY
    with pytest.raises(PermissionDenied):
        services.sdv_verify(
            participant=participant, user=coordinator_a, form="consent", record_id=participant.pk
        )
    with pytest.raises(ValidationError):
        services.sdv_verify(participant=participant, user=mon, form="consent", record_id=0)


def test_sdv_sample_setting(settings, site_a, coordinator_a):
    settings.TRIAL_SDV_SAMPLE_EVERY = 0
    p = followed(site_a, coordinator_a)
    from outcomes.models import HospitalCourse

    HospitalCourse.objects.create(participant=p)
    rows = {r.form: r.status for r in services.sdv_refresh(participant=p)}
    assert rows["hospital_course"] == SdvRecord.Status.NOT_REQUIRED
    assert rows["consent"] == SdvRecord.Status.TO_VERIFY


def _complete(participant, user):
    from outcomes.models import HospitalCourse, Visit

    HospitalCourse.objects.create(participant=participant)
    Visit.objects.filter(participant=participant, completed_on__isnull=True).update(
        missed=True, missed_reason="test: not done"
    )


def test_casebook_signature_needs_complete_forms_and_no_open_query(
    participant, coordinator_a, investigator_a, statistician
):
    with pytest.raises(ValidationError) as err:
        services.casebook_sign(
            participant=participant,
            user=investigator_a,
            password="pw",
            meaning="reviewed and approved",
        )
    assert "casebook" in err.value.message_dict
    _complete(participant, coordinator_a)
    query = services.query_open(
        participant=participant,
        user=statistician,
        form="visit",
        record_id=visit(participant, "day7").pk,
        field="fever",
        text="?",
    )
    with pytest.raises(ValidationError) as err:
        services.casebook_sign(
            participant=participant,
            user=investigator_a,
            password="pw",
            meaning="reviewed and approved",
        )
    assert "still open" in str(err.value)
    services.query_cancel(query=query, user=statistician, text="error")
    investigator_a.set_password("sign-pass-123")
    investigator_a.save()
    with pytest.raises(ValidationError) as err:
        services.casebook_sign(
            participant=participant,
            user=investigator_a,
            password="wrong",
            meaning="reviewed and approved",
        )
    assert "password" in err.value.message_dict
    signature = services.casebook_sign(
        participant=participant,
        user=investigator_a,
        password="sign-pass-123",
        meaning="reviewed and approved",
    )
    assert services.casebook_signature(participant) == signature
    # Nothing changed: the nightly check keeps it.
    assert services.casebook_check(participant=participant) == 0
    # A later change voids it, with a reason.
    record(participant, coordinator_a, "day7", reason="Late lab", eosinophil_count=Decimal("0.45"))
    assert services.casebook_check(participant=participant) == 1
    signature.refresh_from_db()
    assert signature.is_void and "changed after it was signed" in signature.voided_reason
    assert services.casebook_signature(participant) is None
    assert Signature.objects.count() == 1


def test_freeze_refuses_edits_until_unfrozen(participant, coordinator_a, statistician, trial_admin):
    with pytest.raises(PermissionDenied):
        services.freeze(user=coordinator_a, reason="x", participant=participant)
    with pytest.raises(ValidationError) as err:
        services.freeze(user=statistician, reason="", participant=participant)
    assert "reason" in err.value.message_dict
    row = services.freeze(user=statistician, reason="Interim analysis", participant=participant)
    with pytest.raises(ValidationError) as err:
        record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))
    assert "frozen" in str(err.value)
    assert visit(participant, "day7").eosinophil_count == Decimal("0.50")
    services.unfreeze(row=row, user=statistician, reason="Interim done")
    record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))
    assert visit(participant, "day7").eosinophil_count == Decimal("0.30")


def test_database_lock_needs_a_second_admin_to_unlock(participant, coordinator_a, site_a):
    from dressdb.models import Role, SecurityEvent
    from tests.conftest import _persona, make_trial_admin

    admin1 = make_trial_admin(site_a)
    admin2 = _persona("admin_two", Role.ADMIN, site_a)
    lock = services.database_lock(user=admin1, reason="Final analysis")
    assert lock.snapshot and all(len(sha) == 64 for sha in lock.snapshot.values())
    assert "participants.csv" in lock.snapshot
    assert lock.history.first().snapshot == lock.snapshot  # in the audit trail
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.EXPORT, detail__lock=lock.pk
    ).exists()
    with pytest.raises(ValidationError):
        record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))
    with pytest.raises(ValidationError) as err:
        services.database_unlock_approve(row=lock, user=admin2)
    assert "reason" in err.value.message_dict
    services.database_unlock_request(row=lock, user=admin1, reason="Late SAE follow-up")
    with pytest.raises(ValidationError) as err:
        services.database_unlock_approve(row=lock, user=admin1)
    assert "approver" in err.value.message_dict
    services.database_unlock_approve(row=lock, user=admin2)
    assert not EditFreeze.objects.get(pk=lock.pk).active
    record(participant, coordinator_a, "day7", reason="x", eosinophil_count=Decimal("0.3"))
