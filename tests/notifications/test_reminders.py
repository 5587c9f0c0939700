"""Reminders: the sweep (constant queries), exactly-once emails, closing, to-do pages."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import services
from notifications.models import Reminder
from notifications.tasks import reminder_email
from outcomes import services as outcomes_services
from outcomes.models import Visit
from tests.dosing.helpers import started
from tests.notifications.helpers import reminder_sweep

pytestmark = pytest.mark.django_db


def test_sweep_raises_each_kind(site_a, coordinator_a, investigator_a, pharmacist_a):
    due_today, _ = started(site_a, coordinator_a, days_ago=29)  # today = day 30: day30 due
    early, _ = started(site_a, coordinator_a, days_ago=2)  # today = day 3: nothing overdue
    overdue, _ = started(site_a, coordinator_a, days_ago=12)  # day7 window closed on day 8
    decision, _ = started(site_a, coordinator_a, days_ago=6)  # today = day 7: decision due
    reminder_sweep()
    kinds = set(Reminder.objects.values_list("label", "kind"))
    assert (due_today.study_id, "visit_due") in kinds
    assert (overdue.study_id, "visit_overdue") in kinds
    assert (overdue.study_id, "visit_overdue_escalated") in kinds  # 4 days overdue
    assert (decision.study_id, "decision_due") in kinds
    assert Reminder.objects.filter(kind="orders_tomorrow", user=pharmacist_a).exists()
    assert Reminder.objects.filter(kind="decision_due", user=investigator_a).exists()
    assert Reminder.objects.filter(kind="visit_due", user=coordinator_a).exists()
    assert not Reminder.objects.filter(label=early.study_id, kind="visit_overdue").exists()


def test_window_opening_in_two_days(site_a, coordinator_a):
    participant, _ = started(site_a, coordinator_a, days_ago=3)  # today = day 4, window opens day 6
    reminder_sweep()
    assert Reminder.objects.filter(label=participant.study_id, kind="window_opens").count() == 1


def test_sweep_twice_and_triple_delivery_send_one_email(
    site_a, coordinator_a, django_capture_on_commit_callbacks
):
    started(site_a, coordinator_a, days_ago=29)
    with django_capture_on_commit_callbacks(execute=True):
        reminder_sweep()
    first = len(mail.outbox)
    assert first >= 1
    with django_capture_on_commit_callbacks(execute=True):
        reminder_sweep()
    assert len(mail.outbox) == first
    reminder = Reminder.objects.filter(kind="visit_due").first()
    assert reminder is not None
    for _ in range(3):
        reminder_email(reminder.pk)
    assert len(mail.outbox) == first
    assert Reminder.objects.filter(kind="visit_due").count() == 1


def test_sweep_query_count_is_constant(
    site_a,
    site_b,
    coordinator_a,
    coordinator_b,
    investigator_a,
    pharmacist_a,
    trial_admin,
    django_assert_max_num_queries,
):
    from django.contrib.contenttypes.models import ContentType

    from demo.synthetic import seed_trial
    from dressdb.models import Site
    from enrollment.models import Participant

    seed_trial(sites=[site_a, site_b], participants=10, user=trial_admin)
    # Content types are cached per process: warm them so both sweeps run the same reads.
    ContentType.objects.get_for_models(Visit, Participant, Site)
    with django_assert_max_num_queries(30) as few:
        reminder_sweep()
    seed_trial(sites=[site_a, site_b], participants=490, user=trial_admin, seed=11)
    with django_assert_max_num_queries(30) as many:
        result = reminder_sweep()
    assert result["candidates"] > 0

    def reads(captured) -> list[str]:
        # SQLite caps the parameters per statement, so bulk_create splits its single INSERT
        # into batches there; every other statement must be the same whatever the size.
        return [
            q["sql"][:30]
            for q in captured.captured_queries
            if '"notifications_reminder" (' not in q["sql"][:60]
        ]

    assert len(reads(few)) == len(reads(many))


def test_a_rolled_back_transaction_enqueues_nothing(
    site_a, coordinator_a, trial_admin, django_capture_on_commit_callbacks
):
    participant, _ = started(site_a, coordinator_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.alert_raise(
                    site=site_a,
                    subject=participant,
                    kind="no_slot",
                    title="No allocation slot left",
                    message="test",
                    roles=("admin",),
                )
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Reminder.objects.count() == 0
    assert mail.outbox == []


def test_completing_a_visit_closes_its_reminders(site_a, coordinator_a):
    # today = day 13: the day-7 window has closed (a visit is marked missed only then,
    # issue 15), and its overdue reminders are open.
    participant, _ = started(site_a, coordinator_a, days_ago=12)
    participant.enrolled_at = timezone.now() - dt.timedelta(days=13)
    participant.save()
    reminder_sweep()
    visit = Visit.objects.get(participant=participant, name="day7")
    assert Reminder.objects.filter(visit=visit, status="open").exists()
    outcomes_services.visit_mark_missed(visit=visit, user=coordinator_a, reason="Discharged home")
    assert not Reminder.objects.filter(visit=visit, status="open").exists()


def test_broker_down_does_not_break_the_page(
    site_a, coordinator_a, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from notifications import tasks

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.reminder_email, "delay", down)
    monkeypatch.setattr(tasks.reminder_emails_send, "delay", down)
    started(site_a, coordinator_a, days_ago=29)
    with django_capture_on_commit_callbacks(execute=True):
        reminder_sweep()  # logs, does not raise
    assert Reminder.objects.filter(emailed_at__isnull=True).exists()  # caught up later


def test_todo_page_and_dismiss(login, site_a, coordinator_a, coordinator_b):
    participant, _ = started(site_a, coordinator_a, days_ago=29)
    reminder_sweep()
    client = login(coordinator_a)
    home = client.get("/").content.decode()
    assert "visit is due today" in home
    reminder = Reminder.objects.filter(user=coordinator_a).first()
    assert reminder is not None
    assert login(coordinator_b).post(f"/visits/todo/{reminder.pk}/dismiss/").status_code == 302
    reminder.refresh_from_db()
    assert reminder.status == "open"  # not theirs: unchanged
    client.post(f"/visits/todo/{reminder.pk}/dismiss/")
    reminder.refresh_from_db()
    assert reminder.status == "dismissed"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_on_redis_sends_one_email(site_a, coordinator_a, settings):
    import time

    from celery.contrib.testing.worker import start_worker

    from dressdb.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert app.conf.broker_url.startswith("redis://")
    participant, _ = started(site_a, coordinator_a, days_ago=29)
    reminder_sweep()  # autocommit: emails are enqueued on the real broker at once
    reminder = Reminder.objects.filter(kind="visit_due").first()
    assert reminder is not None
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for _ in range(3):  # the same task delivered three times
            reminder_email.delay(reminder.pk)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reminder.refresh_from_db()
            if reminder.emailed_at is not None and len(mail.outbox) >= 1:
                time.sleep(1.0)
                break
            time.sleep(0.2)
    sent = [m for m in mail.outbox if "visit is due today" in m.body]
    assert len(sent) == 1
    assert reminder.emailed_at is not None


def test_no_visit_or_decision_reminders_after_a_death_recorded_at_a_visit(
    site_a, coordinator_a, investigator_a
):
    """The reconciled date of death (here from a visit, not the hospital course) stops them."""
    from tests.outcomes.test_visits import DAY7

    # today = day 30: without the death, day 30 would be due (test_sweep_raises_each_kind).
    participant, _ = started(site_a, coordinator_a, days_ago=29)
    day7 = Visit.objects.get(participant=participant, name="day7")
    outcomes_services.visit_record(
        visit=day7,
        user=coordinator_a,
        completed_on=day7.target_date,
        endpoints={**DAY7, "vital_status": "dead"},
        death_date=day7.target_date,
    )
    participant.refresh_from_db()
    assert participant.died_on == day7.target_date
    reminder_sweep()
    assert not Reminder.objects.filter(label=participant.study_id).exists()
