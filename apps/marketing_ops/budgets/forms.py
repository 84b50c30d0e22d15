"""Forms of the marketing ops pages and admin: they check shape; the services decide the rest."""

from django import forms

from apps.core.quarters import validate_quarter


class QuarterForm(forms.Form):
    quarter = forms.CharField(max_length=7, validators=[validate_quarter])

    def __init__(self, *args, quarters: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].widget = forms.Select(choices=[(q, q) for q in quarters])


class SpendImportForm(forms.Form):
    """A finance CSV to check, or to post. Which of the two is the button pressed (`IMPORT` or not), never a box
    left ticked: a check must not look like an import, nor an import like a check."""

    IMPORT = "import"  # the name of the Import button; any other submit (Check the file, Enter) only checks

    MAX_BYTES = 20 * 1024 * 1024

    file = forms.FileField(help_text="UTF-8 CSV with a header row")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {self.MAX_BYTES // (1024 * 1024)} MB: split it.")
        return upload

    @property
    def dry_run(self) -> bool:
        return self.IMPORT not in self.data
