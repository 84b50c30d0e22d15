"""API views of the lead SLAs: clocks to read (and pause), policies for sales ops to edit."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.permissions import MESSAGES, WRITES, RulePermission
from apps.core.api.views import ID_PATTERN
from apps.sales_ops.models import SlaClock, SlaPolicy
from apps.sales_ops.sla import filters
from apps.sales_ops.sla import selectors as selectors
from apps.sales_ops.sla import services as services
from apps.sales_ops.sla.api import serializers


class SlaClockViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SLA clocks of the leads you may see; filter by lead, owner, state, due before/after."""

    serializer_class = serializers.SlaClockSerializer
    filterset_class = filters.SlaClockFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return SlaClock.objects.none()
        return selectors.clock_list(user=self.request.user)

    @extend_schema(request=serializers.PauseSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        clock = self.get_object()
        data = serializers.PauseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sla_clock_pause(clock_id=clock.pk, reason=data.validated_data["reason"], actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=clock.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        clock = self.get_object()
        services.sla_clock_resume(clock_id=clock.pk, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=clock.pk)).data)


class SalesOpsWriteOrReadOnly(RulePermission):
    message = MESSAGES["sales_ops.may_change_sla_policies"]
    action_rules = dict.fromkeys(WRITES, "sales_ops.may_change_sla_policies")


class SlaPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The SLA agreements, matched in priority order; sales ops edit them."""

    serializer_class = serializers.SlaPolicySerializer
    permission_classes = [SalesOpsWriteOrReadOnly]
    lookup_value_regex = ID_PATTERN
    queryset = SlaPolicy.objects.prefetch_related("escalations").order_by("priority", "id")
    pagination_class = None  # a handful of agreements, read in their matching order

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = services.sla_policy_save(data=data, escalations=data.pop("escalations", []))
        return Response(self.get_serializer(policy).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = services.sla_policy_save(
            policy=serializer.instance, data=data, escalations=data.pop("escalations", None)
        )
        return Response(self.get_serializer(SlaPolicy.objects.get(pk=policy.pk)).data)
