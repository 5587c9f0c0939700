"""API shapes of the data-management app."""

from __future__ import annotations

from rest_framework import serializers

from datamanagement.models import Query, QueryMessage, SdvRecord
from dressdb.models import EditFreeze
from dressdb.signing import Meaning


class QueryMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)

    class Meta:
        model = QueryMessage
        fields = ["kind", "author", "at", "text"]


class QuerySerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.study_id", read_only=True)
    record_id = serializers.IntegerField(source="object_id", read_only=True)
    messages = QueryMessageSerializer(many=True, read_only=True)

    class Meta:
        model = Query
        fields = [
            "id",
            "participant",
            "form",
            "record_id",
            "field",
            "status",
            "origin",
            "rule",
            "text",
            "opened_at",
            "answered_at",
            "closed_at",
            "correction_history_id",
            "messages",
        ]


class QueryOpenSerializer(serializers.Serializer):
    form = serializers.CharField(max_length=30)
    record_id = serializers.IntegerField(min_value=1, max_value=2**62)
    field = serializers.CharField(max_length=60)
    text = serializers.CharField(max_length=2000)


class QueryTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class QueryCloseSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SdvVerifySerializer(serializers.Serializer):
    form = serializers.CharField(
        max_length=30, help_text='The SDV form code, e.g. "primary_endpoints", "consent".'
    )
    record_id = serializers.IntegerField(min_value=1, max_value=2**62)


class SdvRecordSerializer(serializers.ModelSerializer):
    record_id = serializers.IntegerField(source="object_id", read_only=True)
    verified_by = serializers.CharField(
        source="verified_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = SdvRecord
        fields = ["id", "form", "record_id", "status", "verified_by", "verified_at"]


class CasebookSignSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=512,
        trim_whitespace=False,
        help_text="The investigator's password: the e-signature (checked last).",
    )
    meaning = serializers.ChoiceField(
        choices=[(str(Meaning.REVIEWED_APPROVED), Meaning.REVIEWED_APPROVED.label)],
        default=str(Meaning.REVIEWED_APPROVED),
        help_text="What the signature means.",
    )


class CasebookSignatureSerializer(serializers.Serializer):
    participant = serializers.CharField()
    signed_by = serializers.CharField()
    signed_at = serializers.DateTimeField()
    meaning = serializers.CharField()
    fingerprint = serializers.CharField(help_text="The casebook's SHA-256 at signing.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class EditFreezeSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    release_requested_by = serializers.CharField(
        source="release_requested_by.username", default=None, allow_null=True, read_only=True
    )
    released_by = serializers.CharField(
        source="released_by.username", default=None, allow_null=True, read_only=True
    )
    snapshot = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Database lock: the SHA-256 of each exported file.",
    )

    class Meta:
        model = EditFreeze
        fields = [
            "id",
            "kind",
            "participant_id",
            "reason",
            "active",
            "created_by",
            "created_at",
            "snapshot",
            "release_requested_by",
            "release_reason",
            "released_by",
            "released_at",
        ]
