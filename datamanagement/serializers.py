"""API shapes of the data-management app."""

from __future__ import annotations

from rest_framework import serializers

from datamanagement.models import Query, QueryMessage


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
