"""Roles are Django groups; this is what each may do in the admin, kept in step after every migrate."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

from apps.core.models import Role

ALL = ("view", "add", "change", "delete")
# app_label.model -> actions, per role. Later apps add their models here.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SALES_OPS: {
        "core.account": ALL,
        "core.contact": ALL,
        "core.lead": ("view", "add", "change"),
        "core.leadtransition": ("view",),
        "core.opportunity": ("view", "add", "change"),
        "core.territory": ALL,
        "core.businesscalendar": ALL,
        "core.workinghours": ALL,
        "core.holiday": ALL,
        "core.user": ("view", "change"),
        # Those who manage the people manage their way in: API tokens and sign-in lockouts (deleting one unlocks).
        "knox.authtoken": ("view", "delete"),
        "axes.accessattempt": ("view", "delete"),
        "core.emailmessage": ("view", "change"),
        "core.notificationpreference": ("view",),
        "core.digestentry": ("view",),
        "core.exchangerate": ("view",),
        "core.stageforecastcategory": ("view", "change"),
        "django_celery_beat.periodictask": ("view", "change"),
        "sales_ops.slapolicy": ALL,
        "sales_ops.slaescalation": ALL,
        "sales_ops.slaclock": ("view",),
        "sales_ops.slaevent": ("view",),
        "sales_ops.slanotice": ("view",),
        "sales_ops.sladigestsubscription": ALL,
        "sales_ops.approvalrule": ALL,
        "sales_ops.ruleapprover": ALL,
        "sales_ops.approvaldelegation": ALL,
        "sales_ops.dealrequest": ("view",),
        "sales_ops.dealapprovalstep": ("view",),
        "sales_ops.dealapprover": ("view",),
        "sales_ops.dealdecision": ("view",),
        "sales_ops.dealevent": ("view",),
        "sales_ops.dealdecisionlink": ("view",),
        "sales_ops.dealattachment": ("view",),
        "sales_ops.quota": ALL,
        "sales_ops.teamquota": ALL,
        "sales_ops.coveragesnapshot": ("view",),
        "sales_ops.coveragesnapshotline": ("view",),
        "sales_ops.territoryrouting": ALL,
        "sales_ops.territoryrule": ALL,
        "sales_ops.territorymember": ALL,
        "sales_ops.routingdecision": ("view",),
        "marketing_ops.campaign": ("view",),
        "marketing_ops.program": ("view",),
        "marketing_ops.campaigntouch": ("view",),
        "marketing_ops.asset": ("view",),
    },
    Role.MARKETING_OPS: {
        "core.account": ("view", "add", "change"),
        "core.contact": ("view", "add", "change"),
        "core.lead": ("view", "add", "change"),
        "core.leadtransition": ("view",),
        "core.opportunity": ("view",),
        "core.territory": ("view",),
        "sales_ops.territoryrouting": ("view",),
        "sales_ops.territoryrule": ("view",),
        "sales_ops.territorymember": ("view",),
        "sales_ops.routingdecision": ("view",),
        "core.businesscalendar": ("view",),
        "core.emailmessage": ("view",),
        "core.stageforecastcategory": ("view",),
        "marketing_ops.team": ALL,
        "marketing_ops.budgetenvelope": ("view", "add", "change"),
        "marketing_ops.program": ALL,
        "marketing_ops.campaign": ("view", "add", "change"),
        "core.exchangerate": ALL,
        "marketing_ops.spendentry": ("view", "add"),
        "marketing_ops.budgetmove": ("view", "add"),
        "marketing_ops.campaigntouch": ALL,
        "marketing_ops.budgetalert": ("view",),
        # The content library: marketing keeps the tags and describes assets; every move goes through the services
        # (admin actions), versions come from uploads, and reviews, history, usage and shares are only read.
        "marketing_ops.tag": ALL,
        "marketing_ops.asset": ("view", "add", "change"),
        "marketing_ops.assetversion": ("view",),
        "marketing_ops.versionreview": ("view",),
        "marketing_ops.assetevent": ("view",),
        "marketing_ops.contentusage": ("view",),
        "marketing_ops.contentshare": ("view",),
    },
    # Legal reviews customer-facing content: it reads assets, their versions, reviews and history.
    Role.LEGAL: {
        "marketing_ops.asset": ("view",),
        "marketing_ops.assetversion": ("view",),
        "marketing_ops.versionreview": ("view",),
        "marketing_ops.assetevent": ("view",),
    },
    Role.MANAGER: {},
    Role.REP: {},
}


def roles_sync(**kwargs) -> None:
    """Create the role groups and give each exactly the permissions above (connected to post_migrate)."""
    # post_migrate reaches core before the apps listed after it, whose permissions auth has not created
    # yet: on a fresh database the ops roles would miss every sales_ops and marketing_ops permission.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", DEFAULT_DB_ALIAS))
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for label, actions in grants.items():
            app_label, model = label.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        group.permissions.set(wanted)
