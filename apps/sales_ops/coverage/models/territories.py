"""Territories' routing data: the rules that match a lead's account to a territory, the reps who take its leads
(weight, cap), the territory's routing row (the lock every routed hand-off takes, the fallback queue owner), and
the record of every routing decision with its reason in words.

The territory tree itself is `core.Territory` (`parent`); what is only sales ops' business lives here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import Role
from apps.core.models.customers import Segment
from apps.core.models.records import ImmutableRecord
from apps.sales_ops.coverage.countries import iso_country_codes


class TerritoryRouting(models.Model):
    """One row per territory that takes leads: the row a routed hand-off locks (`select_for_update`), so that two
    hand-offs into one territory take their round-robin turns one after the other; and the territory's fallback
    queue owner, who gets the lead when no member can take it."""

    territory = models.OneToOneField(
        "core.Territory", primary_key=True, on_delete=models.CASCADE, related_name="routing"
    )
    fallback_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Gets the territory's leads when every member is at their cap or out of office "
        "(empty: the LEAD_ROUTING_QUEUE_OWNER setting)",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "territory routing"
        verbose_name_plural = "territory routing"

    def __str__(self):
        return f"Routing of {self.territory_id}"

    def clean(self):
        super().clean()
        if self.fallback_owner_id:
            _refuse_non_seller(self.fallback_owner, "fallback_owner")


class TerritoryRule(models.Model):
    """Which leads a territory takes: a named account, or accounts of a country and/or a segment.

    A rule is a named account alone, or a country, a segment, or both (then both must match). Each account and each
    (country, segment) pair is routed by one rule in the whole tree, so a lead never matches two rules of the same
    specificity; the most specific match wins (`specificity`).
    """

    territory = models.ForeignKey("core.Territory", on_delete=models.CASCADE, related_name="routing_rules")
    account = models.ForeignKey(
        "core.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text="A named account: its leads go to this territory, whatever its country or segment",
    )
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. DE")
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)

    class Meta:
        ordering = ["territory", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(account__isnull=True, country="", segment=""), name="territory_rule_names_something"
            ),
            models.CheckConstraint(
                condition=Q(account__isnull=True) | Q(country="", segment=""), name="territory_rule_account_alone"
            ),
            models.UniqueConstraint(
                fields=["account"], condition=Q(account__isnull=False), name="territory_rule_account_once"
            ),
            models.UniqueConstraint(
                fields=["country", "segment"],
                condition=Q(account__isnull=True),
                name="territory_rule_country_segment_once",
            ),
        ]

    # The order in which a lead's rules are tried, most specific first (lower wins).
    NAMED_ACCOUNT, COUNTRY_AND_SEGMENT, COUNTRY, SEGMENT = 0, 1, 2, 3

    def __str__(self):
        return self.describe()

    @property
    def specificity(self) -> int:
        if self.account_id:
            return self.NAMED_ACCOUNT
        if self.country and self.segment:
            return self.COUNTRY_AND_SEGMENT
        return self.COUNTRY if self.country else self.SEGMENT

    def describe(self) -> str:
        """The rule in words, for reasons and lists: "named account Acme", "country DE, segment Enterprise"."""
        if self.account_id:
            return f"named account {self.account.name}"
        parts = [f"country {self.country}"] if self.country else []
        if self.segment:
            parts.append(f"segment {self.get_segment_display()}")
        return ", ".join(parts)

    def clean(self):
        super().clean()
        self.country = (self.country or "").strip().upper()
        if self.account_id and (self.country or self.segment):
            raise ValidationError({"account": "A named-account rule names the account alone: no country or segment."})
        if not (self.account_id or self.country or self.segment):
            raise ValidationError({"country": "Name an account, a country or a segment: this rule matches nothing."})
        if self.country and self.country not in iso_country_codes():
            raise ValidationError(
                {"country": f"'{self.country}' is not an ISO 3166 country code: this rule would match nothing."}
            )
        others = TerritoryRule.objects.exclude(pk=self.pk).select_related("territory")
        if self.account_id:
            taken = others.filter(account_id=self.account_id).first()
            field = "account"
        else:
            taken = others.filter(account__isnull=True, country=self.country, segment=self.segment).first()
            field = "country" if self.country else "segment"
        if taken is not None:
            described = taken.describe()
            raise ValidationError(
                {field: f"{described[:1].upper()}{described[1:]} already routes to {taken.territory}."}
            )


class TerritoryMember(models.Model):
    """A rep who takes a territory's routed leads: `weight` turns in each round of the round robin, and at most
    `cap` open hand-offs (leads they own in sql or sal) before they are skipped. `rr_current` is the smooth
    weighted round robin's running score (nginx's algorithm), kept between hand-offs."""

    territory = models.ForeignKey("core.Territory", on_delete=models.CASCADE, related_name="routing_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="territory_seats")
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Turns per round (1 or more)"
    )
    cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most open hand-offs (sql or sal) at once; empty for no cap, 0 to pause"
    )
    rr_current = models.IntegerField(default=0, editable=False)

    class Meta:
        ordering = ["territory", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "user"], name="territory_member_once"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="territory_member_weight_positive"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="territory_member_cap_not_negative"
            ),
        ]

    def __str__(self):
        cap = "no cap" if self.cap is None else f"cap {self.cap}"
        return f"{self.user} in {self.territory} (weight {self.weight}, {cap})"

    def clean(self):
        super().clean()
        if self.weight is not None and self.weight < 1:
            raise ValidationError({"weight": "A weight is 1 or more (a member who should take nothing: cap 0)."})
        if self.cap is not None and self.cap < 0:
            raise ValidationError({"cap": "A cap is 0 or more."})
        if self.user_id:
            _refuse_non_seller(self.user, "user")


def _refuse_non_seller(user, field: str) -> None:
    if not user.is_active or not user.has_role(Role.REP, Role.MANAGER):
        raise ValidationError({field: f"{user} is not an active rep or manager: leads cannot go to them."})


class RoutingDecision(ImmutableRecord):
    """Who a routed hand-off gave a lead to, and why in words ("round robin in EMEA-DACH, Bo skipped at cap 25").

    `lead_route(preview=True)` returns one unsaved: the same answer, nothing written.
    """

    class Method(models.TextChoices):
        NAMED_ACCOUNT = "named_account", "Account owner"
        ROUND_ROBIN = "round_robin", "Round robin"
        FALLBACK = "fallback", "Fallback queue owner"
        NONE = "none", "Nobody"

    lead = models.ForeignKey("core.Lead", on_delete=models.CASCADE, related_name="routing_decisions")
    territory = models.ForeignKey(
        "core.Territory", null=True, blank=True, on_delete=models.SET_NULL, related_name="routing_decisions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    reason = models.CharField(max_length=1000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"Lead {self.lead_id} → {self.owner or 'nobody'}: {self.reason}"
