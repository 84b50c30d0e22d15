"""Deal desk delegations: an approver lets a colleague decide for them for a while."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.core.services.records import as_application_error
from apps.core.timezones import site_today
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
)
from apps.sales_ops.deal_desk.services.guards import _text


@transaction.atomic
def deal_delegation_create(
    *, approver: User, delegate: User, starts_on: dt.date, ends_on: dt.date, note: str = ""
) -> ApprovalDelegation:
    """An approver names who decides for them from `starts_on` to `ends_on` (both days included).

    A range that ended before today would delegate nothing: it is refused rather than kept as if it mattered.
    """
    note = _text(note, "note")
    if not delegate.is_active:
        raise ApplicationError(f"{delegate} is not an active user.", field="delegate")
    delegation = ApprovalDelegation(
        approver=approver, delegate=delegate, starts_on=starts_on, ends_on=ends_on, note=note
    )
    try:
        delegation.full_clean()
    except ValidationError as error:
        raise as_application_error(error) from error
    today = site_today()  # delegations run by the company's calendar days, whoever sets them
    if ends_on < today:
        raise ApplicationError(
            f"The delegation would end on {ends_on:%d %b %Y}, before today ({today:%d %b %Y}): "
            "choose dates from today on.",
            field="ends_on",
            code="in_the_past",
        )
    delegation.save()
    return delegation


@transaction.atomic
def deal_delegation_end(*, delegation_id: int, actor: User) -> None:
    """The approver takes their delegation back (from today on); a past one stays as a record."""
    delegation = ApprovalDelegation.objects.select_for_update().filter(pk=delegation_id, approver=actor).first()
    if delegation is None:
        raise ApplicationError("No such delegation of yours.", code="not_found")
    today = site_today()
    if delegation.starts_on >= today:
        delegation.delete()
    elif delegation.ends_on >= today:
        delegation.ends_on = today - dt.timedelta(days=1)
        delegation.save(update_fields=["ends_on"])
