"""Forms of the lead SLA pages: they check the shape of what was posted; the services decide the rest."""

from django import forms


class LeadRejectForm(forms.Form):
    """Why sales sends a handed-off lead back to marketing nurture (the reason is required)."""

    reason = forms.CharField(
        max_length=500,
        error_messages={"required": "Say why you reject this lead: marketing reads the reason."},
        widget=forms.TextInput(attrs={"placeholder": "Reason to reject", "aria-label": "Reason for rejecting"}),
    )


class ClockPauseForm(forms.Form):
    """One of the clock's policy's pause reasons."""

    reason = forms.ChoiceField(
        error_messages={"required": "Choose why the clock pauses.", "invalid_choice": "Choose one of the reasons."}
    )

    def __init__(self, *args, reasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason, reason) for reason in reasons]
        self.fields["reason"].widget.attrs["aria-label"] = "Pause reason"


class ComplianceFilterForm(forms.Form):
    """Which clocks the compliance report counts: those started in the last N weeks."""

    WEEKS = [(4, "last 4 weeks"), (12, "last 12 weeks"), (26, "last 26 weeks"), (52, "last 52 weeks")]
    DEFAULT_WEEKS = 12

    weeks = forms.TypedChoiceField(choices=WEEKS, coerce=int, initial=DEFAULT_WEEKS, label="Clocks started in the")
