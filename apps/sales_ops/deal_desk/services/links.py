"""Deciding from the e-mail: an approver's signed, single-use, expiring link, opened while signed in as them.

Why sign-in is required rather than the link alone: an approval commits the company to a price. E-mails are
forwarded, sit in shared and delegated mailboxes, and are fetched by link scanners; a link that acted on its
own would hand that decision to whoever holds the message. So the link only says *which* decision and *for
whom*: the page it opens refuses anyone but the signed-in link's user (sign in first, then come back), and the
decision is a POST from that page, never the GET of the link. Each link is good once and for
`DEAL_DESK_EMAIL_LINK_MAX_AGE` seconds, and only while its step is still the request's active step.

Refusals, and what they answer: forged or damaged (400 `link_invalid`), expired (410 `link_expired`), used
already (410 `link_used`), someone else's (403 `link_not_yours`); the request moved on (409). Nothing is
written by a refusal, nor by opening the page.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from apps.core.exceptions import ActionForbidden, ApplicationError, ConflictError
from apps.core.models import User
from apps.sales_ops.deal_desk.models import DealDecision, DealDecisionLink
from apps.sales_ops.deal_desk.services.decisions import deal_request_decide
from apps.sales_ops.deal_desk.services.emails import LINK_SALT
from apps.sales_ops.deal_desk.services.guards import Status, _locked


class LinkGone(ApplicationError):
    """The link was good once and is not any more (used, or expired)."""

    status_code = 410


def deal_link_check(*, token: str, user: User) -> DealDecisionLink:
    """The link `token` names, if `user` may decide through it now (read only: for the confirmation page)."""
    link = _link(token, user, DealDecisionLink.objects.all())
    _still_waiting(link)
    return link


@transaction.atomic
def deal_link_decide(*, token: str, actor: User, outcome: str, comment: str = "") -> DealDecision:
    """Decide on the link's step as `actor`, through `deal_request_decide`, and spend the link; all or nothing."""
    link = _link(token, actor, DealDecisionLink.objects.select_for_update())
    _locked(link.step.request_id)  # the request first, as every deal desk move locks it
    _still_waiting(link)
    decision = deal_request_decide(
        request_id=link.step.request_id,
        actor=actor,
        outcome=outcome,
        comment=comment,
        revision=link.step.revision,
    )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return decision


def _link(token: str, user: User, links) -> DealDecisionLink:
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=settings.DEAL_DESK_EMAIL_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkGone("This link has expired: open the request in smops to decide.", code="link_expired") from None
    except signing.BadSignature:
        raise ApplicationError(
            "This link is not valid: it may have been cut or changed.", code="link_invalid"
        ) from None
    nonce = payload.get("n") if isinstance(payload, dict) else None
    link = (
        links.select_related("step__request__opportunity__account", "step__request__requester")
        .filter(nonce=str(nonce))
        .first()
    )
    if link is None:
        raise ApplicationError("This link is not valid: it may have been cut or changed.", code="link_invalid")
    if link.user_id != user.pk:
        raise ActionForbidden(
            "This link was sent to someone else: only they can use it, signed in as themselves.",
            code="link_not_yours",
        )
    if link.used_at is not None:
        raise LinkGone("This link has been used already: each works once.", code="link_used")
    return link


def _still_waiting(link: DealDecisionLink) -> None:
    """The link decides its own step only: a request that moved on (decided, recalled, resubmitted) is a 409."""
    request = link.step.request
    if request.status != Status.SUBMITTED or request.active_step_id != link.step_id:
        raise ConflictError(
            f"This request moved on since the e-mail: it is {request.get_status_display().lower()} now"
            + (", at another step" if request.status == Status.SUBMITTED else "")
            + ". Open it in smops to see where it stands.",
            code="moved_on",
        )
