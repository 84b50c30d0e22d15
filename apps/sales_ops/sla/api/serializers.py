"""API shapes of the lead SLAs."""

from rest_framework import serializers

from apps.core.api.serializers import UserBriefSerializer
from apps.sales_ops.models import SlaClock, SlaEscalation, SlaPolicy


class PolicyBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SlaClockSerializer(serializers.ModelSerializer):
    """A clock with the terms it runs on (`target`, `unit`, `warn_at_percent`), fixed when it started."""

    policy = PolicyBriefSerializer(read_only=True)
    owner = UserBriefSerializer(source="lead.owner", read_only=True, allow_null=True)

    class Meta:
        model = SlaClock
        fields = [
            "id",
            "lead",
            "owner",
            "policy",
            "stage",
            "state",
            "target",
            "unit",
            "warn_at_percent",
            "started_at",
            "warn_at",
            "due_at",
            "breached_at",
            "paused_at",
            "pause_reason",
            "stopped_at",
        ]
        read_only_fields = fields


class PauseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class SlaEscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaEscalation
        fields = ["level", "hours_after_breach", "recipient", "email"]


class SlaPolicySerializer(serializers.ModelSerializer):
    """A policy with its escalation ladder; writing `escalations` replaces the whole ladder."""

    escalations = SlaEscalationSerializer(many=True, required=False)
    pause_reasons = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "active",
            "priority",
            "stage",
            "segment",
            "territory",
            "source",
            "score_min",
            "score_max",
            "target",
            "unit",
            "warn_at_percent",
            "calendar_mode",
            "calendar",
            "pause_reasons",
            "on_breach",
            "queue_owner",
            "escalations",
        ]
        # The model refuses a zero target or a warning at 100 % itself (so the admin does too); here too.
        extra_kwargs = {"target": {"min_value": 1}, "warn_at_percent": {"min_value": 1, "max_value": 99}}
