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


class FastCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Django's checkbox list with its markup written in Python rather than through three template renders per
    box: the content library's facets list a few dozen boxes, and their templates were a quarter of the page.
    The options, ids and `checked` are Django's own (`optgroups`); the markup is `multiple_input.html` and
    `input_option.html` as Django writes them (tests/core/test_widgets.py holds the two to the same HTML)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        box_id, box_class = widget["attrs"].get("id"), widget["attrs"].get("class")
        parts = [format_html("<div{}{}>", _attr("id", box_id), _attr("class", box_class))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("\n  <div><label>{}</label>", group))
            parts.extend(format_html("<div>\n    {}</div>", _option(option)) for option in options)
            if group:
                parts.append(mark_safe("\n  </div>"))
        parts.append(mark_safe("\n</div>"))
        return mark_safe("".join(parts))


def _attr(name: str, value) -> str:
    return format_html(' {}="{}"', name, value) if value else ""


def _option(option: dict) -> str:
    attrs = mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in option["attrs"].items()
            if value is not False
        )
    )
    value = "" if option["value"] is None else format_html(' value="{}"', option["value"])
    # The line breaks are those Django's three templates end with (input, input_option, checkbox_option); a
    # checkbox's option always wraps its label.
    box = format_html('<input type="{}" name="{}"{}{}>\n', option["type"], option["name"], value, attrs)
    label_for = _attr("for", option["attrs"].get("id"))
    return format_html("<label{}>{} {}</label>\n\n", label_for, box, option["label"])
