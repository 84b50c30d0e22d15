"""Form fields both ops apps share."""

from django import forms

from apps.core.services.records import too_long_message


class TextWithin(forms.CharField):
    """Free text with a limit the form states as an error naming the field and the limit.

    No `maxlength` on the widget: a browser enforces that by cutting pasted text mid-word without a word, the
    very thing the limit must not do. Line ends count once (`\\r\\n` as `\\n`), as the services count them.
    """

    def __init__(self, *, limit: int, name: str, **kwargs):
        super().__init__(max_length=limit, **kwargs)
        self.error_messages["max_length"] = too_long_message(name, limit) + " (It has %(show_value)d.)"

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs
