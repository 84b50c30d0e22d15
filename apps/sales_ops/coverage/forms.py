"""Forms of the coverage pages: which quarter, and whose figures."""

from django import forms

from apps.core.quarters import validate_quarter


class CoverageFilterForm(forms.Form):
    quarter = forms.CharField(max_length=7, validators=[validate_quarter])
    team = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    territory = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, quarters: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].widget = forms.Select(choices=[(q, q) for q in quarters])
