"""FastSelect writes the same select Django's Select would, chosen option included, every label escaped."""

from django import forms

from apps.core.widgets import FastSelect

CHOICES = [("", "Anyone"), (1, "Ann <Admin>"), (2, "Bob & Co")]


def test_fast_select_renders_as_djangos_select_does():
    ours = FastSelect(choices=CHOICES).render("owner", "2", attrs={"id": "id_owner"})
    theirs = forms.Select(choices=CHOICES).render("owner", "2", attrs={"id": "id_owner"})

    def normalised(html: str) -> str:
        return "".join(html.split())

    assert normalised(ours) == normalised(theirs)
    assert '<option value="2" selected>Bob &amp; Co</option>' in ours and "Ann &lt;Admin&gt;" in ours
