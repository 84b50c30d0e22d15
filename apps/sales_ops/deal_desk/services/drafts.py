"""Deal desk drafts: a rep opens a request, edits its terms and attaches documents."""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import files
from apps.core.exceptions import ApplicationError, ConflictError
from apps.core.models import Opportunity, User
from apps.core.services.records import apply_changes, as_application_error
from apps.sales_ops.deal_desk.models import (
    DealAttachment,
    DealEvent,
    DealRequest,
)
from apps.sales_ops.deal_desk.services.guards import (
    ATTACHMENT_KINDS,
    EDITABLE_FIELDS,
    Kind,
    _as_requester,
    _check_opportunity,
    _locked,
    _texts,
)


def _unsaved_request(*, requester: User, opportunity: Opportunity, data: dict) -> DealRequest:
    """A request built from `data` and fully validated, not saved (for a draft, and for the preview)."""
    _check_opportunity(opportunity, requester)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    data = _texts(data)
    request = DealRequest(opportunity=opportunity, requester=requester, **data)
    if not request.currency:
        request.currency = opportunity.currency
    try:
        # The opportunity and the requester are the rows just read, so their keys need no query; `clean()` and the
        # field validators say what the table's CHECKs say, in words (the CHECKs stay as the backstop).
        request.full_clean(exclude=["opportunity", "requester"], validate_constraints=False)
    except ValidationError as error:
        raise as_application_error(error) from error
    return request


@transaction.atomic
def deal_request_create(*, requester: User, opportunity: Opportunity, data: dict) -> DealRequest:
    """A draft request on one of the requester's open opportunities."""
    request = _unsaved_request(requester=requester, opportunity=opportunity, data=data)
    request.save()
    DealEvent.objects.create(request=request, kind=Kind.CREATED, actor=requester, at=request.created_at)
    return request


@transaction.atomic
def deal_request_update(*, request_id: int, actor: User, data: dict) -> DealRequest:
    """Change a draft, or a request sent back for changes or recalled, before it is (re)submitted."""
    request = _locked(request_id)
    _as_requester(request, actor, "edit it")
    if not request.is_editable:
        raise ConflictError(f"A request that is {request.get_status_display().lower()} cannot be edited.")
    data = _texts(data)
    changed = sorted(name for name, value in data.items() if getattr(request, name, value) != value)
    apply_changes(request, data, EDITABLE_FIELDS)
    if not changed:
        return request
    DealEvent.objects.create(request=request, kind=Kind.EDITED, actor=actor, detail=", ".join(changed))
    return request


@transaction.atomic
def deal_attachment_add(*, request_id: int, actor: User, upload) -> DealAttachment:
    request = _locked(request_id)
    _as_requester(request, actor, "attach files")
    checked = files.check_upload(upload, allowed=ATTACHMENT_KINDS)
    upload.name = checked.stored_name()  # the user's name is only the label below
    attachment = DealAttachment.objects.create(
        request=request, file=upload, name=checked.display_name, uploaded_by=actor
    )
    DealEvent.objects.create(request=request, kind=Kind.ATTACHED, actor=actor, detail=checked.display_name)
    return attachment
