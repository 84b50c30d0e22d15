"""Forms of the deal desk pages: they check the shape of what was posted; the services decide the rest."""

from django import forms

from apps.core.amounts import AmountFormField
from apps.core.exceptions import ApplicationError
from apps.core.forms import TextWithin
from apps.sales_ops.deal_desk.models import BillingFrequency, DealDecision, DealFlag, PaymentTerms
from apps.sales_ops.deal_desk.services import EDITABLE_FIELDS, TEXT_LIMITS


def deal_text(field: str, **kwargs) -> TextWithin:
    """A deal desk free-text field with its limit from the services (the model field's own)."""
    name, limit = TEXT_LIMITS[field]
    return TextWithin(limit=limit, name=name, **kwargs)


class DealRequestForm(forms.Form):
    """The terms a rep asks for. Types only: amounts, limits and the opportunity's ownership are the service's.

    Pass `opportunities` (the user's open opportunities) to offer the opportunity select (a new request);
    leave it out to edit a request's terms (its opportunity is fixed).
    """

    opportunity = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose one of your open opportunities",
        error_messages={"invalid_choice": "Choose one of your open opportunities."},
    )
    list_amount = AmountFormField(max_digits=14, decimal_places=2, label="List amount")
    net_amount = AmountFormField(max_digits=14, decimal_places=2, label="Net amount")
    currency = forms.CharField(
        max_length=3,
        min_length=3,
        required=False,  # blank: the opportunity's currency (the service fills it in)
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters", "placeholder": "as deal"}),
    )
    term_months = forms.IntegerField(label="Term (months)", widget=forms.NumberInput(attrs={"step": 1}))
    payment_terms = forms.ChoiceField(choices=PaymentTerms.choices)
    custom_payment_terms = deal_text("custom_payment_terms", required=False, label="Custom payment terms")
    billing_frequency = forms.ChoiceField(choices=BillingFrequency.choices, label="Billing")
    custom_legal_terms = forms.BooleanField(required=False, label=DealFlag.CUSTOM_LEGAL_TERMS.label)
    ramped_pricing = forms.BooleanField(required=False, label=DealFlag.RAMPED_PRICING.label)
    free_months = forms.BooleanField(required=False, label=DealFlag.FREE_MONTHS.label)
    renewal_cap_out_of_policy = forms.BooleanField(required=False, label=DealFlag.RENEWAL_CAP_OUT_OF_POLICY.label)
    justification = deal_text(
        "justification",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the deal needs these terms."},
    )
    attachment = forms.FileField(required=False, label="Attach a file (optional)", help_text="A quote, a redline…")

    FLAGS = DealFlag.values

    def __init__(self, *args, opportunities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if opportunities is None:
            del self.fields["opportunity"]
        else:
            self.fields["opportunity"].queryset = opportunities
            self.fields["opportunity"].label_from_instance = lambda o: f"{o.name} · {o.account.name}"
        for name in ("list_amount", "net_amount"):
            self.fields[name].widget.attrs.update({"step": "0.01", "min": "0", "inputmode": "decimal"})

    @property
    def flag_fields(self):
        return [self[name] for name in self.FLAGS]

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def service_data(self) -> dict:
        """The request's editable fields, as the deal desk services take them."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}

    def add_service_error(self, error: ApplicationError) -> None:
        """Show a service's refusal next to the field it names (every field, when the model named several)."""
        detail = getattr(error, "detail", None) or {error.field: [error.message]}
        for field, messages in detail.items():
            self.add_error(field if field in self.fields else None, messages)


class DealDecisionForm(forms.Form):
    """An approver's decision; `revision` is the revision they saw, so a stale decision is refused (409)."""

    outcome = forms.ChoiceField(choices=DealDecision.Outcome.choices)
    comment = deal_text(
        "comment",
        required=False,
        label="Comment",
        help_text="Required to reject or to ask for changes: the rep reads it.",
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Your comment (the reason, to reject or ask for changes)"}
        ),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DealLinkDecisionForm(forms.Form):
    """The confirmation page an approver's e-mail link opens: the decision, and a comment (a reason to reject)."""

    outcome = forms.ChoiceField(
        choices=[(DealDecision.Outcome.APPROVE, "Approve"), (DealDecision.Outcome.REJECT, "Reject")],
        widget=forms.RadioSelect,
        label="Your decision",
    )
    comment = deal_text(
        "comment",
        required=False,
        label="Comment",
        help_text="Required to reject: the rep reads it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DealRecallForm(forms.Form):
    reason = deal_text(
        "reason",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why (optional)", "aria-label": "Reason for recalling"}),
    )


class DealAttachmentForm(forms.Form):
    file = forms.FileField(label="Attach a file")


class DelegationForm(forms.Form):
    """Out of office: who decides for me, from which day to which day (both included)."""

    delegate = forms.ModelChoiceField(queryset=None, empty_label="Choose a colleague")
    starts_on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    note = deal_text("note", required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. On leave"}))

    def __init__(self, *args, delegates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = delegates

    def add_service_error(self, error: ApplicationError) -> None:
        detail = getattr(error, "detail", None) or {error.field: [error.message]}
        for field, messages in detail.items():
            self.add_error(field if field in self.fields else None, messages)


class DealReportFilterForm(forms.Form):
    """Which requests the deal desk report counts: those submitted between two days (either may be blank)."""

    since = forms.DateField(required=False, label="Submitted from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="until", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end comes before the start.")
        return data
