"""Usage and sharing: what is recorded once every check passed, and the share a rep records for a contact."""

from django.db import transaction

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Contact, Opportunity, User
from apps.marketing_ops.content.models import Asset, AssetVersion, Audience, ContentShare, ContentUsage
from apps.marketing_ops.content.services.guards import SHARE_NOTE_MAX, asset_locked, content_today, text


def usage_record(*, version: AssetVersion, user: User, action: str) -> ContentUsage:
    """A view or download of `version` by `user`: call it only after the permission, status and expiry checks."""
    return ContentUsage.objects.create(asset_id=version.asset_id, version=version, user=user, action=action)


def _check_asset(asset: Asset) -> None:
    if asset.audience != Audience.CUSTOMER:
        raise ApplicationError(
            "This asset is for internal use only and may not be shared with customers.",
            field="asset",
            code="not_shareable",
        )
    if not asset.is_live(content_today()):
        reason = "has expired" if asset.is_expired(content_today()) else "is not published"
        raise ApplicationError(f"This asset {reason}; it may not be shared.", field="asset", code="not_live")


def _opportunity(opportunity_id: int, actor: User) -> Opportunity:
    opportunity = Opportunity.objects.filter(pk=opportunity_id).first()
    if opportunity is None or opportunity.owner_id != actor.pk:
        # Another rep's opportunity and one that does not exist read the same: nothing about theirs leaks.
        raise ApplicationError(
            "Shares are recorded on one of your own opportunities.", field="opportunity", code="not_your_opportunity"
        )
    return opportunity


def _contact(contact_id: int, opportunity: Opportunity) -> Contact:
    contact = Contact.objects.filter(pk=contact_id, account_id=opportunity.account_id).first()
    if contact is None:
        raise ApplicationError(
            "The contact is not on the opportunity's account.", field="contact", code="contact_not_on_account"
        )
    if not contact.can_be_emailed:
        raise ApplicationError(
            f"{contact} may not be e-mailed (opted out, consent withdrawn or no address): nothing may be sent.",
            field="contact",
            code="no_consent",
        )
    return contact


@transaction.atomic
def content_share(*, asset_id: int, actor: User, contact_id: int, opportunity_id: int, note: str = "") -> ContentShare:
    """Record that `actor` sent the asset's current version to a contact on one of their opportunities.

    Refused, with the reason, unless the asset is live and customer-facing, the opportunity the actor's own, and
    the contact on its account and willing to receive e-mail.
    """
    if not actor.has_perm("marketing_ops.may_share_content"):
        raise ActionForbidden("Only reps and managers record shares with their contacts.", code="forbidden")
    asset = asset_locked(asset_id)  # an archive in flight waits for this share, or this share sees it archived
    _check_asset(asset)
    opportunity = _opportunity(opportunity_id, actor)
    contact = _contact(contact_id, opportunity)
    note = text(note, "note", limit=SHARE_NOTE_MAX, label="The note")
    return ContentShare.objects.create(
        asset=asset,
        version_id=asset.current_version_id,
        contact=contact,
        opportunity=opportunity,
        shared_by=actor,
        note=note,
    )
