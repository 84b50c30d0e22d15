"""API views of campaign budgets: campaigns (with their budget and ROI), the spend ledger, the envelopes.

Everyone signed in reads campaigns and their ROI; budgets, spend and envelopes are marketing ops' (and admins').
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from apps.core.api.views import ID_PATTERN
from apps.marketing_ops.budgets import filters, selectors
from apps.marketing_ops.budgets.api import serializers
from apps.marketing_ops.budgets.models import Campaign, SpendEntry
from apps.marketing_ops.budgets.services import budget, spend


def is_marketing_ops(user) -> bool:
    return user.has_perm("marketing_ops.may_manage_budgets")


class MarketingOps(IsAuthenticated):
    message = "Campaign budgets and spend are for marketing ops."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and is_marketing_ops(request.user)


class ReadOrMarketingOps(IsAuthenticated):
    """Everyone signed in reads what the view lists; marketing ops write (and read the budget)."""

    message = "Only marketing ops may change campaigns or read their budgets."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "roi":
            return True
        return (request.method in SAFE_METHODS and view.action in ("list", "retrieve")) or is_marketing_ops(
            request.user
        )


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Campaigns, newest first; filter by status, channel, quarter, owner, program, envelope or `q` (name)."""

    permission_classes = [ReadOrMarketingOps]
    filterset_class = filters.CampaignFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.campaign_list()

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or is_marketing_ops(self.request.user):
            return serializers.CampaignSerializer
        return serializers.CampaignBriefSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = budget.campaign_create(actor=request.user, **serializer.validated_data)
        return Response(self._shown(campaign), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        campaign = budget.campaign_update(campaign_id=serializer.instance.pk, data=serializer.validated_data)
        return Response(self._shown(campaign))

    def _shown(self, campaign: Campaign) -> dict:
        return serializers.CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data

    @extend_schema(responses=serializers.CampaignBudgetSerializer)
    @action(detail=True, methods=["get"])
    def budget(self, request, pk=None):
        """Planned, committed (unsettled), actual, available, % used, burn rate, projection and status, today."""
        campaign = self.get_object()
        figures = selectors.campaign_budget(campaign, today=timezone.localdate())
        thresholds = {
            "warn_at_percent": campaign.warn_at_percent,
            "over_at_percent": campaign.over_at_percent,
            "projected_over_percent": campaign.projected_over_percent,
        }
        return Response({"campaign": campaign.pk, "name": campaign.name, **figures.shown(), "thresholds": thresholds})

    @extend_schema(responses=serializers.CampaignRoiSerializer)
    @action(detail=True, methods=["get"])
    def roi(self, request, pk=None):
        """What the campaign bought: leads, MQLs, opportunities, won amount (sourced and influenced), cost per, ROI."""
        campaign = self.get_object()
        result, unconverted = selectors.attribution(Campaign.objects.filter(pk=campaign.pk), today=timezone.localdate())
        missing = [f"{currency} on {day.isoformat()}" for currency, day in sorted(unconverted)]
        return Response(
            {"campaign": campaign.pk, "name": campaign.name, **result[campaign.pk].shown(), "missing_rates": missing}
        )

    @extend_schema(request=serializers.AmountReasonSerializer)
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        """Set the planned amount; the difference is drawn from or released to the envelope, with the reason."""
        campaign = self.get_object()
        data = serializers.AmountReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        budget.campaign_plan_set(campaign_id=campaign.pk, actor=request.user, **data.validated_data)
        return Response(self._shown(campaign))

    @extend_schema(request=serializers.CampaignTransferSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Move planned money from this campaign to `to_campaign`, with the reason."""
        campaign = self.get_object()
        data = serializers.CampaignTransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        budget.budget_transfer(
            from_campaign_id=campaign.pk,
            to_campaign_id=values["to_campaign"].pk,
            amount=values["amount"],
            reason=values["reason"],
            actor=request.user,
        )
        return Response(self._shown(campaign))

    @extend_schema(request=serializers.CampaignMoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """planned → active → completed, or cancelled (which releases the plan not spoken for)."""
        campaign = self.get_object()
        data = serializers.CampaignMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        budget.campaign_move(campaign_id=campaign.pk, status=data.validated_data["status"], actor=request.user)
        return Response(self._shown(campaign))


class SpendViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The spend ledger, newest first. Lines are never edited: post a credit note to correct one."""

    serializer_class = serializers.SpendEntrySerializer
    permission_classes = [MarketingOps]
    filterset_class = filters.SpendFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.spend_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        settles = values.pop("settles", None)
        entry = spend.spend_post(
            campaign_id=values.pop("campaign").pk,
            spent_on=values.pop("spent_on"),
            settles_id=settles.pk if settles else None,
            source=SpendEntry.Source.API,
            actor=request.user,
            **values,
        )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class EnvelopeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Quarterly envelopes per team and channel, with what is allocated from each."""

    serializer_class = serializers.EnvelopeSerializer
    permission_classes = [MarketingOps]
    filterset_class = filters.EnvelopeFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.envelope_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        envelope = budget.envelope_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=envelope.pk)).data, status=201)

    @extend_schema(request=serializers.AmountReasonSerializer)
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        """Grow or shrink the envelope to `amount` (not below what is allocated), with the reason."""
        envelope = self.get_object()
        data = serializers.AmountReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        budget.envelope_change(envelope_id=envelope.pk, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=envelope.pk)).data)

    @extend_schema(request=serializers.EnvelopeTransferSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Move unallocated money from this envelope to `to_envelope`, with the reason."""
        envelope = self.get_object()
        data = serializers.EnvelopeTransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        budget.envelope_transfer(
            from_envelope_id=envelope.pk,
            to_envelope_id=values["to_envelope"].pk,
            amount=values["amount"],
            reason=values["reason"],
            actor=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=envelope.pk)).data)
