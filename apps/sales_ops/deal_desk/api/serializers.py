"""API shapes of the deal desk: requests with their route and timeline, decisions, delegations, route previews."""

from rest_framework import serializers

from apps.core import selectors as core_selectors
from apps.core.api.fields import AMOUNT_FIELD_MAPPING
from apps.core.api.filters import MAX_ID
from apps.core.api.serializers import UserBriefSerializer
from apps.core.models import User
from apps.core.services.records import too_long_message
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    ApprovalRule,
    DealApprovalStep,
    DealApprover,
    DealDecision,
    DealEvent,
    DealFlag,
    DealRequest,
    RuleApprover,
)


def deal_text_kwargs(field: str) -> dict:
    """A deal desk free-text field's limit, from the services (the model field's own), named in the error."""
    name, limit = services.TEXT_LIMITS[field]
    return {"max_length": limit, "error_messages": {"max_length": too_long_message(name, limit)}}


def deal_text(field: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(**deal_text_kwargs(field), **kwargs)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__", help_text="Full name, or the username when it has none")


class OpportunityBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    account = serializers.CharField(source="account.name")
    stage = serializers.CharField()


class DecisionSerializer(serializers.ModelSerializer):
    approver = PersonSerializer(read_only=True, help_text="Whom the decision counts for")
    decided_by = PersonSerializer(read_only=True, help_text="Who decided: the approver, or their delegate")
    outcome = serializers.ChoiceField(DealDecision.Outcome.choices, read_only=True)

    class Meta:
        model = DealDecision
        fields = ["id", "outcome", "comment", "approver", "decided_by", "at"]
        read_only_fields = fields


class StepApproverSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(RuleApprover.Kind.choices, read_only=True)
    candidates = PersonSerializer(many=True, read_only=True, help_text="Who may answer for this approver")

    class Meta:
        model = DealApprover
        fields = ["label", "kind", "candidates", "approved"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(DealApprovalStep.Status.choices, read_only=True)
    mode = serializers.ChoiceField(ApprovalRule.Mode.choices, read_only=True)
    approvers = StepApproverSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = DealApprovalStep
        fields = [
            "id",
            "position",
            "name",
            "mode",
            "status",
            "carried_from",
            "activated_at",
            "completed_at",
            "approvers",
            "decisions",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "carried_from": {"help_text": "The step of an earlier revision whose approval stands for this one"}
        }


class EventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(DealEvent.Kind.choices, read_only=True)
    actor = PersonSerializer(read_only=True, allow_null=True)
    on_behalf_of = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DealEvent
        fields = ["id", "at", "kind", "step", "actor", "on_behalf_of", "detail"]
        read_only_fields = fields


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uploaded_by = PersonSerializer()
    uploaded_at = serializers.DateTimeField()


class DealRequestSerializer(serializers.ModelSerializer):
    """A request with the route of its current revision (the steps, their approvers and decisions)."""

    opportunity = OpportunityBriefSerializer(read_only=True)
    requester = UserBriefSerializer(read_only=True)
    status = serializers.ChoiceField(DealRequest.Status.choices, read_only=True)
    flags = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="The flags that are set")
    route = StepSerializer(source="current_steps", many=True, read_only=True)

    class Meta:
        model = DealRequest
        fields = [
            "id",
            "opportunity",
            "requester",
            "status",
            "revision",
            "list_amount",
            "net_amount",
            "currency",
            "discount_percent",
            "term_months",
            "payment_terms",
            "custom_payment_terms",
            "billing_frequency",
            *DealFlag.values,
            "flags",
            "justification",
            "active_step",
            "submitted_at",
            "decided_at",
            "expires_at",
            "created_at",
            "updated_at",
            "route",
        ]
        read_only_fields = fields


class DealRequestDetailSerializer(DealRequestSerializer):
    """…plus the timeline, the attachments, and whether the caller has a decision to make now."""

    timeline = EventSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(source="attachment_rows", many=True, read_only=True)
    may_decide = serializers.BooleanField(read_only=True, help_text="Whether you may approve or reject it now")

    class Meta(DealRequestSerializer.Meta):
        fields = [*DealRequestSerializer.Meta.fields, "may_decide", "timeline", "attachments"]
        read_only_fields = fields


class DealRequestWriteSerializer(serializers.ModelSerializer):
    """A draft's terms. The four non-standard clauses are booleans (`custom_legal_terms`, `ramped_pricing`,
    `free_months`, `renewal_cap_out_of_policy`); the currency defaults to the opportunity's."""

    serializer_field_mapping = AMOUNT_FIELD_MAPPING
    opportunity = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="One of your open opportunities")

    class Meta:
        model = DealRequest
        fields = ["opportunity", *services.EDITABLE_FIELDS]
        extra_kwargs = {
            "currency": {"required": False},
            "justification": deal_text_kwargs("justification"),
            "custom_payment_terms": deal_text_kwargs("custom_payment_terms"),
        }

    def validate_opportunity(self, value: int):
        # Unknown and invisible are one answer: a rep learns nothing about others' deals from it.
        opportunity = core_selectors.opportunity_list(user=self.context["request"].user).filter(pk=value).first()
        if opportunity is None:
            raise serializers.ValidationError("No such opportunity.")
        return opportunity


class DealRequestUpdateSerializer(DealRequestWriteSerializer):
    class Meta(DealRequestWriteSerializer.Meta):
        fields = list(services.EDITABLE_FIELDS)


class RouteApproverPreviewSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(RuleApprover.Kind.choices, read_only=True)
    label = serializers.CharField()
    candidates = PersonSerializer(many=True)


class RouteStepPreviewSerializer(serializers.Serializer):
    name = serializers.CharField()
    mode = serializers.ChoiceField(ApprovalRule.Mode.choices, read_only=True)
    approvers = RouteApproverPreviewSerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())


class RoutePreviewSerializer(serializers.Serializer):
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    steps = RouteStepPreviewSerializer(many=True, help_text="In order; no step means within policy")
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="Why submitting would be refused now; empty when it would route"
    )


class RecallSerializer(serializers.Serializer):
    reason = deal_text("reason", required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    comment = deal_text(
        "comment", required=False, allow_blank=True, default="", help_text="Needed to reject or ask changes"
    )
    revision = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The revision you looked at: a 409 if the request was resubmitted since",
    )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class DelegationSerializer(serializers.ModelSerializer):
    delegate = PersonSerializer(read_only=True)

    class Meta:
        model = ApprovalDelegation
        fields = ["id", "delegate", "starts_on", "ends_on", "note", "created_at"]
        read_only_fields = fields


class DelegationCreateSerializer(serializers.Serializer):
    delegate = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The user who decides for you")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = deal_text("note", required=False, allow_blank=True, default="")

    def validate_delegate(self, value: int) -> User:
        user = User.objects.filter(pk=value).first()
        if user is None:
            raise serializers.ValidationError("No such user.")
        return user
