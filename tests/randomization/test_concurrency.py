"""Concurrent randomization on PostgreSQL: no slot twice, no participant twice, and in
each stratum exactly the first N slots used, in order, also with forced rollbacks."""

import random
import threading
import time

import pytest
from django.db import connection

from dressdb.models import SecurityEvent
from randomization import services
from randomization.models import Allocation, AllocationSlot
from tests.factories import ParticipantFactory
from tests.randomization.helpers import live_list

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
PARTICIPANTS = 240  # 60 per stratum, across 4 strata


class ForcedRollback(Exception):
    pass


def run(participants, user, doomed: set[int]) -> tuple[list[BaseException], float]:
    queue = list(participants)
    random.Random(7).shuffle(queue)
    lock = threading.Lock()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def worker():
        try:
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    p = queue.pop()
                try:
                    services.participant_randomize(participant=p, user=user)
                except ForcedRollback:
                    pass
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors, time.monotonic() - started


def check_invariants(alist):
    slots_used = list(Allocation.objects.values_list("slot_id", flat=True))
    assert len(slots_used) == len(set(slots_used)), "a slot was used twice"
    people = list(Allocation.objects.values_list("participant_id", flat=True))
    assert len(people) == len(set(people)), "a participant has two slots"
    for stratum in alist.strata.all():
        used = list(
            AllocationSlot.objects.filter(stratum=stratum, allocation__isnull=False)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert used == list(range(1, len(used) + 1)), f"{stratum.key}: gaps in {used}"
        for a in Allocation.objects.filter(slot__stratum=stratum).select_related("slot"):
            assert a.arm == a.slot.arm and a.stratum_key == stratum.key


def make_people(site_a, site_b, user):
    people = []
    for i in range(PARTICIPANTS):
        site = site_a if i % 2 else site_b
        people.append(
            ParticipantFactory.create(
                site=site,
                created_by=user,
                renal_impairment_computed=bool((i // 2) % 2),
            )
        )
    return people


def test_concurrent_randomizations(statistician, coordinator_a, site_a, site_b, capsys):
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=coordinator_a, site=site_b, role="coordinator")
    alist = live_list(statistician, slots=80)
    people = make_people(site_a, site_b, coordinator_a)
    errors, seconds = run(people, coordinator_a, set())
    assert errors == []
    assert Allocation.objects.count() == PARTICIPANTS
    check_invariants(alist)
    assert SecurityEvent.objects.filter(kind="randomization").count() == PARTICIPANTS
    with capsys.disabled():
        print(
            f"\n[concurrency] {PARTICIPANTS} randomizations, {THREADS} threads, 4 strata: "
            f"{seconds:.2f} s, {PARTICIPANTS / seconds:.0f}/s, 0 duplicates"
        )


def test_concurrent_randomizations_with_forced_rollbacks(
    statistician, coordinator_a, site_a, site_b, monkeypatch, capsys
):
    from dosing import services as dosing_services
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=coordinator_a, site=site_b, role="coordinator")
    alist = live_list(statistician, slots=80)
    people = make_people(site_a, site_b, coordinator_a)
    doomed = {p.pk for p in random.Random(3).sample(people, PARTICIPANTS // 10)}
    real_start = dosing_services.regimen_start

    def sometimes_fails(**kwargs):
        # Forced failure late in the transaction, after the slot was taken: it must roll back.
        if kwargs["participant"].pk in doomed:
            raise ForcedRollback
        return real_start(**kwargs)

    monkeypatch.setattr(dosing_services, "regimen_start", sometimes_fails)
    errors, seconds = run(people, coordinator_a, doomed)
    assert errors == []
    assert Allocation.objects.count() == PARTICIPANTS - len(doomed)
    assert not Allocation.objects.filter(participant_id__in=doomed).exists()
    check_invariants(alist)
    with capsys.disabled():
        print(
            f"\n[concurrency] {PARTICIPANTS} attempts ({len(doomed)} forced rollbacks), "
            f"{THREADS} threads: {seconds:.2f} s, "
            f"{Allocation.objects.count()} allocated, 0 duplicates, no gaps"
        )
