"""Form fields both ops apps share, and the forms of core's record pages."""

from django import forms

from apps.core.amounts import AmountFormField
from apps.core.currencies import validate_currency
from apps.core.models import Role, User
from apps.core.models.customers import OpportunityStage
from apps.core.services.records import too_long_message
from apps.core.widgets import FastSelect


class TextWithin(forms.CharField):
    """Free text with a limit the form states as an error naming the field and the limit, as the services do.

    Not Django's `max_length`: that puts `maxlength` on the widget, and a browser enforces it by cutting pasted
    text mid-word without a word, the very thing the limit must not do. Line ends count once (`\\r\\n` as
    `\\n`), as the services count them.
    """

    def __init__(self, *, limit: int, name: str, **kwargs):
        super().__init__(**kwargs)
        self.limit, self.name = limit, name

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    def validate(self, value):
        super().validate(value)
        if len(value) > self.limit:
            raise forms.ValidationError(too_long_message(self.name, self.limit, len(value)), code="max_length")


class LeadConvertForm(forms.Form):
    """What converting a lead asks: the opportunity's name, amount, currency and close date (shape only; the
    conversion service decides whether the lead may convert)."""

    name = forms.CharField(max_length=200)
    amount = AmountFormField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. EUR")
    close_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        validate_currency(currency)
        return currency


class OpportunityStageForm(forms.Form):
    """Move an opportunity to another stage; closing it as lost asks why (the service refuses a lost without one)."""

    stage = forms.ChoiceField(choices=OpportunityStage.choices)
    lost_reason = forms.CharField(max_length=500, required=False, label="Why it was lost")


class TimeZoneForm(forms.Form):
    """The zone a person sees times in: any IANA zone, or blank for their territory's calendar zone."""

    time_zone = forms.ChoiceField(
        required=False,
        label="Time zone",
        error_messages={"invalid_choice": "'%(value)s' is not a time zone; pick one such as Europe/Berlin."},
    )

    def __init__(self, *args, default_zone: str = "", **kwargs):
        from apps.core.timezones import time_zone_names

        super().__init__(*args, **kwargs)
        default = f"My territory's ({default_zone})" if default_zone else "My territory's"
        self.fields["time_zone"].choices = [("", default), *((name, name) for name in time_zone_names())]


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notification. Every delivery is a valid shape here; which ones a role may choose
    is the notifications service's rule, and its refusal is shown by the field it names."""

    def __init__(self, *args, **kwargs):
        from apps.core.models import Delivery, NotificationKind  # forms load before the app registry is ready

        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, widget=forms.RadioSelect
            )


# --- the bulk lead moves (admin actions and the lead list) ----------------------------------------------------


def active_sellers():
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.REP, Role.MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class HandOffForm(forms.Form):
    """Hand-off to sales: a named owner, or routing."""

    owner = forms.ModelChoiceField(
        queryset=active_sellers(),
        widget=FastSelect,
        required=False,
        empty_label="By routing (or the owner the lead has)",
        help_text="Leave on routing to let the territory rules choose each lead's owner.",
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=active_sellers(), widget=FastSelect, empty_label="Choose the new owner")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="Kept with each lead's history; marketing reads it.",
        error_messages={"required": "Say why: the reason is kept with each lead."},
    )
