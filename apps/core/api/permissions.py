"""API permissions by role. Record-level visibility is done by the selectors (another's record is a 404)."""

from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from apps.core.models import Role


class OpsWriteOrReadOnly(IsAuthenticated):
    """Everyone signed in reads; ops staff (and the systems they run) write."""

    message = "Only sales-ops or marketing-ops staff may change these records."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request.user.has_role(Role.SALES_OPS, Role.MARKETING_OPS)


class LeadCreateByOps(IsAuthenticated):
    message = "Only marketing-ops or sales-ops staff may create leads."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return view.action != "create" or request.user.has_role(Role.SALES_OPS, Role.MARKETING_OPS)
