"""JSON API of the safety app: every safety form a site user fills has its route here,
calling the same service as the page, with the page's roles (403), the participant's
site scope (404, through enrollment.access) and field errors as a JSON 400:

- adverse events: list and record; correct or add a follow-up report; the
  investigator's signed review; the death report of a fatal event;
- concomitant medications: list, add, correct;
- protocol deviations: the log (list, record, correct), a coordinator's confirmation or
  dismissal of a proposal, the investigator's signed review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb import signing
from dressdb.access import has_role
from dressdb.api import validated
from dressdb.api_schema import with_errors
from dressdb.models import Role
from enrollment.access import participant_for_user
from safety import selectors, services
from safety.models import AdverseEvent, ConcomitantMedication, DeathReport, ProtocolDeviation
from safety.serializers import (
    AdverseEventInputSerializer,
    AdverseEventSerializer,
    AdverseEventSignedSerializer,
    AdverseEventUpdateSerializer,
    ConmedInputSerializer,
    ConmedSerializer,
    ConmedUpdateSerializer,
    DeathReportInputSerializer,
    DeathReportSerializer,
    DeviationDecideSerializer,
    DeviationInputSerializer,
    DeviationSerializer,
    DeviationSignedSerializer,
    DeviationUpdateSerializer,
    SignInputSerializer,
)

READ = list(selectors.READ_ROLES)
EDIT = list(selectors.EDIT_ROLES)


def _ae_input(data: dict[str, Any]) -> services.AeInput:
    aware_at: dt.datetime = data["aware_at"]
    return services.AeInput(
        term=data.get("term"),
        term_other=data.get("term_other") or "",
        soc=data.get("soc"),
        onset_date=data["onset_date"],
        stop_date=data.get("stop_date"),
        ongoing=bool(data.get("ongoing")),
        grade=int(data["grade"]),
        serious=bool(data.get("serious")),
        criteria=frozenset(data.get("criteria") or ()),
        related_cyclosporine=data["related_cyclosporine"],
        related_corticosteroids=data["related_corticosteroids"],
        action_cyclosporine=data["action_cyclosporine"],
        action_corticosteroids=data["action_corticosteroids"],
        outcome=data["outcome"],
        aware_at=aware_at,
    )


def _conmed_input(data: dict[str, Any]) -> services.ConmedInput:
    return services.ConmedInput(
        drug=data["drug"],
        indication=data["indication"],
        dose=data.get("dose"),
        unit=data.get("unit") or "",
        route=data["route"],
        frequency=data.get("frequency") or "",
        start_date=data["start_date"],
        stop_date=data.get("stop_date"),
        ongoing=bool(data.get("ongoing")),
        culprit=bool(data.get("culprit")),
        reaction_onset_date=data.get("reaction_onset_date"),
    )


def _deviation_input(data: dict[str, Any]) -> services.DeviationInput:
    return services.DeviationInput(
        kind=data["kind"],
        occurred_on=data["occurred_on"],
        description=data["description"],
        reason=data.get("reason") or "",
        impact_safety=bool(data.get("impact_safety")),
        impact_endpoints=bool(data.get("impact_endpoints")),
        corrective_action=data.get("corrective_action") or "",
        irb_reportable=bool(data.get("irb_reportable")),
    )


def _gate(request: Request, roles: Sequence[str], message: str) -> None:
    """The page's roles: 403 for any other role (before the scope, as the pages do)."""
    if not has_role(request.user, *roles):
        raise PermissionDenied(message)


def _event_for(request: Request, pk: int, ae_pk: int, roles: Sequence[str]) -> AdverseEvent:
    participant = participant_for_user(request.user, pk, roles=roles)
    return get_object_or_404(
        AdverseEvent.objects.select_related("participant__site", "term", "soc"),
        pk=ae_pk,
        participant=participant,
    )


def _deviation_for(
    request: Request, pk: int, dev_pk: int, roles: Sequence[str]
) -> ProtocolDeviation:
    participant = participant_for_user(request.user, pk, roles=roles)
    return get_object_or_404(
        ProtocolDeviation.objects.select_related("participant__site"),
        pk=dev_pk,
        participant=participant,
    )


def _signature_json(signature: Any) -> dict[str, Any]:
    return {
        "printed_name": signature.printed_name,
        "signed_at": signature.signed_at.astimezone(dt.UTC).isoformat(),
        "meaning": signature.meaning,
    }


def _list(request: Request, pk: int) -> Response:
    if not has_role(request.user, *READ):
        raise PermissionDenied("Your role does not give access to adverse events.")
    participant = participant_for_user(request.user, pk, roles=READ)
    events = selectors.events_for(participant).order_by("onset_date", "id")
    return Response(AdverseEventSerializer(events, many=True).data)


def _create(request: Request, pk: int) -> Response:
    if not has_role(request.user, *EDIT):
        raise PermissionDenied("Only site coordinators and investigators record adverse events.")
    participant = participant_for_user(request.user, pk, roles=EDIT)
    with timezone.override(participant.site.tz):  # a time without offset: the site's zone
        data = validated(request, AdverseEventInputSerializer)
    ae = services.ae_create(participant=participant, user=request.user, data=_ae_input(data))
    ae = selectors.events_for(participant).get(pk=ae.pk)
    return Response(AdverseEventSerializer(ae).data, status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: AdverseEventSerializer(many=True)}, bad_input=False),
    summary="A participant's adverse events (SAE clock: report_due_at, UTC; SUSAR flag)",
)
@extend_schema(
    methods=["POST"],
    request=AdverseEventInputSerializer,
    responses=with_errors({201: AdverseEventSerializer}),
    summary="Record an adverse event (a serious one starts its SAE clock and alerts the "
    "investigators at once)",
)
@api_view(["GET", "POST"])
def participant_adverse_events(request: Request, pk: int) -> Response:
    if request.method == "POST":
        return _create(request, pk)
    return _list(request, pk)


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: ConmedSerializer(many=True)}, bad_input=False),
    summary="A participant's concomitant medications (culprit latency, CYP3A4 interaction)",
)
@extend_schema(
    methods=["POST"],
    request=ConmedInputSerializer,
    responses=with_errors({201: ConmedSerializer}),
    summary="Add a drug to the participant's concomitant medications",
)
@api_view(["GET", "POST"])
def participant_conmeds(request: Request, pk: int) -> Response:
    roles = READ if request.method == "GET" else EDIT
    if not has_role(request.user, *roles):
        raise PermissionDenied("Your role does not give access to concomitant medications.")
    participant = participant_for_user(request.user, pk, roles=roles)
    if request.method == "GET":
        return Response(ConmedSerializer(selectors.conmeds_for(participant), many=True).data)
    data = validated(request, ConmedInputSerializer)
    row = services.conmed_save(participant=participant, user=request.user, data=_conmed_input(data))
    return Response(ConmedSerializer(row).data, status=status.HTTP_201_CREATED)


# --- Adverse event: correction or follow-up, signed review, death report ----------------


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: AdverseEventSerializer}, bad_input=False),
    summary="One adverse event of the participant",
)
@extend_schema(
    methods=["PUT"],
    request=AdverseEventUpdateSerializer,
    responses=with_errors({200: AdverseEventSerializer}),
    summary="Correct an adverse event, or add a follow-up report (a new version; the history "
    "keeps each version); a reason is required and a change voids the signed review",
)
@api_view(["GET", "PUT"])
def participant_adverse_event(request: Request, pk: int, ae_pk: int) -> Response:
    roles = READ if request.method == "GET" else EDIT
    _gate(request, roles, "Only site coordinators and investigators correct adverse events.")
    ae = _event_for(request, pk, ae_pk, roles)
    if request.method == "GET":
        return Response(AdverseEventSerializer(ae).data)
    with timezone.override(ae.participant.site.tz):  # a time without offset: the site's zone
        data = validated(request, AdverseEventUpdateSerializer)
    services.ae_update(
        adverse_event=ae,
        user=request.user,
        data=_ae_input(data),
        reason=data["reason_for_change"],
        follow_up=bool(data.get("follow_up")),
        request=request,
    )
    ae = selectors.events_for(ae.participant).get(pk=ae.pk)
    return Response(AdverseEventSerializer(ae).data)


@extend_schema(
    request=SignInputSerializer,
    responses=with_errors({200: AdverseEventSignedSerializer}),
    summary="The investigator's signed review of causality and seriousness (Part 11: meaning "
    "+ password re-entry, through the signing service); stops a serious event's SAE clock",
)
@api_view(["POST"])
def adverse_event_sign(request: Request, pk: int, ae_pk: int) -> Response:
    investigator = [str(Role.INVESTIGATOR)]
    _gate(request, investigator, "Only investigators sign the review of an adverse event.")
    ae = _event_for(request, pk, ae_pk, investigator)
    data = validated(request, SignInputSerializer)
    signed = services.ae_sign(
        adverse_event=ae,
        user=request.user,
        password=data["password"],
        meaning=data["meaning"],
        request=request,
    )
    signature = signing.current_signature(signed)
    event = selectors.events_for(ae.participant).get(pk=ae.pk)
    return Response(
        {
            "adverse_event": AdverseEventSerializer(event).data,
            "signature": _signature_json(signature),
        }
    )


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: DeathReportSerializer}, bad_input=False),
    summary="The death report of a fatal adverse event, with the participant's reconciled "
    "date of death (404 while there is none)",
)
@extend_schema(
    methods=["PUT"],
    request=DeathReportInputSerializer,
    responses=with_errors({200: DeathReportSerializer}),
    summary="Record or correct the death report of a fatal adverse event (date, primary "
    "cause, relatedness, autopsy); it feeds the participant's one date of death",
)
@api_view(["GET", "PUT"])
def adverse_event_death_report(request: Request, pk: int, ae_pk: int) -> Response:
    roles = READ if request.method == "GET" else EDIT
    _gate(request, roles, "Only site coordinators and investigators record death reports.")
    ae = _event_for(request, pk, ae_pk, roles)
    if request.method == "GET":
        report = get_object_or_404(
            DeathReport.objects.select_related("adverse_event__participant"), adverse_event=ae
        )
        return Response(DeathReportSerializer(report).data)
    data = validated(request, DeathReportInputSerializer)
    report = services.death_report_save(
        adverse_event=ae,
        user=request.user,
        death_date=data["death_date"],
        primary_cause=data["primary_cause"],
        related_cyclosporine=data["related_cyclosporine"],
        related_corticosteroids=data["related_corticosteroids"],
        autopsy=data["autopsy"],
        reason=data.get("reason_for_change") or "",
    )
    report = DeathReport.objects.select_related("adverse_event__participant").get(pk=report.pk)
    return Response(DeathReportSerializer(report).data)


# --- Concomitant medication: correction -----------------------------------------------


@extend_schema(
    request=ConmedUpdateSerializer,
    responses=with_errors({200: ConmedSerializer}),
    summary="Correct a concomitant medication (a reason is required)",
)
@api_view(["PUT"])
def participant_conmed(request: Request, pk: int, conmed_pk: int) -> Response:
    _gate(request, EDIT, "Only site coordinators and investigators correct medications.")
    participant = participant_for_user(request.user, pk, roles=EDIT)
    medication = get_object_or_404(ConcomitantMedication, pk=conmed_pk, participant=participant)
    data = validated(request, ConmedUpdateSerializer)
    row = services.conmed_save(
        participant=participant,
        user=request.user,
        data=_conmed_input(data),
        medication=medication,
        reason=data["reason_for_change"],
    )
    return Response(ConmedSerializer(row).data)


# --- Protocol deviations -----------------------------------------------------------------


def _deviation_json(row: ProtocolDeviation) -> dict[str, Any]:
    signatures = signing.current_signatures([row])
    return dict(DeviationSerializer(row, context={"signatures": signatures}).data)


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: DeviationSerializer(many=True)}, bad_input=False),
    summary="A participant's protocol deviation log (recorded by hand, or proposed by "
    "dressdb: status proposed until a coordinator confirms or dismisses it)",
)
@extend_schema(
    methods=["POST"],
    request=DeviationInputSerializer,
    responses=with_errors({201: DeviationSerializer}),
    summary="Log a protocol deviation",
)
@api_view(["GET", "POST"])
def participant_deviations(request: Request, pk: int) -> Response:
    roles = READ if request.method == "GET" else EDIT
    _gate(request, roles, "Your role does not give access to the deviation log.")
    participant = participant_for_user(request.user, pk, roles=roles)
    if request.method == "GET":
        rows = list(ProtocolDeviation.objects.filter(participant=participant))
        signatures = signing.current_signatures(rows)
        return Response(
            DeviationSerializer(rows, many=True, context={"signatures": signatures}).data
        )
    data = validated(request, DeviationInputSerializer)
    row = services.deviation_save(
        participant=participant,
        user=request.user,
        data=_deviation_input(data),
        request=request,
    )
    return Response(_deviation_json(row), status=status.HTTP_201_CREATED)


@extend_schema(
    request=DeviationUpdateSerializer,
    responses=with_errors({200: DeviationSerializer}),
    summary="Correct a protocol deviation (a reason is required; a change voids the signed "
    "review and reopens it)",
)
@api_view(["PUT"])
def participant_deviation(request: Request, pk: int, dev_pk: int) -> Response:
    _gate(request, EDIT, "Only site coordinators and investigators correct deviations.")
    deviation = _deviation_for(request, pk, dev_pk, EDIT)
    data = validated(request, DeviationUpdateSerializer)
    row = services.deviation_save(
        participant=deviation.participant,
        user=request.user,
        data=_deviation_input(data),
        deviation=deviation,
        reason=data["reason_for_change"],
        request=request,
    )
    return Response(_deviation_json(row))


@extend_schema(
    request=DeviationDecideSerializer,
    responses=with_errors({200: DeviationSerializer}),
    summary="A coordinator confirms or dismisses a deviation dressdb proposed, with a reason",
)
@api_view(["POST"])
def deviation_decide(request: Request, pk: int, dev_pk: int) -> Response:
    coordinator = [str(Role.COORDINATOR)]
    _gate(request, coordinator, "Only site coordinators confirm or dismiss proposals.")
    deviation = _deviation_for(request, pk, dev_pk, coordinator)
    data = validated(request, DeviationDecideSerializer)
    row = services.deviation_decide(
        deviation=deviation,
        user=request.user,
        confirm=data["decision"] == "confirm",
        reason=data["reason_for_change"],
    )
    return Response(_deviation_json(row))


@extend_schema(
    request=SignInputSerializer,
    responses=with_errors({200: DeviationSignedSerializer}),
    summary="The investigator's signed review of a confirmed deviation (Part 11: meaning + "
    "password re-entry, through the signing service)",
)
@api_view(["POST"])
def deviation_sign(request: Request, pk: int, dev_pk: int) -> Response:
    investigator = [str(Role.INVESTIGATOR)]
    _gate(request, investigator, "Only investigators sign the review of a deviation.")
    deviation = _deviation_for(request, pk, dev_pk, investigator)
    data = validated(request, SignInputSerializer)
    row = services.deviation_sign(
        deviation=deviation,
        user=request.user,
        password=data["password"],
        meaning=data["meaning"],
        request=request,
    )
    signature = signing.current_signature(row)
    return Response({"deviation": _deviation_json(row), "signature": _signature_json(signature)})
