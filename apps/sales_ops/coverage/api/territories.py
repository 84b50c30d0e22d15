"""The territory API: the tree with its rules and members (`/api/v1/territories/`, `/territory-rules/`,
`/territory-members/`) and "who would get this lead" (`POST /api/v1/leads/{id}/route-preview/`).

Thin: serializers check the shape, the territory services decide and name the field at fault, the routing service
answers the preview. Everyone signed in reads the tree; sales ops write it (`sales_ops.may_change_territories`).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import WRITES, RulePermission
from apps.core.api.serializers import AccountBriefSerializer, UserBriefSerializer, UserWrittenByIdField
from apps.core.api.views import ID_PATTERN
from apps.core.models import Account, BusinessCalendar, Territory, User
from apps.core.models.customers import Segment
from apps.core.permissions import visible_leads
from apps.sales_ops.coverage import selectors_routing as selectors
from apps.sales_ops.coverage.models import RoutingDecision, TerritoryMember, TerritoryRule
from apps.sales_ops.coverage.services import territories as services
from apps.sales_ops.coverage.services.routing import lead_route

CHANGE = "sales_ops.may_change_territories"


class TerritoryRules(RulePermission):
    message = "Only sales ops may change territories, their rules and members."
    action_rules = dict.fromkeys(WRITES, CHANGE)


# --- serializers ----------------------------------------------------------------------------------------------------


class TerritoryRuleSerializer(serializers.ModelSerializer):
    account = AccountBriefSerializer(allow_null=True, read_only=True)
    segment = serializers.CharField(read_only=True, help_text="smb, mid_market, enterprise; empty for any")
    description = serializers.CharField(source="describe", read_only=True)

    class Meta:
        model = TerritoryRule
        fields = ["id", "territory", "account", "country", "segment", "description"]
        read_only_fields = fields


class TerritoryRuleWriteSerializer(serializers.Serializer):
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all())
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), required=False, allow_null=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, allow_blank=True, default="")


class TerritoryMemberSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = TerritoryMember
        fields = ["id", "territory", "user", "weight", "cap"]
        read_only_fields = fields


class TerritoryMemberWriteSerializer(serializers.Serializer):
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all())
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    weight = serializers.IntegerField(default=1, help_text="Turns per round: 1 or more")
    cap = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Most open hand-offs; null for none, 0 to pause"
    )


class TerritoryMemberUpdateSerializer(serializers.Serializer):
    weight = serializers.IntegerField(required=False)
    cap = serializers.IntegerField(required=False, allow_null=True)


class TerritorySerializer(serializers.ModelSerializer):
    manager = UserBriefSerializer(read_only=True, allow_null=True)
    fallback_owner = serializers.SerializerMethodField()
    path = serializers.SerializerMethodField()
    rules = TerritoryRuleSerializer(source="routing_rules", many=True, read_only=True)
    members = TerritoryMemberSerializer(source="routing_members", many=True, read_only=True)

    class Meta:
        model = Territory
        fields = ["id", "name", "code", "parent", "path", "calendar", "manager", "fallback_owner", "rules", "members"]
        read_only_fields = fields

    def get_path(self, territory) -> str:
        return self.context.get("paths", {}).get(territory.pk, territory.name)

    def get_fallback_owner(self, territory) -> UserBriefSerializer(allow_null=True):
        routing = getattr(territory, "routing", None)
        owner = routing.fallback_owner if routing is not None else None
        return UserBriefSerializer(owner).data if owner is not None else None


class TerritoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    code = serializers.SlugField(max_length=30)
    calendar = serializers.PrimaryKeyRelatedField(queryset=BusinessCalendar.objects.all())
    parent = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all(), required=False, allow_null=True)
    manager = UserWrittenByIdField(queryset=User.objects.all(), required=False, allow_null=True)
    fallback_owner = UserWrittenByIdField(queryset=User.objects.all(), required=False, allow_null=True)


class LeadRoutePreviewSerializer(serializers.ModelSerializer):
    owner = UserBriefSerializer(read_only=True, allow_null=True)
    territory = serializers.SerializerMethodField()

    class Meta:
        model = RoutingDecision
        fields = ["owner", "territory", "method", "reason"]
        read_only_fields = fields

    def get_territory(self, decision) -> serializers.DictField(allow_null=True):
        territory = decision.territory
        return {"id": territory.pk, "name": territory.name, "code": territory.code} if territory else None


# --- views ----------------------------------------------------------------------------------------------------------


@extend_schema(responses=TerritorySerializer)
class TerritoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The territory tree (each with its `parent` and `path`), with its rules and members. Sales ops write."""

    permission_classes = [TerritoryRules]
    lookup_value_regex = ID_PATTERN
    pagination_class = None  # the tree is read whole: it is small, and a page of a tree is no tree

    def get_queryset(self):
        return selectors.territory_list()

    def get_serializer_class(self):
        return TerritoryWriteSerializer if self.action in WRITES else TerritorySerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Writing the OpenAPI schema builds this view without a request: it must not read the database.
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            context["paths"] = selectors.territory_paths(Territory.objects.only("id", "name", "parent_id"))
        return context

    def _answer(self, territory, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.territory_list().get(pk=territory.pk)
        paths = selectors.territory_paths(Territory.objects.only("id", "name", "parent_id"))
        return Response(TerritorySerializer(fresh, context={"paths": paths}).data, status=code)

    @extend_schema(request=TerritoryWriteSerializer, responses={201: TerritorySerializer})
    def create(self, request, *args, **kwargs):
        data = TerritoryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.territory_create(**data.validated_data), status.HTTP_201_CREATED)

    @extend_schema(request=TerritoryWriteSerializer, responses=TerritorySerializer)
    def update(self, request, *args, **kwargs):
        territory = self.get_object()
        data = TerritoryWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fallback = {"fallback_owner": fields.pop("fallback_owner")} if "fallback_owner" in fields else {}
        return self._answer(services.territory_update(territory_id=territory.pk, data=fields, **fallback))

    @extend_schema(request=TerritoryWriteSerializer, responses=TerritorySerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class TerritoryRuleViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Which leads each territory takes: a named account, or a country and/or a segment. Sales ops write."""

    permission_classes = [TerritoryRules]
    serializer_class = TerritoryRuleSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return TerritoryRule.objects.select_related("account", "territory").order_by("territory__name", "id")

    @extend_schema(request=TerritoryRuleWriteSerializer, responses={201: TerritoryRuleSerializer})
    def create(self, request, *args, **kwargs):
        data = TerritoryRuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.territory_rule_create(**data.validated_data)
        return Response(TerritoryRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.territory_rule_delete(rule_id=instance.pk)


class TerritoryMemberViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who takes each territory's routed leads: weight (turns per round) and cap (open hand-offs). Sales ops write."""

    permission_classes = [TerritoryRules]
    serializer_class = TerritoryMemberSerializer
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return TerritoryMember.objects.select_related("user").order_by("territory_id", "id")

    @extend_schema(request=TerritoryMemberWriteSerializer, responses={201: TerritoryMemberSerializer})
    def create(self, request, *args, **kwargs):
        data = TerritoryMemberWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.territory_member_add(**data.validated_data)
        return Response(TerritoryMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TerritoryMemberUpdateSerializer, responses=TerritoryMemberSerializer)
    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        data = TerritoryMemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.territory_member_update(member_id=member.pk, data=data.validated_data)
        return Response(TerritoryMemberSerializer(member).data)

    def perform_destroy(self, instance):
        services.territory_member_remove(member_id=instance.pk)


class LeadRoutePreviewApi(APIView):
    """Who would get this lead if it were handed off now without an owner, and why. Nothing is written.

    Ops and managers (`sales_ops.may_preview_lead_route`; a rep: 403); a lead you may not see is a 404.
    """

    class Permission(RulePermission):
        message = "Only ops staff and managers may preview lead routing."

        def has_permission(self, request, view):
            if not super().has_permission(request, view):
                return False
            return request.user.has_perm("sales_ops.may_preview_lead_route")

    permission_classes = [Permission]

    @extend_schema(request=None, responses=LeadRoutePreviewSerializer, operation_id="leads_route_preview")
    def post(self, request, **kwargs):
        lead = get_object_or_404(visible_leads(request.user), pk=kwargs["id"])
        decision = lead_route(lead=lead, preview=True, actor=request.user)
        return Response(LeadRoutePreviewSerializer(decision).data)
