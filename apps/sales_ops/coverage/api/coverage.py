"""The coverage API: GET /api/v1/coverage/?quarter=&rep=&team=&territory=, within what the caller may see."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.models import User
from apps.core.quarters import quarter_of
from apps.sales_ops.coverage import selectors
from apps.sales_ops.coverage.api.serializers import CoverageQuerySerializer


class CoverageApi(APIView):
    """Each rep's coverage of a fiscal quarter (default: this one), with team and territory lines and the
    quarter-start snapshot beside each live figure. Reps see their own, managers their team's, ops all; a rep or
    team outside that is a 404."""

    @extend_schema(
        parameters=[CoverageQuerySerializer],
        responses={
            200: OpenApiResponse(description="Coverage lines of reps, teams and territories."),
            400: OpenApiResponse(description="A query value that is not one (a quarter, an id); by field."),
            404: OpenApiResponse(description="A rep or team you may not see, or none at all."),
        },
    )
    def get(self, request):
        if not request.user.has_perm("sales_ops.may_view_coverage"):
            raise PermissionDenied("Coverage is for reps, managers and ops.")
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        for name in ("rep", "team"):
            if name in params:
                person = User.objects.filter(pk=params[name]).first()
                if person is None or not request.user.has_perm("sales_ops.may_view_rep_coverage", person):
                    raise NotFound(f"No {name} {params[name]} among the people whose coverage you may see.")
        today = timezone.localdate()
        report = selectors.coverage_report(
            user=request.user,
            quarter=params.get("quarter") or quarter_of(today),
            today=today,
            rep=params.get("rep"),
            team=params.get("team"),
            territory=params.get("territory"),
        )
        return Response(
            {
                "quarter": report.quarter,
                "currency": report.currency,
                "snapshot_taken_on": report.snapshot.taken_on if report.snapshot else None,
                "definition": report.definition.as_dict(),
                "reps": [line.as_dict() for line in report.reps],
                "teams": [line.as_dict() for line in report.teams],
                "territories": [line.as_dict() for line in report.territories],
                "unconverted": [{"currency": c, "day": d} for c, d in sorted(report.unconverted)],
            }
        )
