"""Content library pages: the library (search, filters, previews), an asset's page (download, share, versions,
review, history, usage), a new asset, the review queue and the usage reports.

Each view is a thin caller: it finds the asset through `selectors.asset_detail` (so an asset the user may not see
is a 404), checks the shape of what was posted, calls a content service, selector or `serving`, and renders or
redirects. The services decide every business outcome; their refusals become form errors (when they name a field
of the form) or messages, in their own words. Which buttons a page offers is asked of the same rules
(`apps.core.permissions`) and guards (`services.guards`) the services apply, so that a button is shown only to
someone whose click the service would accept.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import Contact, User
from apps.core.models.customers import CLOSED_STAGES, ConsentStatus
from apps.core.permissions import content_review_roles, is_content_curator
from apps.core.selectors import opportunity_list
from apps.marketing_ops.content import selectors, serving
from apps.marketing_ops.content.filters import AssetFilter
from apps.marketing_ops.content.forms import (
    AssetCreateForm,
    DecisionForm,
    ReasonForm,
    ReportPeriodForm,
    ShareForm,
    UploadForm,
    filter_form_for_page,
)
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

ASSETS_PER_PAGE = 24
QUEUE_PER_PAGE = 50
NEVER_USED_SHOWN = 50
# "Expires soon" on a card: the same horizon as the owner's first reminder.
EXPIRING_DAYS = 14


# --- shared helpers ------------------------------------------------------------------------------------------


def _with_role(user: User) -> None:
    """The library is for everyone who works in the portal: anyone with a role (admins hold every role)."""
    if not (user.is_superuser or user.role_names):
        raise PermissionDenied("The content library is for people with a role in the portal.")


def _asset(request, asset_id: int) -> Asset:
    """The asset as the user may see it (with every version for curators and its owner); anything else a 404."""
    return selectors.asset_detail(user=request.user, asset_id=asset_id)


def _version_number(request) -> int | None:
    """`?version=N` (owners and curators ask for an older version); a malformed number finds nothing."""
    value = request.GET.get("version", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise Http404("No such version.")
    return int(value)


def _refused(request, error: ApplicationError) -> None:
    """A refusal the page cannot show next to a field: a 403 when that is what it means, else a message."""
    if error.code == "not_found":
        raise Http404(error.message)
    if isinstance(error, ActionForbidden):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def _back(asset: Asset):
    return redirect("marketing_ops:content_asset", asset_id=asset.pk)


def _days_left(asset: Asset, today: dt.date) -> int | None:
    return (asset.expires_on - today).days if asset.expires_on else None


# --- the library -----------------------------------------------------------------------------------------------


@login_required
def content_library(request):
    """Search and filter the assets the user may see (reps: live ones), best match first, with previews."""
    _with_role(request.user)
    filterset = AssetFilter(request.GET or None, queryset=Asset.objects.none(), request=request)
    form = filter_form_for_page(filterset.form)
    if form.is_bound:
        form.is_valid()  # its errors are shown beside the filters; library_list ignores what is invalid
    q = request.GET.get("q", "").strip()
    facets = request.GET.copy()
    for name in ("q", "page"):
        facets.pop(name, None)
    assets = selectors.library_list(user=request.user, q=q, filters=facets)
    page = Paginator(assets, ASSETS_PER_PAGE).get_page(request.GET.get("page"))
    today = content_today()
    for asset in page.object_list:
        asset.days_left = _days_left(asset, today)
        asset.expiring_soon = asset.days_left is not None and 0 < asset.days_left <= EXPIRING_DAYS
        asset.is_live_now = asset.is_live(today)
    keep = request.GET.copy()
    keep.pop("page", None)
    chosen = sum(1 for name in facets if name in form.fields and any(facets.getlist(name)))
    return render(
        request,
        "marketing_ops/content/library.html",
        {
            "page": page,
            "form": form,
            "q": q,
            "query": keep.urlencode() + "&" if keep else "",
            "filters_chosen": chosen,
            "today": today,
            "curator": is_content_curator(request.user),
        },
    )


@login_required
def content_thumbnail(request, asset_id: int):
    """A card's picture: the preview of the version shown, not counted as a view (nobody chose to open it)."""
    return serving.preview_response(user=request.user, asset_id=asset_id, number=_version_number(request), record=False)


@login_required
def content_preview(request, asset_id: int):
    """The preview image, opened by the user: a view of the version."""
    return serving.preview_response(user=request.user, asset_id=asset_id, number=_version_number(request))


@login_required
def content_download(request, asset_id: int):
    """The file of the current version (`?version=N`: an older one, for owners and curators); `?inline=1` opens a
    PDF or an image in the browser. Recorded as a download (inline: a view)."""
    return serving.download_response(
        user=request.user,
        asset_id=asset_id,
        number=_version_number(request),
        inline=request.GET.get("inline") == "1",
    )


# --- the asset's page ----------------------------------------------------------------------------------------


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
@require_POST
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
@require_POST
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
@require_POST
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


# --- a new asset ---------------------------------------------------------------------------------------------


@login_required
def content_create(request):
    """A new draft asset with its first file, for marketing ops; a refused file leaves no asset behind."""
    if not request.user.has_perm("marketing_ops.may_manage_content"):
        raise PermissionDenied("Marketing ops add assets to the library.")
    if request.method == "POST":
        form = AssetCreateForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    asset = asset_services.asset_create(actor=request.user, **form.service_data())
                    versions.version_upload(
                        asset_id=asset.pk,
                        actor=request.user,
                        upload=form.cleaned_data["file"],
                        note=form.cleaned_data["note"],
                    )
            except ActionForbidden as error:
                raise PermissionDenied(error.message) from None
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, f"Created “{asset.title}” as a draft with version 1. Submit it for review when ready."
                )
                return _back(asset)
        status = 400
    else:
        form = AssetCreateForm(initial={"review_by": content_today() + dt.timedelta(days=365)})
        status = 200
    return render(request, "marketing_ops/content/create.html", {"form": form}, status=status)


# --- the review queue and the reports --------------------------------------------------------------------------


@login_required
def content_review_queue(request):
    """Versions waiting for the user's decision (marketing ops, legal), oldest upload first."""
    if not request.user.has_perm("marketing_ops.may_review_content"):
        raise PermissionDenied("The review queue is for marketing ops and legal.")
    page = Paginator(selectors.review_queue(user=request.user), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "marketing_ops/content/review_queue.html", {"page": page})


@login_required
def content_reports(request):
    """Most used, never used, use by team, and win rates with and without each asset, with their counts."""
    if not request.user.has_perm("marketing_ops.may_view_content_reports"):
        raise PermissionDenied("The content reports are for ops and managers.")
    form = ReportPeriodForm(request.GET or None)
    period = form.cleaned_data["period"] if form.is_bound and form.is_valid() else "90"
    since = None if period == "all" else timezone.now() - dt.timedelta(days=int(period))
    never_used = selectors.content_never_used(since=since)
    return render(
        request,
        "marketing_ops/content/reports.html",
        {
            "form": form if form.is_bound else ReportPeriodForm(initial={"period": period}),
            "period_label": dict(form.fields["period"].choices)[period],
            "most_used": list(selectors.content_most_used(since=since)),
            "never_used": list(never_used[:NEVER_USED_SHOWN]),
            "never_used_count": never_used.count(),
            "by_team": selectors.content_usage_by_team(since=since),
            "win_rates": selectors.content_win_rates(closed_from=since.date() if since else None),
            "since": since,
        },
    )
