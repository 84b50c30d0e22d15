"""Account and contact writes; consent changes are stamped with their time."""

from django.db import transaction
from django.utils import timezone

from apps.core.models import Account, Contact
from apps.core.services.records import apply_changes, validated_save

ACCOUNT_FIELDS = (
    "name",
    "domain",
    "industry",
    "segment",
    "country",
    "employees",
    "annual_revenue",
    "revenue_currency",
    "owner",
    "territory",
)
CONTACT_FIELDS = (
    "account",
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "email_opt_out",
    "consent_status",
    "consent_source",
    "consent_at",
)
_CONSENT_FIELDS = {"email_opt_out", "consent_status", "consent_source"}


@transaction.atomic
def account_create(**fields) -> Account:
    return validated_save(Account(**fields))


@transaction.atomic
def account_update(*, account_id: int, data: dict) -> Account:
    return apply_changes(Account.objects.select_for_update().get(pk=account_id), data, ACCOUNT_FIELDS)


def _stamp_consent(contact: Contact | None, data: dict) -> dict:
    """A consent change without its own time is recorded as happening now."""
    before = contact if contact is not None else Contact()
    touched = {f for f in _CONSENT_FIELDS & set(data) if getattr(before, f) != data[f]}
    if touched and not data.get("consent_at"):
        data = {**data, "consent_at": timezone.now()}
    return data


@transaction.atomic
def contact_create(**fields) -> Contact:
    return validated_save(Contact(**_stamp_consent(None, fields)))


@transaction.atomic
def contact_update(*, contact_id: int, data: dict) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    return apply_changes(contact, _stamp_consent(contact, data), CONTACT_FIELDS)


@transaction.atomic
def contact_opt_out(*, contact_id: int, source: str) -> Contact:
    """The person asked not to be e-mailed: record it, whatever their earlier consent."""
    return contact_update(
        contact_id=contact_id,
        data={"email_opt_out": True, "consent_status": "withdrawn", "consent_source": source},
    )
