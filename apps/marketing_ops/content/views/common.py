"""What the content pages share: finding the asset the user may see, the version asked for, refusals."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from apps.core.models import User
from apps.core.pages import page_refusal
from apps.marketing_ops.content import selectors
from apps.marketing_ops.content.models import Asset


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


_refused = page_refusal  # one rule for every page (apps/core/pages.py)


def _back(asset: Asset):
    return redirect("marketing_ops:content_asset", asset_id=asset.pk)


def _days_left(asset: Asset, today: dt.date) -> int | None:
    return (asset.expires_on - today).days if asset.expires_on else None
