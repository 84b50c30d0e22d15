"""Top-level routes: portal pages, the admin, the API with its schema and docs, and /healthz/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.core.api.docs import SchemaApi, docs_page
from apps.core.api.views import healthz
from smops.admin_site import WorkbenchAdminSite, WorkbenchOTPAdminSite

# The index grouped by capability; with 2FA (django-otp's documented switch of the site's class), the login asks
# for a TOTP code and every page a verified device.
admin.site.__class__ = WorkbenchOTPAdminSite if settings.ADMIN_REQUIRE_2FA else WorkbenchAdminSite

admin.site.site_header = "smops — ops workbench"
admin.site.site_title = "smops admin"
handler404 = "apps.core.api.errors.not_found"

urlpatterns = [
    path("", include("apps.core.urls")),
    path("sales/", include("apps.sales_ops.urls")),
    path("marketing/", include("apps.marketing_ops.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.core.api.urls")),
    path("api/v1/sla/", include("apps.sales_ops.sla.api.urls")),
    path("api/v1/deal-desk/", include("apps.sales_ops.deal_desk.api.urls")),
    path("api/v1/", include("apps.sales_ops.coverage.api.urls")),
    path("api/v1/", include("apps.marketing_ops.budgets.api.urls")),
    path("api/v1/content/", include("apps.marketing_ops.content.api.urls")),
    path("api/schema/", SchemaApi.as_view(), name="schema"),
    path("api/docs/", docs_page, name="api-docs"),
    path("healthz/", healthz, name="healthz"),
]
