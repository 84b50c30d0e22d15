"""API views of core: validate, call a service or selector, serialise."""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core import selectors
from apps.core.api import filters, serializers
from apps.core.api.permissions import LeadCreateByOps, OpportunityRules, OpsWriteOrReadOnly
from apps.core.exceptions import ActionForbidden
from apps.core.models import Lead, Opportunity
from apps.core.services import customers, leads, opportunities
from smops.celery import app

ID_PATTERN = r"[0-9]{1,18}"  # larger ids cannot exist; refusing them here keeps them out of the database


class AccountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Companies. Read by everyone signed in; written by ops staff and the systems they run."""

    serializer_class = serializers.AccountSerializer
    filterset_class = filters.AccountFilter
    permission_classes = [OpsWriteOrReadOnly]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.account_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = customers.account_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = customers.account_update(
            account_id=serializer.instance.pk, data=serializer.validated_data
        )


class ContactViewSet(AccountViewSet):
    """People at accounts, with their e-mail consent (`can_be_emailed`)."""

    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter

    def get_queryset(self):
        return selectors.contact_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = customers.contact_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = customers.contact_update(
            contact_id=serializer.instance.pk, data=serializer.validated_data
        )


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leads and their lifecycle moves. Reps see their own, managers their team's, ops everything."""

    serializer_class = serializers.LeadSerializer
    filterset_class = filters.LeadFilter
    permission_classes = [LeadCreateByOps]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Lead.objects.none()
        return selectors.lead_rows(user=self.request.user)

    def _lead_id(self) -> int:
        """The id of the lead in the URL, if the user may see it (else a 404)."""
        return self.get_object()["id"]

    def _moved(self, lead) -> Response:
        return Response(self.get_serializer(selectors.lead_rows(user=self.request.user).get(pk=lead.pk)).data)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=serializers.LeadCreateSerializer, responses={201: serializers.LeadSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(serializers.LeadCreateSerializer)
        lead = leads.lead_create(actor=request.user, **data)
        return Response(self._moved(lead).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.EmptySerializer)
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        return self._moved(leads.lead_qualify(lead_id=self._lead_id(), actor=request.user))

    @extend_schema(request=serializers.HandoffSerializer)
    @action(detail=True, methods=["post"])
    def handoff(self, request, pk=None):
        lead_id = self._lead_id()
        owner = self._input(serializers.HandoffSerializer)["owner"]
        return self._moved(leads.lead_handoff(lead_id=lead_id, owner=owner, actor=request.user))

    @extend_schema(request=serializers.EmptySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._moved(leads.lead_accept(lead_id=self._lead_id(), actor=request.user))

    def _move_with_reason(self, move) -> Response:
        lead_id = self._lead_id()
        reason = self._input(serializers.ReasonSerializer)["reason"]
        return self._moved(move(lead_id=lead_id, actor=self.request.user, reason=reason))

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """A handed-off lead goes back to marketing nurture (sql → recycled)."""
        return self._move_with_reason(leads.lead_reject)

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def recycle(self, request, pk=None):
        return self._move_with_reason(leads.lead_recycle)

    @extend_schema(request=serializers.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        return self._move_with_reason(leads.lead_disqualify)

    @extend_schema(request=serializers.ConvertSerializer, responses={201: serializers.OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead_id = self._lead_id()
        opportunity = leads.lead_convert(
            lead_id=lead_id, actor=request.user, **self._input(serializers.ConvertSerializer)
        )
        return Response(serializers.OpportunitySerializer(opportunity).data, status=status.HTTP_201_CREATED)


@extend_schema_view(  # written in one shape, answered in the reading one
    create=extend_schema(responses={201: serializers.OpportunitySerializer}),
    update=extend_schema(responses=serializers.OpportunitySerializer),
    partial_update=extend_schema(responses=serializers.OpportunitySerializer),
)
class OpportunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Deals. Reps see and create their own; managers their team's; ops everything."""

    filterset_class = filters.OpportunityFilter
    permission_classes = [OpportunityRules]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Opportunity.objects.none()
        return selectors.opportunity_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return serializers.OpportunityWriteSerializer
        return serializers.OpportunitySerializer

    def _check_owner(self, owner):
        if owner is not None and not self.request.user.has_perm("core.may_assign_to", owner):
            raise ActionForbidden("You may only give opportunities to yourself or your team.", field="owner")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {"owner": request.user, **serializer.validated_data}
        data.pop("probability", None)
        self._check_owner(data["owner"])
        opportunity = opportunities.opportunity_create(**data)
        return Response(serializers.OpportunitySerializer(opportunity).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        self._check_owner(serializer.validated_data.get("owner"))
        opportunity = opportunities.opportunity_update(opportunity_id=instance.pk, data=serializer.validated_data)
        return Response(serializers.OpportunitySerializer(opportunity).data)

    @extend_schema(request=serializers.OpportunityMoveSerializer, responses=serializers.OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        instance = self.get_object()
        data = serializers.OpportunityMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity = opportunities.opportunity_move(opportunity_id=instance.pk, **data.validated_data)
        return Response(serializers.OpportunitySerializer(opportunity).data)


# When this web process started: a worker that has never written a heartbeat is "starting" for a while.
PROCESS_STARTED_AT = timezone.now()


def healthz(request):
    """200 when the database, the broker and a worker answer, 503 otherwise; the body says which is which."""
    state, failed = {}, set()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state["database"] = "ok"
    except Exception as error:  # report any failure rather than raise: this is the health page
        state["database"] = f"error: {type(error).__name__}"
        failed.add("database")
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        state["broker"] = "ok"
    except Exception as error:
        state["broker"] = f"error: {type(error).__name__}"
        failed.add("broker")
    if "database" in failed:
        state["worker"] = "unknown: the database does not answer"
        failed.add("worker")
    else:
        alive, state["worker"] = selectors.worker_health(
            now=timezone.now(),
            process_started_at=PROCESS_STARTED_AT,
            max_age=dt.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE),
        )
        if not alive:
            failed.add("worker")
    status = "degraded" if failed else "ok"
    return JsonResponse({"status": status, **state}, status=503 if failed else 200)
