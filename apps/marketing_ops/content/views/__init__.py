"""Content library pages: the library (search, filters, previews), an asset's page (download, share, versions,
review, history, usage), a new asset, the review queue and the usage reports.

Each view is a thin caller: it finds the asset through `selectors.asset_detail` (so an asset the user may not see
is a 404), checks the shape of what was posted, calls a content service, selector or `serving`, and renders or
redirects. The services decide every business outcome; their refusals become form errors (when they name a field
of the form) or messages, in their own words. Which buttons a page offers is asked of the same rules
(`apps.core.permissions`) and guards (`services.guards`) the services apply, so that a button is shown only to
someone whose click the service would accept.
"""

from apps.marketing_ops.content.views.asset import (
    content_archive,
    content_asset,
    content_decide,
    content_reopen,
    content_share,
    content_submit,
    content_upload,
)
from apps.marketing_ops.content.views.library import (
    content_create,
    content_download,
    content_library,
    content_preview,
    content_thumbnail,
)
from apps.marketing_ops.content.views.review import content_reports, content_review_queue

__all__ = [
    "content_archive",
    "content_asset",
    "content_create",
    "content_decide",
    "content_download",
    "content_library",
    "content_preview",
    "content_reopen",
    "content_reports",
    "content_review_queue",
    "content_share",
    "content_submit",
    "content_thumbnail",
    "content_upload",
]
