"""Deal desk pages: the request form, the live route preview, the approver's inbox, delegations and the reports
(the list of requests is `lists.py`, served by apps/core/list_views.py).

Each view is a thin caller: it checks the shape of what was posted, fetches the request through
`deal_request_list(user=...)` (so another person's request is a 404), calls a deal desk service or selector,
and renders or redirects. The services decide every business outcome; their refusals become form errors
(when they name a field of the form) or flash messages.
"""

from apps.sales_ops.deal_desk.views.delegations import deal_delegation_end, deal_delegations
from apps.sales_ops.deal_desk.views.detail import (
    deal_attach,
    deal_attachment,
    deal_decide,
    deal_detail,
    deal_recall,
    deal_resubmit,
    deal_submit,
)
from apps.sales_ops.deal_desk.views.email_decisions import deal_email_decide
from apps.sales_ops.deal_desk.views.inbox import deal_inbox
from apps.sales_ops.deal_desk.views.pages import deal_create, deal_edit, deal_preview
from apps.sales_ops.deal_desk.views.reports import deal_reports

__all__ = [
    "deal_attach",
    "deal_attachment",
    "deal_create",
    "deal_decide",
    "deal_delegation_end",
    "deal_delegations",
    "deal_detail",
    "deal_edit",
    "deal_email_decide",
    "deal_inbox",
    "deal_preview",
    "deal_recall",
    "deal_reports",
    "deal_resubmit",
    "deal_submit",
]
