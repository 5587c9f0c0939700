"""JSON API of the randomization app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb.access import has_role
from dressdb.api import validated
from dressdb.api_schema import with_errors
from dressdb.models import Role
from enrollment.access import participant_for_user
from enrollment.serializers import ParticipantSerializer, WithdrawInputSerializer
from randomization import services
from randomization.models import ARM_CHOICES

RANDOMIZATION = inline_serializer(
    "Randomization",
    {
        "arm": serializers.ChoiceField(choices=ARM_CHOICES),
        "randomized_at": serializers.DateTimeField(),
        "stratum": serializers.CharField(),
    },
)


@extend_schema(
    request=None,
    responses={201: RANDOMIZATION, 200: RANDOMIZATION},
    summary="Randomize an enrolled participant (idempotent: a repeat returns the same arm)",
)
@api_view(["POST"])
def participant_randomize(request: Request, pk: int) -> Response:
    if not has_role(request.user, Role.COORDINATOR):
        raise PermissionDenied("Only site coordinators randomize.")
    participant = participant_for_user(request.user, pk, roles=[Role.COORDINATOR])
    try:
        allocation = services.participant_randomize(participant=participant, user=request.user)
    except services.NoSlotError as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    body = {
        "arm": allocation.arm,
        "randomized_at": allocation.randomized_at.isoformat(),
        "stratum": allocation.stratum_key,
    }
    return Response(
        body, status=status.HTTP_201_CREATED if allocation.created_now else status.HTTP_200_OK
    )


# --- API parity: the withdrawal form (it composes enrollment, dosing and outcomes, so it
# lives on this floor, as its page does). Errors: the role (403), the site scope (404),
# then the input (400 naming the field).


@extend_schema(
    request=WithdrawInputSerializer,
    responses=with_errors({200: ParticipantSerializer}),
    summary="Withdraw a participant (treatment, follow-up or consent): nothing is deleted",
)
@api_view(["POST"])
def participant_withdraw(request: Request, pk: int) -> Response:
    roles = [Role.COORDINATOR, Role.INVESTIGATOR]
    if not has_role(request.user, *roles):
        raise PermissionDenied("Only site coordinators and investigators record withdrawals.")
    participant = participant_for_user(request.user, pk, roles=roles)
    given = validated(request, WithdrawInputSerializer)
    try:
        updated = services.participant_withdraw(participant=participant, user=request.user, **given)
    except ValidationError as exc:
        # The service names the reason `reason_for_change`; this route's field is `reason`.
        errors = {
            {"reason_for_change": "reason"}.get(field, field): messages
            for field, messages in exc.message_dict.items()
        }
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    return Response(ParticipantSerializer(updated).data)
