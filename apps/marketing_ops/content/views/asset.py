"""An asset's page (versions, review, history, usage) and the moves made from it: share, upload, submit,
decide, archive, reopen.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Contact, User
from apps.core.models.customers import CLOSED_STAGES, ConsentStatus
from apps.core.pages import form_action
from apps.core.permissions import content_review_roles
from apps.core.selectors import opportunity_list
from apps.marketing_ops.content import selectors
from apps.marketing_ops.content.forms import DecisionForm, ReasonForm, ShareForm, UploadForm
from apps.marketing_ops.content.models import (
    Asset,
    AssetStatus,
    AssetVersion,
    Audience,
    ContentUsage,
    ReviewerRole,
    VersionReview,
    VersionStatus,
)
from apps.marketing_ops.content.services import assets as asset_services
from apps.marketing_ops.content.services import reviews, usage, versions
from apps.marketing_ops.content.services.guards import ASSET_MOVES, content_today, needed_review_roles
from apps.marketing_ops.content.views.common import _asset, _back, _days_left, _refused


@dataclass(frozen=True)
class AssetActions:
    """What the viewer may do to the asset now, as the services would answer: each a button shown or not."""

    upload: bool = False
    submit: bool = False
    archive: bool = False
    reopen: bool = False
    approve: bool = False
    reject: bool = False
    reviewing_as: str = ""  # the role the viewer decides in, in words

    @property
    def any_move(self) -> bool:
        return self.submit or self.archive or self.reopen


def asset_actions(user: User, asset: Asset, all_versions: list[AssetVersion]) -> AssetActions:
    """The buttons the asset page offers `user`, from the rules the services apply (permissions, the table of
    moves, the review roles) and the versions' states (`all_versions`, with their reviews prefetched)."""
    editor = user.has_perm("marketing_ops.may_edit_asset", asset)
    in_review = next((v for v in all_versions if v.status == VersionStatus.IN_REVIEW), None)
    has_draft = any(v.status == VersionStatus.DRAFT for v in all_versions)
    moves = ASSET_MOVES.get(asset.status, frozenset())
    archived = asset.status == AssetStatus.ARCHIVED
    approve = reject = False
    role = ""
    if in_review is not None:
        reviews_made = list(in_review.reviews.all())
        decided = {review.role for review in reviews_made}
        mine = [r for r in needed_review_roles(asset) if r in content_review_roles(user) and r not in decided]
        if mine and not any(review.reviewer_id == user.pk for review in reviews_made):
            role = ReviewerRole(mine[0]).label
            reject = True
            approve = user.pk not in (asset.owner_id, in_review.uploaded_by_id)
    return AssetActions(
        upload=editor and not archived,
        submit=editor and not archived and has_draft and in_review is None,
        archive=editor and AssetStatus.ARCHIVED in moves,
        reopen=editor and archived and AssetStatus.DRAFT in moves,
        approve=approve,
        reject=reject,
        reviewing_as=role,
    )


def _unreachable_reason(contact: Contact) -> str:
    """Why a contact may not be e-mailed, in words ("" when they may): the reasons `Contact.can_be_emailed` reads."""
    if contact.can_be_emailed:
        return ""
    if not contact.email:
        return "no e-mail address"
    if contact.email_opt_out:
        return "opted out of e-mail"
    if contact.consent_status == ConsentStatus.WITHDRAWN:
        return "consent withdrawn"
    return "may not be e-mailed"


def share_recipients(user: User) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The contacts a user may send content to, by their open opportunities: each opportunity with the contacts of
    its account, those who may not be e-mailed with the reason. Two queries."""
    opportunities = list(
        opportunity_list(user=user).filter(owner=user).exclude(stage__in=CLOSED_STAGES).order_by("name", "pk")
    )
    contacts: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(account_id__in={o.account_id for o in opportunities}).order_by(
        "last_name", "first_name", "pk"
    ):
        contacts.setdefault(contact.account_id, []).append(contact)
    groups = []
    for opportunity in opportunities:
        options = [
            (
                f"{opportunity.pk}:{contact.pk}",
                f"{contact.full_name or contact.email}{f' ({contact.title})' if contact.title else ''}",
                _unreachable_reason(contact),
            )
            for contact in contacts.get(opportunity.account_id, [])
        ]
        if options:
            groups.append((f"{opportunity.name} · {opportunity.account.name}", options))
    return groups


def _share_blocked(user: User, asset: Asset, today: dt.date) -> str:
    """Why the page offers no share form ("" when it does), in the words the share service would use."""
    if not user.has_perm("marketing_ops.may_share_content"):
        return "Shares are recorded by reps and managers, on their own opportunities."
    if asset.audience != Audience.CUSTOMER:
        return "Internal only: this asset may not be shared with customers."
    if asset.is_expired(today):
        return "This asset has expired: it may no longer be shared."
    if asset.status != AssetStatus.PUBLISHED:
        return "Not published: it may be shared once a version is approved."
    return ""


def _usage_counts(asset: Asset) -> dict:
    """Views, downloads and shares of the asset so far, and by how many people. Two queries."""
    counts = ContentUsage.objects.filter(asset=asset).aggregate(
        views=Count("id", filter=Q(action=ContentUsage.Action.VIEW)),
        downloads=Count("id", filter=Q(action=ContentUsage.Action.DOWNLOAD)),
        people=Count("user", distinct=True),
        last=Max("at"),
    )
    shares = asset.shares.aggregate(shares=Count("id"), contacts=Count("contact", distinct=True))
    return counts | shares


STATUS_WORDS = dict(AssetStatus.choices)


def _timeline(asset: Asset) -> list[dict]:
    """The asset's history in words: when, what, who, the move of its status and why. One query."""
    rows = []
    for event in asset.events.select_related("actor", "version").order_by("at", "id"):
        move = ""
        if event.from_status and event.to_status and event.from_status != event.to_status:
            move = f"{STATUS_WORDS.get(event.from_status, event.from_status)} → "
            move += STATUS_WORDS.get(event.to_status, event.to_status)
        rows.append({"event": event, "move": move})
    return rows


@login_required
def content_asset(request, asset_id: int):
    return _render_asset(request, _asset(request, asset_id))


def _render_asset(
    request,
    asset: Asset,
    *,
    share_form: ShareForm | None = None,
    upload_form: UploadForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
):
    user = request.user
    today = content_today()
    curator = selectors.sees_every_version(user, asset)
    share_blocked = _share_blocked(user, asset, today)
    recipients = share_recipients(user) if not share_blocked else []
    actions = asset_actions(user, asset, asset.all_versions)
    in_review = next((v for v in asset.all_versions if v.status == VersionStatus.IN_REVIEW), None)
    context = {
        "asset": asset,
        "today": today,
        "days_left": _days_left(asset, today),
        "is_live": asset.is_live(today),
        "curator": curator,
        "current": asset.current_version,
        "share_blocked": share_blocked,
        "share_form": share_form or ShareForm(recipients=recipients),
        "has_recipients": bool(recipients),
        "actions": actions,
        "in_review": in_review,
        "upload_form": upload_form or UploadForm(),
        "reason_form": ReasonForm(),
        "decision_form": decision_form or DecisionForm(),
        "versions": asset.all_versions,
    }
    if curator:
        context["events"] = _timeline(asset)
        context["usage"] = _usage_counts(asset)
        context["needed_roles"] = [role.replace("_", " ") for role in needed_review_roles(asset)]
    return render(request, "marketing_ops/content/asset.html", context, status=status)


@login_required
@form_action("marketing_ops:content_asset")
def content_share(request, asset_id: int):
    """Record that the rep sent the asset to a contact of one of their opportunities; refusals in words."""
    asset = _asset(request, asset_id)
    if not request.user.has_perm("marketing_ops.may_share_content"):
        raise PermissionDenied("Shares are recorded by reps and managers, on their own opportunities.")
    form = ShareForm(request.POST, recipients=share_recipients(request.user))
    if form.is_valid():
        opportunity_id, contact_id = form.cleaned_data["recipient"]
        try:
            share = usage.content_share(
                asset_id=asset.pk,
                actor=request.user,
                contact_id=contact_id,
                opportunity_id=opportunity_id,
                note=form.cleaned_data["note"],
            )
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                f"Recorded: you shared “{asset.title}” (version {share.version.number}) with {share.contact} "
                f"on {share.opportunity.name}.",
            )
            return _back(asset)
    return _render_asset(request, asset, share_form=form, status=400)


@login_required
@form_action("marketing_ops:content_asset")
def content_upload(request, asset_id: int):
    """A new version of the asset (owner and marketing ops): its file checked by content, stored, then processed."""
    asset = _asset(request, asset_id)
    if not request.user.has_perm("marketing_ops.may_edit_asset", asset):
        raise PermissionDenied("Only the asset's owner or marketing ops may upload a version.")
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = versions.version_upload(
                asset_id=asset.pk, actor=request.user, upload=form.cleaned_data["file"], note=form.cleaned_data["note"]
            )
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            version = result.version
            messages.success(
                request,
                f"Uploaded version {version.number} ({version.display_name}). Its text and preview are made in "
                "the background; submit it for review when it is ready.",
            )
            if result.same_file_on:
                titles = ", ".join(f"“{other.title}”" for other in result.same_file_on)
                messages.info(request, f"The same file is also on {titles}.")
            return _back(asset)
    return _render_asset(request, asset, upload_form=form, status=400)


def _move(request, asset_id: int, service, done: str):
    asset = _asset(request, asset_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return _back(asset)
    try:
        service(asset_id=asset.pk, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return _back(asset)


@login_required
@require_POST
def content_submit(request, asset_id: int):
    return _move(request, asset_id, asset_services.asset_submit, "Submitted for review.")


@login_required
@require_POST
def content_archive(request, asset_id: int):
    return _move(request, asset_id, asset_services.asset_archive, "Archived: reps no longer see it.")


@login_required
@require_POST
def content_reopen(request, asset_id: int):
    return _move(request, asset_id, asset_services.asset_reopen, "Reopened as a draft.")


@login_required
@form_action("marketing_ops:content_asset")
def content_decide(request, asset_id: int):
    """A reviewer approves or rejects the asset's version in review (a comment is required to reject)."""
    asset = _asset(request, asset_id)
    if not request.user.has_perm("marketing_ops.may_review_content"):
        raise PermissionDenied("Versions are reviewed by marketing ops and legal.")
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["outcome"] == "approve"
        decide = reviews.asset_approve if approve else reviews.asset_reject
        try:
            version = decide(asset_id=asset.pk, actor=request.user, comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            if error.field in form.fields:
                form.add_service_error(error)
            else:
                _refused(request, error)
                return _back(asset)
        else:
            messages.success(request, _decided_message(version, approve))
            return _back(asset)
    return _render_asset(request, asset, decision_form=form, status=400)


def _decided_message(version: AssetVersion, approved: bool) -> str:
    if not approved:
        return f"Rejected version {version.number}: the owner reads your comment."
    if version.status == VersionStatus.PUBLISHED:
        return f"Approved version {version.number}: it is published, reps get it now."
    waiting = version.reviews.filter(decision=VersionReview.Decision.APPROVED).values_list("role", flat=True)
    missing = [r.replace("_", " ") for r in needed_review_roles(version.asset) if r not in set(waiting)]
    return f"Approved version {version.number}; it waits for {' and '.join(missing) or 'the other reviewers'}."
