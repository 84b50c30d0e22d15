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


class LeadIdsField(forms.Field):
    """The picked leads' ids, one `lead` value each (checkboxes on the list, hidden inputs on the preview)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Pick one or more leads to hand off.",
        "invalid": "Leads are picked by their number.",
    }

    def __init__(self, *args, most: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.most = most

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        if any(not 1 <= pk < 2**63 for pk in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(ids))

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > self.most:
            raise forms.ValidationError(f"Pick at most {self.most} leads at a time.", code="too_many")


class HandoffForm(forms.Form):
    """The picked leads and, for each, an owner named instead of routing's choice (empty: routing's choice)."""

    def __init__(self, *args, lead_ids: list[int], owners: list, most: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"] = LeadIdsField(most=most)
        self.lead_ids = lead_ids
        # Choices from a list read once: a ModelChoiceField per lead would read its queryset once per lead.
        self.owners = {user.pk: user for user in owners}
        choices = [("", "Routing's choice"), *((user.pk, user.get_full_name() or user.username) for user in owners)]
        for pk in lead_ids:
            self.fields[f"owner_{pk}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                label=f"Owner of lead #{pk}",
                error_messages={"invalid_choice": "Pick an active rep or manager."},
            )

    @staticmethod
    def picked(data) -> list[int]:
        """The ids a request picked, read leniently (a bad one is the form's error to report, not this one's)."""
        return [
            int(item) for item in data.getlist("lead") if item.isascii() and item.isdigit() and 0 < int(item) < 2**63
        ]

    def picks(self) -> list[tuple[int, object]]:
        """(lead id, owner named or None) for each picked lead."""
        named = (self.cleaned_data.get(f"owner_{pk}") for pk in self.cleaned_data["lead"])
        return [(pk, self.owners.get(owner)) for pk, owner in zip(self.cleaned_data["lead"], named, strict=True)]
