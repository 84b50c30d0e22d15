"""Panels that apps add to core's pages without core importing them.

An app's AppConfig may define a hook (`home_panels(user)`, `opportunity_panels(user, opportunity)`,
`contact_panels(user, contact)`) returning a list of (template, context) pairs; the page includes each template
with `panel=context`. Sales ops add the deal desk requests of an opportunity this way, marketing ops the campaigns
a contact responded to and the content shared on an opportunity.
"""

from django.apps import apps


def app_panels(hook: str, *args) -> list[tuple[str, dict]]:
    """Every installed app's panels for `hook`, in INSTALLED_APPS order."""
    found = []
    for app_config in apps.get_app_configs():
        contribute = getattr(app_config, hook, None)
        if contribute is not None:
            found.extend(contribute(*args))
    return found
