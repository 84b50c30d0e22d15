"""Read paths of sales ops: SLA clocks as each role may see them, and what the SLA pages show."""

from django.db.models import QuerySet

from apps.core.models import Role, User
from apps.core.selectors import sees_everything, team_member_ids
from apps.sales_ops.models import SlaClock


def clock_list(*, user: User) -> QuerySet[SlaClock]:
    """Clocks of the leads `user` may see (own, team's, or all for ops), with lead, owner and policy joined."""
    clocks = SlaClock.objects.select_related("policy", "lead__owner", "lead__account", "lead__contact")
    if sees_everything(user):
        return clocks
    if user.has_role(Role.MANAGER):
        return clocks.filter(lead__owner_id__in=team_member_ids(user))
    return clocks.filter(lead__owner_id=user.pk)
