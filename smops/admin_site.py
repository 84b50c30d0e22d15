"""The admin site of smops: Django's, with its index and side menu grouped by what ops people do, not by app.

`GROUPS` places every model the workbench shows; a model left out still appears, under "Other", so nothing
registered is ever unreachable (tests/core/test_admin_workbench.py fails on a model of ours left out).
"""

from django.contrib import admin
from django.utils.text import slugify
from django_otp.admin import OTPAdminSite

# (group, model labels in the order people look for them: the records first, their logs and settings after)
GROUPS: list[tuple[str, list[str]]] = [
    (
        "Customers and leads",
        ["core.Lead", "core.Account", "core.Contact", "core.Opportunity", "core.LeadTransition",
         "core.StageForecastCategory"],
    ),
    ("Organisation", ["core.User", "auth.Group", "core.BusinessCalendar", "core.WorkingHours", "core.Holiday"]),
    (
        "Lead SLAs",
        ["sales_ops.SlaPolicy", "sales_ops.SlaClock", "sales_ops.SlaEvent", "sales_ops.SlaNotice",
         "sales_ops.SlaDigestSubscription"],
    ),
    (
        "Deal desk",
        ["sales_ops.DealRequest", "sales_ops.ApprovalRule", "sales_ops.ApprovalDelegation", "sales_ops.DealDecision",
         "sales_ops.DealEvent", "sales_ops.DealDecisionLink"],
    ),
    (
        "Territories and coverage",
        ["core.Territory", "sales_ops.RoutingDecision", "sales_ops.Quota", "sales_ops.TeamQuota",
         "sales_ops.CoverageSnapshot"],
    ),
    (
        "Campaign budgets",
        ["marketing_ops.Campaign", "marketing_ops.SpendEntry", "marketing_ops.BudgetEnvelope",
         "marketing_ops.BudgetMove", "marketing_ops.Program", "marketing_ops.Team", "marketing_ops.CampaignTouch",
         "marketing_ops.BudgetAlert", "core.ExchangeRate"],
    ),
    (
        "Content library",
        ["marketing_ops.Asset", "marketing_ops.AssetVersion", "marketing_ops.VersionReview",
         "marketing_ops.ContentShare", "marketing_ops.ContentUsage", "marketing_ops.AssetEvent", "marketing_ops.Tag"],
    ),
    (
        "E-mail and system",
        ["core.EmailMessage", "core.NotificationPreference", "core.DigestEntry", "django_celery_beat.PeriodicTask",
         "django_celery_beat.CrontabSchedule",
         "django_celery_beat.IntervalSchedule", "django_celery_beat.ClockedSchedule",
         "django_celery_beat.SolarSchedule", "knox.AuthToken", "otp_totp.TOTPDevice", "axes.AccessAttempt",
         "axes.AccessFailureLog", "axes.AccessLog"],
    ),
]  # fmt: skip
OTHER = "Other"


class WorkbenchAdminSite(admin.AdminSite):
    """The index and the side menu by capability; an app's own page (/admin/sales_ops/) stays Django's."""

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        by_label = {
            model["model"]._meta.label: model
            for app in self._build_app_dict(request).values()
            for model in app["models"]
        }
        groups = []
        for name, labels in GROUPS:
            groups.append(_group(name, [by_label.pop(label) for label in labels if label in by_label]))
        groups.append(_group(OTHER, sorted(by_label.values(), key=lambda model: str(model["name"]))))
        return [group for group in groups if group["models"]]


def _group(name: str, models: list[dict]) -> dict:
    return {"name": name, "app_label": slugify(name), "app_url": "", "has_module_perms": True, "models": models}


class WorkbenchOTPAdminSite(WorkbenchAdminSite, OTPAdminSite):
    """The same, asking for a verified second factor (ADMIN_REQUIRE_2FA)."""
