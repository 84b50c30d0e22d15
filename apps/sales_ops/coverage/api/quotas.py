"""The quota API under /api/v1/quotas/: read within one's scope, written (one by one or by CSV) by sales ops."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.permissions import RulePermission
from apps.core.api.views import ID_PATTERN
from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.sales_ops.coverage import selectors
from apps.sales_ops.coverage.api.serializers import QuotaImportSerializer, QuotaSerializer
from apps.sales_ops.coverage.models import Quota
from apps.sales_ops.coverage.services import quotas


class QuotaPermission(RulePermission):
    action_rules = {
        "create": "sales_ops.may_manage_quotas",
        "partial_update": "sales_ops.may_manage_quotas",
        "update": "sales_ops.may_manage_quotas",
        "import_csv": "sales_ops.may_manage_quotas",
    }


class QuotaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Quotas you may see (reps their own, managers their team's, ops all); `?quarter=` and `?rep=` filter.
    Sales ops set them: a POST for a rep and quarter that has one changes its amount."""

    serializer_class = QuotaSerializer
    permission_classes = [QuotaPermission]
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["quarter", "rep"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Quota.objects.none()
        return selectors.quota_list(user=self.request.user).order_by("-quarter", "rep_id", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quota = self._set(serializer.validated_data["rep"], serializer.validated_data)
        return Response(QuotaSerializer(quota).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        current = self.get_object()
        serializer = self.get_serializer(current, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if {"rep", "quarter"} & set(serializer.validated_data) and (
            serializer.validated_data.get("rep", current.rep),
            serializer.validated_data.get("quarter", current.quarter),
        ) != (current.rep, current.quarter):
            raise ApplicationError("A quota's rep and quarter stay; set the other quota instead.", field="rep")
        data = {"quarter": current.quarter, "amount": serializer.validated_data.get("amount", current.amount)}
        return Response(QuotaSerializer(self._set(current.rep, data)).data)

    def _set(self, rep: User, data: dict) -> Quota:
        return quotas.quota_set(rep=rep, quarter=data["quarter"], amount=data["amount"], actor=self.request.user)

    @extend_schema(request=QuotaImportSerializer, responses={200: None, 400: None})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_csv(self, request):
        """The year's quotas from a CSV: every row checked first; all written or none (400 naming line and column)."""
        serializer = QuotaImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = quotas.quota_import(
            data=serializer.validated_data["file"].read(),
            dry_run=serializer.validated_data["dry_run"],
            actor=request.user,
        )
        body = {
            "summary": report.summary(),
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "dry_run": report.dry_run,
            "errors": [error.as_dict() for error in report.errors],
        }
        return Response(body, status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)
