"""The deal desk API under /api/v1/deal-desk/: requests, their route and timeline, decisions, delegations.

Thin: serializers check the shape of the input, the views fetch through the visibility selectors (another
person's request is a 404) and hand the ids to the deal desk services, which decide every outcome.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.views import ID_PATTERN
from apps.sales_ops.deal_desk import selectors as selectors
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.api.serializers import (
    AttachmentUploadSerializer,
    DealRequestDetailSerializer,
    DealRequestSerializer,
    DealRequestUpdateSerializer,
    DealRequestWriteSerializer,
    DecideSerializer,
    DelegationCreateSerializer,
    DelegationSerializer,
    RecallSerializer,
    RoutePreviewSerializer,
)
from apps.sales_ops.deal_desk.filters import DealRequestFilter
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    DealDecision,
    DealRequest,
    discount_percent,
)


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
        return selectors.with_current_route(self._visible())

    def _visible(self):
        """The requests the caller may see, built once per call: who delegates to them is read once, not per use."""
        if not hasattr(self, "_visible_requests"):
            self._visible_requests = selectors.deal_request_list(user=self.request.user)
        return self._visible_requests

    def _visible_id(self) -> int:
        """The request in the URL if the caller may see it, else a 404. Before a change only that is asked (one
        query): the service reads the request under its lock, and the answer reads it whole afterwards."""
        request_id = int(self.kwargs[self.lookup_field])
        if not self._visible().filter(pk=request_id).exists():
            raise Http404("No deal request matches the given query.")
        return request_id

    def get_serializer_class(self):
        if self.action == "list":
            return DealRequestSerializer
        return DealRequestDetailSerializer

    def _detail(self, request_id: int, *, status_code: int = status.HTTP_200_OK, seen: bool = True) -> Response:
        """The request whole, as every action answers. `seen`: the caller was shown to see it (`_visible_id`, or
        it is the draft they just opened), so it is read by key: no action takes a request out of the sight of
        whoever made the move (the requester's own; an approver's, or their delegate's, decision), and asking
        visibility again cost about as much as the rest of the read. Otherwise read through visibility."""
        requests = DealRequest.objects.select_related(*selectors.REQUEST_RELATED) if seen else self._visible()
        deal = get_object_or_404(selectors.with_current_route(requests), pk=request_id)
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
        return self._detail(int(self.kwargs[self.lookup_field]), seen=False)

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
        request_id = self._visible_id()
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
        request_id = self._visible_id()
        services.deal_request_submit(request_id=request_id, actor=request.user)
        return self._detail(request_id)

    @extend_schema(request=None, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Send a request back for approval after changes (or a recall); unchanged steps keep their approval."""
        request_id = self._visible_id()
        services.deal_request_resubmit(request_id=request_id, actor=request.user)
        return self._detail(request_id)

    @extend_schema(request=RecallSerializer, responses=DealRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        """Take a request under review back, with an optional `reason`."""
        request_id = self._visible_id()
        reason = self._input(RecallSerializer)["reason"]
        services.deal_request_recall(request_id=request_id, actor=request.user, reason=reason)
        return self._detail(request_id)

    def _decide(self, outcome: str) -> Response:
        request_id = self._visible_id()
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
        request_id = self._visible_id()
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
