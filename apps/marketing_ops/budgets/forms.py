"""Forms of the marketing ops pages and admin: they check shape; the services decide the rest."""

from django import forms

from apps.core.quarters import validate_quarter


class QuarterForm(forms.Form):
    quarter = forms.CharField(max_length=7, validators=[validate_quarter])

    def __init__(self, *args, quarters: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].widget = forms.Select(choices=[(q, q) for q in quarters])


class SpendImportForm(forms.Form):
    """A finance CSV to check (and, unless it is a dry run, post)."""

    MAX_BYTES = 20 * 1024 * 1024

    file = forms.FileField(help_text="UTF-8 CSV with a header row")
    dry_run = forms.BooleanField(required=False, initial=True, help_text="Check every row and post nothing")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {self.MAX_BYTES // (1024 * 1024)} MB: split it.")
        return upload
