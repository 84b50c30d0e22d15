"""The approver's inbox: the requests waiting for this user's decision."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator

from apps.sales_ops.deal_desk import selectors
from apps.sales_ops.deal_desk.views.common import _render

INBOX_PER_PAGE = 100


@login_required
def deal_inbox(request):
    """Requests waiting for the user's decision (or a colleague's who delegated to them), oldest first."""
    page = Paginator(selectors.deal_inbox(user=request.user), INBOX_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "sales_ops/deals/inbox.html", {"page": page})
