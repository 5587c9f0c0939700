"""A synthetic but realistic trial dataset, built fast with bulk inserts (history rows
included), for the demo, the dashboards' query-count tests and the benchmarks.

Everything goes through the same models and the real protocol engine for orders; only
the write path is bulk instead of one service call per row: on PostgreSQL each table and
its history table are filled by one COPY (the ids reserved from the table's sequence
first, so that the rows pointing at them can be built), elsewhere by
bulk_create_with_history. Both write the same rows: a creation ("+") history row per
record, by the seeding user, with the reason REASON. The bench seeds 10,000 participants
this way (goal: under 60 s). Never used on a live trial database: `seed_demo` refuses
outside demo mode.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_create_with_history

from datamanagement.demo import seed_data_management
from dosing import protocol
from dosing.administration_rules import slot_times
from dosing.config import dosing_settings
from dosing.models import Administration, Assessment, Order, Regimen
from dosing.services import order_values
from dressdb.models import Site
from enrollment.models import DeathEvidence, Participant, Screening
from outcomes.models import HospitalCourse, Visit
from outcomes.schedule import visit_dates
from outcomes.services import death_evidence_items, visit_windows
from randomization import blocks
from randomization.models import Allocation, AllocationList, AllocationSlot, Stratum

REASON = "Synthetic demo data"
YES_NO = ("yes", "no")


class _Writer:
    """Inserts rows with their creation history rows, by COPY on PostgreSQL.

    `objects` takes model instances (their pk set on return, as bulk_create does);
    `rows` takes plain dicts of attname -> value, for the big tables (orders, doses),
    where building a model instance per row would cost more than the insert."""

    use_copy = True  # on PostgreSQL; a test turns it off to compare both paths

    def __init__(self, user: Any) -> None:
        self.user = user
        self.now = timezone.now()
        self.copy = self.use_copy and connection.vendor == "postgresql"

    def objects(self, model: Any, objs: list[Any]) -> list[Any]:
        if not objs:
            return objs
        if not self.copy:
            return list(
                bulk_create_with_history(
                    objs,
                    model,
                    batch_size=1000,
                    default_user=self.user,
                    default_change_reason=REASON,
                )
            )
        fields = _data_fields(model)
        stamped = [
            f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        ids = self._reserve(model, len(objs))
        for obj, pk in zip(objs, ids, strict=True):
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            for f in stamped:
                setattr(obj, f.attname, self.now)
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
        self._copy(
            model, fields, ([obj.pk, *(getattr(obj, f.attname) for f in fields)] for obj in objs)
        )
        return objs

    def rows(self, model: Any, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        if not self.copy:
            return [o.pk for o in self.objects(model, [model(**row) for row in rows])]
        fields = _data_fields(model)
        given = set(rows[0])
        missing = [f for f in fields if f.attname not in given]
        for f in missing:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                for row in rows:
                    row[f.attname] = self.now
            elif f.has_default():
                for row in rows:
                    row[f.attname] = f.get_default()
            elif not f.null:
                raise ValueError(f"{model.__name__}.{f.attname}: no value and no default")
        ids = self._reserve(model, len(rows))
        self._copy(
            model,
            fields,
            (
                [pk, *(row.get(f.attname) for f in fields)]
                for pk, row in zip(ids, rows, strict=True)
            ),
        )
        return ids

    def _reserve(self, model: Any, n: int) -> list[int]:
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, n],
            )
            return sorted(r[0] for r in cursor.fetchall())

    def _copy(self, model: Any, fields: list[Any], rows: Iterable[list[Any]]) -> None:
        """COPY the rows ([pk, *fields]) into the model's table and each one's creation
        row into its history table, in one pass."""
        history = model.history.model
        json_at = [i for i, f in enumerate(fields, start=1) if isinstance(f, models.JSONField)]
        position = {f.attname: i for i, f in enumerate(fields, start=1)}
        position[model._meta.pk.attname] = 0
        fixed = {
            "history_date": self.now,
            "history_change_reason": REASON,
            "history_type": "+",
            "history_user_id": self.user.pk,
        }
        history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
        picks = [(position.get(f.attname), fixed.get(f.attname)) for f in history_fields]
        for f, (at, _) in zip(history_fields, picks, strict=True):
            if at is None and f.attname not in fixed:
                raise ValueError(f"{history.__name__}.{f.attname}: not a field of {model.__name__}")
        quote = connection.ops.quote_name
        main_sql = _copy_sql(model._meta.db_table, [model._meta.pk, *fields], quote)
        history_sql = _copy_sql(history._meta.db_table, history_fields, quote)
        kept = []
        with connection.cursor() as cursor:
            with cursor.cursor.copy(main_sql) as copy:
                for row in rows:
                    for i in json_at:
                        if row[i] is not None:
                            row[i] = Jsonb(row[i])
                    copy.write_row(row)
                    kept.append(row)
            with cursor.cursor.copy(history_sql) as copy:
                for row in kept:
                    copy.write_row([row[at] if at is not None else value for at, value in picks])


def _data_fields(model: Any) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _copy_sql(table: str, fields: list[Any], quote: Any) -> str:
    columns = ", ".join(quote(f.column) for f in fields)
    return f"COPY {quote(table)} ({columns}) FROM STDIN"


def _death_evidence(visits: list[Visit], courses: list[HospitalCourse]) -> list[DeathEvidence]:
    """What the visits and hospital courses say about vital status, as the outcomes
    service stores it (enrollment's DeathEvidence): the exports read it."""
    by_participant: dict[int, list[Visit]] = {}
    for v in visits:
        by_participant.setdefault(v.participant_id, []).append(v)
    course_of = {c.participant_id: c for c in courses}
    rows = []
    for pid in sorted(set(by_participant) | set(course_of)):
        for source, source_id, items in death_evidence_items(
            by_participant.get(pid, []), course_of.get(pid)
        ):
            for item, e in items.items():
                if e is not None:
                    rows.append(
                        DeathEvidence(
                            participant_id=pid,
                            source=source,
                            source_id=source_id,
                            item=item,
                            label=e.source,
                            on=e.on,
                            dead=e.dead,
                            exact=e.exact,
                        )
                    )
    return rows


def _counts_by_site(model: Any, sites: list[Site]) -> dict[int, int]:
    counts = dict(
        model.objects.filter(site__in=sites)
        .values_list("site")
        .annotate(n=Count("id"))
        .values_list("site", "n")
    )
    return {site.pk: counts.get(site.pk, 0) for site in sites}


@transaction.atomic
def seed_trial(
    *, sites: list[Site], participants: int, user: Any, seed: int = 2026, with_orders: bool = True
) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not allocation)
    write = _Writer(user)
    today = timezone.localdate()
    alist = AllocationList(
        kind="test",
        source="generated",
        active=False,
        seed=f"synthetic-{seed}",
        block_sizes=[2, 4, 6],
        factors=["renal_impairment"],
        created_by=user,
        note="Synthetic data",
    )
    alist.save()
    strata = {}
    for site in sites:
        for renal in (False, True):
            key = blocks.stratum_key(site.code, {"renal_impairment": "yes" if renal else "no"})
            strata[(site.pk, renal)] = Stratum.objects.create(
                allocation_list=alist, key=key, site=site, renal_impairment=renal
            )
    per_stratum = participants // max(1, len(sites)) + 8  # enough even if one stratum takes all
    slots = []
    for stratum in strata.values():
        for planned_slot in blocks.generate_sequence(
            seed=alist.seed, stratum=stratum.key, length=per_stratum
        ):
            slots.append(
                AllocationSlot(
                    stratum=stratum,
                    position=planned_slot.position,
                    block_number=planned_slot.block_number,
                    block_size=planned_slot.block_size,
                    arm=str(planned_slot.arm),
                )
            )
    slots = write.objects(AllocationSlot, slots)
    free: dict[int, list[AllocationSlot]] = {}
    for slot in slots:
        free.setdefault(slot.stratum_id, []).append(slot)

    next_seq = _counts_by_site(Participant, sites)
    next_screen = _counts_by_site(Screening, sites)
    screenings, people, meta = [], [], []
    for i in range(participants):
        site = sites[i % len(sites)]
        next_screen[site.pk] += 1
        renal = rng.random() < 0.25
        days_ago = rng.randint(0, 200)
        screened_on = today - dt.timedelta(days=days_ago + 1)
        weight = Decimal(rng.randint(45, 110))
        s = Screening(
            site=site,
            screening_number=next_screen[site.pk],
            screened_on=screened_on,
            screener=user,
            initials="".join(rng.choice("ABCDEFGHJKLMNPRSTVW") for _ in range(2)),
            age=rng.randint(18, 85),
            sex=rng.choice(("female", "male")),
            weight_kg=weight,
            creatinine=Decimal("1.80") if renal else Decimal("0.90"),
            creatinine_unit="mg_dl",
            on_dialysis=False,
            fever="yes",
            lymph_nodes=rng.choice(YES_NO),
            atypical_lymphocytes="unknown",
            eosinophil_count=Decimal("1.6"),
            leukocyte_count=Decimal("9.0"),
            rash_extent_over_50="yes",
            rash_suggestive="yes",
            biopsy="unknown",
            organs_involved=["liver"],
            resolution_15_days="unknown",
            other_causes_negative_tests=3,
            other_causes_positive_tests=0,
            regiscar_score=6,
            regiscar_category="definite",
            egfr=Decimal("45.0") if renal else Decimal("85.0"),
            renal_impairment=renal,
            eligible=True,
            reasons=[],
            outcome="enrolled",
        )
        screenings.append(s)
        meta.append((site, renal, days_ago, weight))
    # some ineligible and not-consented screenings for the screening log and CONSORT
    for j in range(max(1, participants // 4)):
        site = sites[j % len(sites)]
        next_screen[site.pk] += 1
        ineligible = j % 3 != 2
        screenings.append(
            Screening(
                site=site,
                screening_number=next_screen[site.pk],
                screened_on=today - dt.timedelta(days=rng.randint(1, 200)),
                screener=user,
                initials="ZZ",
                age=rng.randint(16, 80),
                sex="female",
                weight_kg=Decimal(60),
                creatinine=Decimal("0.8"),
                creatinine_unit="mg_dl",
                on_dialysis=False,
                fever="no",
                lymph_nodes="no",
                atypical_lymphocytes="no",
                rash_extent_over_50="no",
                rash_suggestive="no",
                biopsy="unknown",
                organs_involved=[],
                resolution_15_days="unknown",
                other_causes_negative_tests=0,
                other_causes_positive_tests=0,
                sepsis=ineligible and j % 2 == 0,
                regiscar_score=-2 if ineligible else 6,
                regiscar_category="no_case" if ineligible else "definite",
                egfr=Decimal("95.0"),
                renal_impairment=False,
                eligible=not ineligible,
                reasons=(
                    ["regiscar_below_threshold", "sepsis"]
                    if j % 2 == 0
                    else ["regiscar_below_threshold"]
                )
                if ineligible
                else [],
                outcome="ineligible" if ineligible else "eligible_not_consented",
                not_consented_reason="" if ineligible else "Declined",
            )
        )
    screenings = write.objects(Screening, screenings)
    for n, (site, renal, days_ago, weight) in enumerate(meta):
        next_seq[site.pk] += 1
        s = screenings[n]
        enrolled = timezone.now() - dt.timedelta(days=days_ago, hours=2)
        people.append(
            Participant(
                site=site,
                study_id=f"{site.code}-{next_seq[site.pk]:03d}"
                if next_seq[site.pk] < 1000
                else f"{site.code}-{next_seq[site.pk]}",
                site_sequence=next_seq[site.pk],
                screening=s,
                enrolled_at=enrolled,
                consent_at=enrolled - dt.timedelta(hours=1),
                consent_form_version="v1.0",
                consent_obtained_by="Synthetic",
                age=s.age,
                sex=s.sex,
                weight_kg=weight,
                egfr=s.egfr,
                on_dialysis=False,
                renal_impairment_computed=renal,
                npo=False,
                created_by=user,
                study_day_1=timezone.localdate(enrolled, timezone=site.tz),
            )
        )

    allocations, regimens, visits, courses, orders = [], [], [], [], []
    settings = dosing_settings()
    for p, (site, renal, days_ago, weight) in zip(people, meta, strict=True):
        slot = free[strata[(site.pk, renal)].pk].pop(0)
        arm = slot.arm
        day1 = p.study_day_1
        assert day1 is not None  # noqa: S101
        allocations.append(
            Allocation(
                participant=p,
                slot=slot,
                arm=arm,
                stratum_key=strata[(site.pk, renal)].key,
                list_kind="test",
                randomized_at=p.enrolled_at + dt.timedelta(minutes=30),
                randomized_by=user,
            )
        )
        # decisions: a plausible path for how far the participant has come
        decisions = []
        if days_ago >= 7:
            decisions.append(
                rng.choice([("gt25", "down"), ("le25", "flat"), ("complete", "down")])
                if arm == "cyclosporine"
                else rng.choice([("gt25", "down"), ("le25", "flat")])
            )
        plan = _plan_prefix(arm, weight, renal, decisions, day1, settings)
        switched = next((e.day for e in plan.events if e.type is protocol.EventType.SWITCH), None)
        regimen = Regimen(
            participant=p,
            randomized_arm=arm,
            day1=day1,
            state=str(plan.state),
            current_arm=str(plan.current_arm),
            current_block=str(plan.current_block or ""),
            next_decision_day=plan.next_decision_day,
            next_decision_date=(
                day1 + dt.timedelta(days=plan.next_decision_day - 1)
                if plan.next_decision_day
                else None
            ),
            switched_on_day=switched,
        )
        regimens.append((regimen, plan))
        died = rng.random() < 0.05 and days_ago > 20
        death_date = day1 + dt.timedelta(days=rng.randint(10, min(days_ago, 90))) if died else None
        # The milestones the participant's status is derived from (enrollment.status).
        p.randomized_on = day1
        p.randomized_arm = arm
        p.current_arm = str(plan.current_arm)
        p.died_on = death_date if death_date and death_date <= today else None
        for planned in visit_dates(day1, visit_windows()):
            done = planned.window_closes < today and rng.random() < 0.9
            if death_date and death_date <= planned.window_closes:
                done = False
            v = Visit(
                participant=p,
                name=planned.name,
                study_day=planned.study_day,
                target_date=planned.target_date,
                window_opens=planned.window_opens,
                window_closes=planned.window_closes,
            )
            if done:
                v.completed_on = planned.target_date
                for name in v.endpoint_names:
                    if name.endswith("_load") or name in ("autoimmune_type", "autoimmune_other"):
                        continue
                    if name == "eosinophil_count":
                        v.eosinophil_count = Decimal(rng.randint(0, 150)) / 100
                    elif name == "vital_status":
                        v.vital_status = "alive"
                    elif name.endswith("_pcr"):
                        setattr(v, name, rng.choice(("negative", "negative", "positive")))
                    else:
                        setattr(v, name, rng.choice(YES_NO))
            elif (
                planned.window_closes < today
                and not (death_date and death_date <= planned.window_closes)
                and rng.random() < 0.5
            ):
                v.missed = True
                v.missed_reason = "Could not be reached"
            visits.append(v)
        admission = day1 - dt.timedelta(days=rng.randint(0, 3))
        discharge = admission + dt.timedelta(days=rng.randint(4, 30))
        if discharge > today:
            discharge = None  # type: ignore[assignment]
        readmitted = discharge is not None and rng.random() < 0.1
        courses.append(
            HospitalCourse(
                participant=p,
                admission_date=admission,
                discharge_date=discharge,
                readmitted_within_30_days=("yes" if readmitted else "no") if discharge else "",
                readmission_date=discharge + dt.timedelta(days=10)
                if readmitted and discharge
                else None,
                readmission_reason="Rash flare" if readmitted else "",
                death_date=death_date,
                death_cause="Multi-organ failure" if death_date else "",
            )
        )
    # The participants go in with their milestones, then what points at them.
    write.objects(Participant, people)
    write.objects(Allocation, allocations)
    saved_regimens = write.objects(Regimen, [r for r, _ in regimens])
    day1_of = {r.pk: r.day1 for r in saved_regimens}
    assessments = []
    for regimen, (_, plan) in zip(saved_regimens, regimens, strict=True):
        for n, point in enumerate(plan.decision_points, start=1):
            assessments.append(
                Assessment(
                    participant_id=regimen.participant_id,
                    regimen=regimen,
                    number=n,
                    study_day=point.day,
                    block=str(point.block),
                    improvement=str(point.decision.improvement),
                    labs_trend=str(point.decision.labs_trend),
                    result=point.result,
                    signed_by=user,
                    signed_at=timezone.now(),
                    printed_name=user.get_full_name(),
                    signature_meaning="Synthetic demo decision",
                )
            )
    write.objects(Assessment, assessments)
    if with_orders:
        for regimen, (_, plan) in zip(saved_regimens, regimens, strict=True):
            for o in plan.orders:
                orders.append(
                    {
                        **order_values(o),  # as the dosing service writes an order
                        "participant_id": regimen.participant_id,
                        "regimen_id": regimen.pk,
                        "day": o.day,
                        "date": o.date or day1_of[regimen.pk],
                        "drug": str(o.drug),
                    }
                )
        order_ids = write.rows(Order, orders)
        tz = {p.pk: p.site.tz for p in people}
        write.rows(
            Administration, _administrations(orders, order_ids, tz, today, user, rng, write.now)
        )
    saved_visits = write.objects(Visit, visits)
    saved_courses = write.objects(HospitalCourse, courses)
    write.objects(DeathEvidence, _death_evidence(saved_visits, saved_courses))
    # Data management (issue 18): edit checks, SDV plan and a query for the first few.
    seed_data_management(participant_ids=[p.pk for p in people], user=user)
    return {
        "participants": len(people),
        "screenings": len(screenings),
        "orders": len(orders),
        "visits": len(visits),
    }


def _administrations(
    orders: list[dict[str, Any]],
    order_ids: list[int],
    tz: dict[int, Any],
    today: dt.date,
    user: Any,
    rng: random.Random,
    recorded_at: dt.datetime,
) -> list[dict[str, Any]]:
    """Doses of the orders before today (issue 19): given as ordered at the scheduled site
    time, about one in twenty held; none against an order waiting for a pharmacist."""
    rows = []
    for o, order_id in zip(orders, order_ids, strict=True):
        if o["date"] >= today or o["pharmacist_to_verify"]:
            continue
        for n, time in enumerate(slot_times(o["times_per_day"]), start=1):
            held = rng.random() < 0.05
            rows.append(
                {
                    "participant_id": o["participant_id"],
                    "order_id": order_id,
                    "number": n,
                    "status": "held" if held else "given",
                    "dose_mg": None if held else o["dose_mg"],
                    "route": "" if held else o["route"],
                    "given_at": None
                    if held
                    else dt.datetime.combine(o["date"], time, tzinfo=tz[o["participant_id"]]),
                    "given_by": "Synthetic nurse",
                    "reason": "Synthetic: held" if held else "",
                    "recorded_by_id": user.pk,
                    "recorded_at": recorded_at,
                }
            )
    return rows


def _plan_prefix(
    arm: str,
    weight: Decimal,
    renal: bool,
    decisions: list[tuple[str, str]],
    day1: dt.date,
    settings: protocol.DosingSettings,
) -> protocol.Regimen:
    chosen = [
        protocol.Decision(protocol.Improvement(i), protocol.LabsTrend(t)) for i, t in decisions
    ]
    return protocol.plan_regimen(
        arm=protocol.Arm(arm),
        weight_kg=weight,
        renal_impairment=renal,
        npo=False,
        decisions=chosen,
        start_date=day1,
        settings=settings,
    )
