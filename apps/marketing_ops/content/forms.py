"""Forms of the content library's pages: they check the shape of what was posted; the services decide the rest."""

import re

from django import forms

from apps.core.exceptions import ApplicationError
from apps.core.forms import TextWithin
from apps.core.models.customers import Segment
from apps.core.widgets import FastCheckboxSelectMultiple
from apps.marketing_ops.content.models import AssetKind, Audience, FunnelStage, Language, Tag
from apps.marketing_ops.content.services.guards import COMMENT_MAX, REASON_MAX, SHARE_NOTE_MAX, VERSION_NOTE_MAX


class ServiceErrorsMixin:
    """Show a service's refusal next to the field it names (every field, when the model named several)."""

    # A service's field name → the form's field that shows it.
    service_fields: dict[str, str] = {}

    def add_service_error(self, error: ApplicationError) -> None:
        detail = getattr(error, "detail", None) or {error.field: [error.message]}
        for field, messages in detail.items():
            field = self.service_fields.get(field, field)
            self.add_error(field if field in self.fields else None, messages)


# --- the library's filters --------------------------------------------------------------------------------------

# The filter set's multiple choices read better as boxes to tick than as a list to ctrl-click.
CHECKBOX_FILTERS = ("kind", "funnel_stage", "language", "segment", "status")


def filter_form_for_page(form: forms.Form) -> forms.Form:
    """`AssetFilter`'s form, dressed for the library page (the API reads the same filter set without widgets)."""
    for name in CHECKBOX_FILTERS:
        if name in form.fields:
            form.fields[name].widget = FastCheckboxSelectMultiple(choices=form.fields[name].choices)
    if "tag" in form.fields:
        form.fields["tag"].widget = FastCheckboxSelectMultiple()
        form.fields["tag"].widget.choices = form.fields["tag"].choices
        form.fields["tag"].label = "Tags (any of)"
    if "q" in form.fields:
        form.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Search decks, case studies, tags, text…"}
        )
    if "product" in form.fields:
        form.fields["product"].widget = forms.TextInput(attrs={"placeholder": "e.g. Analytics"})
    if "audience" in form.fields:
        form.fields["audience"].widget.choices = [("", "Any audience"), *Audience.choices]
    return form


# --- sharing --------------------------------------------------------------------------------------------------

RECIPIENT = re.compile(r"^(\d{1,18}):(\d{1,18})$")


class RecipientSelect(forms.Select):
    """A select whose options may be disabled (a contact who may not be e-mailed), with the reason in the label."""

    def __init__(self, *args, disabled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled = set(disabled)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class ShareForm(ServiceErrorsMixin, forms.Form):
    """Which contact of which of the rep's opportunities an asset went to. `recipients` are the choices to offer:
    `(opportunity label, [(value "opportunity:contact", label, reason it may not be e-mailed or "")])`.

    The form reads the shape only (two ids); the share service decides whether the pair may receive it, so a
    tampered choice is refused in the same words as any other.
    """

    recipient = forms.CharField(
        label="Send to",
        error_messages={"required": "Choose the contact you sent it to."},
    )
    note = TextWithin(
        limit=SHARE_NOTE_MAX,
        name="The note",
        required=False,
        label="Note (optional)",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Sent after the demo"}),
    )
    service_fields = {"contact": "recipient", "opportunity": "recipient", "asset": None}

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a contact")]
        disabled = []
        for group, options in recipients:
            group_choices = []
            for value, label, reason in options:
                group_choices.append((value, f"{label} — {reason}" if reason else label))
                if reason:
                    disabled.append(value)
            choices.append((group, group_choices))
        self.fields["recipient"].widget = RecipientSelect(choices=choices, disabled=disabled)

    def clean_recipient(self):
        match = RECIPIENT.match(self.cleaned_data["recipient"].strip())
        if match is None:
            raise forms.ValidationError("Choose the contact you sent it to.", code="invalid")
        return int(match.group(1)), int(match.group(2))


# --- versions, moves and reviews --------------------------------------------------------------------------------


class UploadForm(ServiceErrorsMixin, forms.Form):
    """A new version's file and what changed; the file is checked by its content in `version_upload`."""

    file = forms.FileField(
        label="File",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
        help_text="PDF, Office documents, images, plain text or MP4 video.",
    )
    note = TextWithin(
        limit=VERSION_NOTE_MAX,
        name="The note",
        required=False,
        label="What changed (optional)",
        widget=forms.TextInput(attrs={"placeholder": "e.g. New customer logos"}),
    )


class ReasonForm(ServiceErrorsMixin, forms.Form):
    """The optional reason of a submit, an archive or a reopen: it goes into the asset's history."""

    reason = TextWithin(
        limit=REASON_MAX,
        name="The reason",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Why (optional)", "aria-label": "Reason"}),
    )


class DecisionForm(ServiceErrorsMixin, forms.Form):
    """A reviewer's decision on the version in review; the comment is required to reject (the service says so)."""

    outcome = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = TextWithin(
        limit=COMMENT_MAX,
        name="The comment",
        required=False,
        label="Comment",
        help_text="Required to reject: the owner reads it.",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What is right, or what must change"}),
    )


# --- a new asset ---------------------------------------------------------------------------------------------


class AssetCreateForm(ServiceErrorsMixin, forms.Form):
    """A new asset and its first file. Types only: lengths, tags and dates are checked by `asset_create`."""

    title = forms.CharField(error_messages={"required": "Give the asset a title."})
    kind = forms.ChoiceField(choices=AssetKind.choices)
    audience = forms.ChoiceField(
        choices=Audience.choices,
        help_text="Customer-facing assets are reviewed by legal as well, and reps may share them.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tags are added by marketing ops in the admin.",
    )
    product = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. Analytics"}))
    segment = forms.ChoiceField(choices=[("", "Any segment"), *Segment.choices], required=False)
    funnel_stage = forms.ChoiceField(choices=[("", "Any stage"), *FunnelStage.choices], required=False)
    language = forms.ChoiceField(choices=Language.choices, initial=Language.EN)
    review_by = forms.DateField(
        label="Review by",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The owner is reminded 14 and 3 days before.",
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="From this day on reps can no longer see, download or share it.",
    )
    url = forms.CharField(label="Video URL", required=False, help_text="For a video link: where the video is.")
    file = forms.FileField(
        label="First version",
        error_messages={"required": "Choose the asset's first file.", "empty": "The file is empty."},
        help_text="PDF, Office documents, images, plain text or MP4 video.",
    )
    note = TextWithin(limit=VERSION_NOTE_MAX, name="The note", required=False, label="Version note (optional)")

    def service_data(self) -> dict:
        """The asset's fields as `asset_create` takes them (tags as slugs)."""
        data = {name: self.cleaned_data[name] for name in self.fields if name not in ("file", "note", "tags")}
        data["tags"] = [tag.slug for tag in self.cleaned_data["tags"]]
        return data


# --- reports -------------------------------------------------------------------------------------------------

PERIODS = [("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last 12 months"), ("all", "All time")]


class ReportPeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, initial="90", label="Usage in")
