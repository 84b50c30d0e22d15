"""The content library (search, filters, cards), an asset's thumbnail, preview and download, and a new asset."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import render

from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.permissions import is_content_curator
from apps.marketing_ops.content import selectors, serving
from apps.marketing_ops.content.filters import AssetFilter
from apps.marketing_ops.content.forms import AssetCreateForm, filter_form_for_page
from apps.marketing_ops.content.models import Asset
from apps.marketing_ops.content.services import assets as asset_services
from apps.marketing_ops.content.services import versions
from apps.marketing_ops.content.services.guards import content_today
from apps.marketing_ops.content.views.common import _back, _days_left, _version_number, _with_role

ASSETS_PER_PAGE = 24
# "Expires soon" on a card: the same horizon as the owner's first reminder.
EXPIRING_DAYS = 14


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
