"""FastSelect and FastCheckboxSelectMultiple write the same HTML as Django's Select and CheckboxSelectMultiple,
chosen options included, every label escaped."""

import pytest
from django import forms

from apps.core.widgets import FastCheckboxSelectMultiple, FastSelect

CHOICES = [("", "Anyone"), (1, "Ann <Admin>"), (2, "Bob & Co")]


def test_fast_select_renders_as_djangos_select_does():
    ours = FastSelect(choices=CHOICES).render("owner", "2", attrs={"id": "id_owner"})
    theirs = forms.Select(choices=CHOICES).render("owner", "2", attrs={"id": "id_owner"})

    def normalised(html: str) -> str:
        return "".join(html.split())

    assert normalised(ours) == normalised(theirs)
    assert '<option value="2" selected>Bob &amp; Co</option>' in ours and "Ann &lt;Admin&gt;" in ours


BOXES = [("deck", "Deck"), ("case", "Case <study>"), ("one", 'Quote "&" one-pager')]
GROUPED = [("Sales", [("deck", "Deck"), ("case", "Case study")]), ("Web", [("post", "Blog post")])]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (BOXES, ["case", "one"], {"id": "id_kind"}),
        (BOXES, None, {"id": "id_kind", "class": "facets"}),
        (BOXES, ["deck"], None),  # no id: no `for` on the labels
        (GROUPED, ["post"], {"id": "id_kind"}),
        ([], None, {"id": "id_kind"}),
    ],
)
def test_fast_checkboxes_render_exactly_as_djangos_do(choices, value, attrs):
    ours = FastCheckboxSelectMultiple(choices=choices).render("kind", value, attrs=attrs)
    theirs = forms.CheckboxSelectMultiple(choices=choices).render("kind", value, attrs=attrs)
    assert ours == theirs


def test_fast_checkboxes_in_a_bound_form_keep_the_ticks_and_escape_the_labels():
    class Facets(forms.Form):
        kind = forms.MultipleChoiceField(choices=BOXES, required=False, widget=FastCheckboxSelectMultiple)

    html = str(Facets({"kind": ["case"]})["kind"])
    assert '<label for="id_kind_1"><input type="checkbox" name="kind" value="case" id="id_kind_1" checked>' in html
    assert "Case &lt;study&gt;" in html and "Quote &quot;&amp;&quot; one-pager" in html
    assert 'value="deck" id="id_kind_0">' in html  # not ticked
