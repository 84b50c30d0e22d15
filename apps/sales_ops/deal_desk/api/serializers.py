"""The deal desk API under /api/v1/deal-desk/: requests, their route and timeline, decisions, delegations.

Thin: serializers check the shape of the input, the views fetch through the visibility selectors (another
person's request is a 404) and hand the ids to the deal desk services, which decide every outcome.
"""

import django_filters as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core import selectors as core_selectors
from apps.core.api.fields import AMOUNT_FIELD_MAPPING
from apps.core.api.filters import MAX_ID, IdFilter
from apps.core.api.serializers import UserBriefSerializer
from apps.core.api.views import ID_PATTERN
from apps.core.models import User
from apps.core.services.records import too_long_message
from apps.sales_ops.deal_desk import selectors as selectors
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.models import discount_percent
from apps.sales_ops.models import (
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

# --- shapes -----------------------------------------------------------------------------------------------------


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


# --- filters ----------------------------------------------------------------------------------------------------


class DealRequestFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=DealRequest.Status.choices)
    requester = IdFilter(field_name="requester_id")
    opportunity = IdFilter(field_name="opportunity_id")
    inbox = filters.BooleanFilter(method="filter_inbox", label="Waiting for your decision now")

    class Meta:
        model = DealRequest
        fields = ["status", "requester", "opportunity", "inbox"]

    def filter_inbox(self, queryset, name, value):
        waiting = selectors.deal_inbox(user=self.request.user).values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)


# --- views ------------------------------------------------------------------------------------------------------


class DealRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Deal desk requests you may see: reps their own, managers their team's, approvers (and their delegates)
    what is or was in front of them, sales ops all. `?inbox=true` lists what waits for your decision."""

    filterset_class = DealRequestFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return DealRequest.objects.none()
        return selectors.with_current_route(selectors.deal_request_list(user=self.request.user))

    def get_serializer_class(self):
        if self.action == "list":
            return DealRequestSerializer
        return DealRequestDetailSerializer

    def _detail(self, request_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        # Fetched again through visibility: a move that took the request out of the caller's sight is a 404.
        deal = get_object_or_404(self.get_queryset(), pk=request_id)
        deal.timeline = list(selectors.deal_timeline(deal))
        deal.attachment_rows = list(deal.attachments.select_related("uploaded_by"))
        deal.may_decide = selectors.may_decide(user=self.request.user, request=deal)
        data = DealRequestDetailSerializer(deal, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def _input(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def retrieve(self, request, *args, **kwargs):
        """A request with its current route, its timeline and its attachments."""
        return self._detail(self.get_object().pk)

    @extend_schema(request=DealRequestWriteSerializer, responses={201: DealRequestDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Open a draft on one of your open opportunities; `/submit/` sends it for approval."""
        data = self._input(DealRequestWriteSerializer)
        opportunity = data.pop("opportunity")
        deal = services.deal_request_create(requester=request.user, opportunity=opportunity, data=data)
        return self._detail(deal.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=DealRequestUpdateSerializer, responses=DealRequestDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change the terms of your draft, or of a request sent back for changes or recalled."""
        request_id = self.get_object().pk
        data = self._input(DealRequestUpdateSerializer, partial=True)
        services.deal_request_update(request_id=request_id, actor=request.user, data=data)
        return self._detail(request_id)

    @extend_schema(request=DealRequestWriteSerializer, responses=RoutePreviewSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """Who would have to approve these terms, without saving anything."""
        data = self._input(DealRequestWriteSerializer)
        opportunity = data.pop("opportunity")
        steps = services.deal_route_preview(requester=request.user, opportunity=opportunity, data=data)
        preview = {
            "discount_percent": discount_percent(data["list_amount"], data["net_amount"]),
            "steps": steps,
            "problems": [problem for step in steps for problem in step.problems],
        }
        return Response(RoutePreviewSerializer(preview).data)

    @extend_schema(request=None, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft for approval, routed through the approval matrix; a second submit changes nothing."""
        request_id = self.get_object().pk
        services.deal_request_submit(request_id=request_id, actor=request.user)
        return self._detail(request_id)

    @extend_schema(request=None, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Send a request back for approval after changes (or a recall); unchanged steps keep their approval."""
        request_id = self.get_object().pk
        services.deal_request_resubmit(request_id=request_id, actor=request.user)
        return self._detail(request_id)

    @extend_schema(request=RecallSerializer, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        """Take a request under review back, with an optional `reason`."""
        request_id = self.get_object().pk
        reason = self._input(RecallSerializer)["reason"]
        services.deal_request_recall(request_id=request_id, actor=request.user, reason=reason)
        return self._detail(request_id)

    def _decide(self, outcome: str) -> Response:
        request_id = self.get_object().pk
        data = self._input(DecideSerializer)
        services.deal_request_decide(request_id=request_id, actor=self.request.user, outcome=outcome, **data)
        return self._detail(request_id)

    @extend_schema(request=DecideSerializer, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the current step, for yourself or for the approver who delegated to you."""
        return self._decide(DealDecision.Outcome.APPROVE)

    @extend_schema(request=DecideSerializer, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Needs a `comment` saying why."""
        return self._decide(DealDecision.Outcome.REJECT)

    @extend_schema(request=DecideSerializer, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        """Sends the request back to the rep; needs a `comment` saying what to change."""
        return self._decide(DealDecision.Outcome.REQUEST_CHANGES)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """Attach a file (a quote, a redline; at most 10 MB) as multipart form data in `file`."""
        request_id = self.get_object().pk
        upload = self._input(AttachmentUploadSerializer)["file"]
        services.deal_attachment_add(request_id=request_id, actor=request.user, upload=upload)
        return self._detail(request_id)


class DelegationViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your delegations: who decides for you while you are out. DELETE ends one from today (a future one is
    removed; a past one stays as a record)."""

    serializer_class = DelegationSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApprovalDelegation.objects.none()
        return selectors.delegations_given(self.request.user)

    @extend_schema(request=DelegationCreateSerializer, responses={201: DelegationSerializer})
    def create(self, request, *args, **kwargs):
        data = DelegationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delegation = services.deal_delegation_create(approver=request.user, **data.validated_data)
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        """End the delegation from today on."""
        services.deal_delegation_end(delegation_id=self.get_object().pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
