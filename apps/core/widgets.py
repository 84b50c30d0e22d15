"""Form widgets of our own, where Django's are too slow for the lists people open all day."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A single-choice select whose options are written in Python rather than through one template render per
    option: the lead list's owner filter and its bulk moves list every seller, and at 500 reps Django's widget
    templates cost more than the page's queries. Same markup as `forms.Select`, without option groups."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )
