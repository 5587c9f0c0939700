"""JSON API of the consent-form versions (issue 18): the version table (GET, and POST by
the trial admin) and a participant's consents (GET, and POST a re-consent by the site's
coordinators and investigators). The same services and roles as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from dressdb.access import has_role
from dressdb.api_schema import with_errors
from dressdb.models import Site
from enrollment import consent, consent_services
from enrollment.access import participant_for_user
from enrollment.consent_views import CONSENT_READERS, CONSENT_WRITERS, VERSION_READERS
from enrollment.models import ConsentVersion, ParticipantConsent


class ConsentVersionSerializer(serializers.ModelSerializer):
    sites = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=Site.objects.all(),
        required=False,
        help_text="Site codes it applies to; empty: every site.",
    )

    class Meta:
        model = ConsentVersion
        fields = [
            "id",
            "label",
            "irb_approved_on",
            "effective_on",
            "sites",
            "document",
            "requires_reconsent",
        ]
        read_only_fields = ["id"]
        extra_kwargs: dict[str, Any] = {
            "label": {"validators": []}
        }  # the service names a duplicate


class ConsentSerializer(serializers.ModelSerializer):
    version: serializers.SlugRelatedField[ConsentVersion] = serializers.SlugRelatedField(
        slug_field="label", read_only=True
    )

    class Meta:
        model = ParticipantConsent
        fields = [
            "id",
            "version",
            "kind",
            "consented_on",
            "signer",
            "representative_relationship",
            "obtained_by",
            "recorded_at",
        ]


class ConsentInputSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=40, help_text="The version's label.")
    consented_on = serializers.DateField()
    signer = serializers.ChoiceField(
        choices=ParticipantConsent.Signer.choices, default=ParticipantConsent.Signer.PARTICIPANT
    )
    representative_relationship = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )
    obtained_by = serializers.CharField(max_length=150)


PARTICIPANT_CONSENTS = inline_serializer(
    "ParticipantConsents",
    {
        "participant": serializers.CharField(),
        "reconsent_needed": serializers.CharField(
            allow_null=True, help_text="The version to re-consent on; null: none needed."
        ),
        "consents": ConsentSerializer(many=True),
    },
)


def _errors(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


def _object(request: Request) -> Any:
    if not isinstance(request.data, dict):
        return Response({"input": ["must be a JSON object"]}, status=status.HTTP_400_BAD_REQUEST)
    return request.data


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: ConsentVersionSerializer(many=True)}, bad_input=False),
    summary="The consent-form versions (label, IRB approval, effective date, sites, document)",
)
@extend_schema(
    methods=["POST"],
    request=ConsentVersionSerializer,
    responses=with_errors({201: ConsentVersionSerializer}),
    summary="Define a consent-form version (trial admin); older consents are flagged "
    "for re-consent from its effective date",
)
@api_view(["GET", "POST"])
def consent_versions(request: Request) -> Response:
    if request.method == "GET":
        if not has_role(request.user, *VERSION_READERS):
            raise PermissionDenied("Your role does not give access to consent versions.")
        rows = ConsentVersion.objects.prefetch_related("sites")
        return Response(ConsentVersionSerializer(rows, many=True).data)
    if not has_role(request.user, "admin"):
        raise PermissionDenied("Only the trial admin defines consent-form versions.")
    data = _object(request)
    if isinstance(data, Response):
        return data
    given = ConsentVersionSerializer(data=data)
    if not given.is_valid():
        return Response(given.errors, status=status.HTTP_400_BAD_REQUEST)
    values = given.validated_data
    try:
        version = consent_services.consent_version_create(
            user=request.user,
            label=values["label"],
            effective_on=values["effective_on"],
            irb_approved_on=values["irb_approved_on"],
            document=values["document"],
            requires_reconsent=values.get("requires_reconsent", True),
            sites=list(values.get("sites", [])),
        )
    except ValidationError as exc:
        return _errors(exc)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    fresh = ConsentVersion.objects.prefetch_related("sites").get(pk=version.pk)
    return Response(ConsentVersionSerializer(fresh).data, status=status.HTTP_201_CREATED)


def _consents(participant: Any, code: int = status.HTTP_200_OK) -> Response:
    needed = consent.reconsent_version(participant)
    return Response(
        {
            "participant": participant.study_id,
            "reconsent_needed": needed.label if needed else None,
            "consents": ConsentSerializer(consent.consents_for(participant), many=True).data,
        },
        status=code,
    )


@extend_schema(
    methods=["GET"],
    responses=with_errors({200: PARTICIPANT_CONSENTS}, bad_input=False),
    summary="A participant's consents and whether a re-consent is needed",
)
@extend_schema(
    methods=["POST"],
    request=ConsentInputSerializer,
    responses=with_errors({201: PARTICIPANT_CONSENTS}),
    summary="Record a participant's (re-)consent on a version, by the participant or a "
    "legally authorised representative (site coordinators and investigators)",
)
@api_view(["GET", "POST"])
def participant_consents(request: Request, pk: int) -> Response:
    if request.method == "GET":
        if not has_role(request.user, *CONSENT_READERS):
            raise PermissionDenied("Your role does not give access to consents.")
        return _consents(participant_for_user(request.user, pk, roles=CONSENT_READERS))
    if not has_role(request.user, *CONSENT_WRITERS):
        raise PermissionDenied("Only coordinators and investigators record consent.")
    participant = participant_for_user(request.user, pk, roles=CONSENT_WRITERS)
    data = _object(request)
    if isinstance(data, Response):
        return data
    given = ConsentInputSerializer(data=data)
    if not given.is_valid():
        return Response(given.errors, status=status.HTTP_400_BAD_REQUEST)
    values = given.validated_data
    version = ConsentVersion.objects.filter(label=values["version"]).first()
    if version is None:
        return Response(
            {"version": ["No consent-form version with this label."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    try:
        consent_services.consent_record(
            participant=participant,
            user=request.user,
            version=version,
            consented_on=values["consented_on"],
            signer=values["signer"],
            representative_relationship=values["representative_relationship"],
            obtained_by=values["obtained_by"],
        )
    except ValidationError as exc:
        return _errors(exc)
    return _consents(participant, status.HTTP_201_CREATED)
