"""The organisation: users and their manager chain, roles, territories and business calendars."""

import datetime as dt
import zoneinfo
from functools import cached_property

import holidays as holidays_lib
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core import business_time
from apps.core.timezones import time_zone_names, validate_time_zone


def full_name(first: str, last: str) -> str:
    """How smops writes a person's name, wherever it shows one."""
    return f"{first} {last}".strip()


class Role(models.TextChoices):
    """Roles are Django groups of these names; superusers are admins."""

    REP = "rep", "Sales rep"
    MANAGER = "manager", "Manager"
    SALES_OPS = "sales_ops", "Sales ops"
    MARKETING_OPS = "marketing_ops", "Marketing ops"
    LEGAL = "legal", "Legal"  # reviews customer-facing content


class User(AbstractUser):
    """A person who signs in. `manager` is the chain that visibility and escalations climb."""

    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    territory = models.ForeignKey(
        "core.Territory", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # Not a `choices` list: the zones come from the machine's tz database, which changes without a migration.
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA time zone the portal and e-mails show times in; blank: the territory's calendar zone",
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(manager=F("id")), name="user_not_own_manager"),
        ]

    def clean(self):
        super().clean()
        if self.pk and self.manager_id and self.pk in {u.pk for u in self.manager.manager_chain(include_self=True)}:
            raise ValidationError({"manager": "This manager reports (directly or not) to this user: a cycle."})

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.role_names.intersection(roles))

    @property
    def is_ops(self) -> bool:
        """For templates: the rule of the same name in apps/core/permissions.py."""
        from apps.core.permissions import is_ops  # the rules import the models

        return is_ops(self)

    def manager_chain(self, *, include_self: bool = False) -> list["User"]:
        """This user's managers, nearest first; stops at a cycle rather than looping."""
        chain, seen, current = [], set(), self if include_self else self.manager
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.manager
        return chain

    def __str__(self):
        return self.get_full_name() or self.username


class BusinessCalendar(models.Model):
    """When a team works: an IANA time zone, weekly working hours and holidays.

    Holidays are the dates listed here plus, when `holiday_country` is set, the public holidays that the
    `holidays` package knows for that country (and subdivision).
    """

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, help_text="IANA time zone, e.g. Europe/Berlin")
    holiday_country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 country code whose public holidays apply (optional)"
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.timezone})"

    def clean(self):
        super().clean()
        if self.timezone not in time_zone_names():
            raise ValidationError({"timezone": f"'{self.timezone}' is not an IANA time zone."})
        if self.holiday_country:
            self.holiday_country = self.holiday_country.upper()
            supported = holidays_lib.list_supported_countries()
            if self.holiday_country not in supported:
                raise ValidationError({"holiday_country": f"No public holidays known for '{self.holiday_country}'."})
            if self.holiday_subdivision and self.holiday_subdivision not in supported[self.holiday_country]:
                raise ValidationError({"holiday_subdivision": "Unknown subdivision for this country."})

    def schedule(self, *, years: range | None = None) -> business_time.Schedule:
        """The pure-Python schedule that business-time arithmetic runs on (two queries)."""
        weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for wh in self.working_hours.all():
            weekly[wh.weekday].append((_minutes(wh.start), _minutes(wh.end) or business_time.MINUTES_PER_DAY))
        days = {holiday.date for holiday in self.holidays.all()}  # .all(), so that a prefetch serves it
        if self.holiday_country:
            this_year = timezone.now().year
            years = years or range(this_year - 2, this_year + 6)
            days |= set(
                holidays_lib.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision or None, years=years
                ).keys()
            )
        return business_time.Schedule(
            tz=zoneinfo.ZoneInfo(self.timezone),
            weekly=tuple(tuple(sorted(day)) for day in weekly),
            holidays=frozenset(days),
        )


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


class WorkingHours(models.Model):
    """One working window on one weekday, in the calendar's local time. An end of 00:00 means midnight."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 means the end of the day")

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")) | Q(end=dt.time(0)), name="working_hours_end_after_start"
            ),
            models.UniqueConstraint(fields=["calendar", "weekday", "start"], name="working_hours_unique_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        super().clean()
        if self.start is None or self.end is None:
            return
        if self.end != dt.time(0) and self.end <= self.start:
            raise ValidationError({"end": "The window must end after it starts."})
        if self.calendar_id:
            end = self.end if self.end != dt.time(0) else dt.time.max
            overlapping = (
                WorkingHours.objects.filter(calendar_id=self.calendar_id, weekday=self.weekday)
                .exclude(pk=self.pk)
                .filter(start__lt=end)
                .filter(Q(end__gt=self.start) | Q(end=dt.time(0)))
            )
            if overlapping.exists():
                raise ValidationError("This window overlaps another window on the same day.")


class Holiday(models.Model):
    """A date on which a calendar does not work, in addition to its country's public holidays."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")]

    def __str__(self):
        return f"{self.date}: {self.name}"


class Territory(models.Model):
    """A sales team's patch: its manager and the business calendar its clocks count in.

    Territories form a tree (a region, the territories in it) through `parent`; a cycle is refused.
    """

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=30, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The region this territory belongs to (empty for a top-level region)",
    )
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_territories"
    )
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="territories")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "territories"
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="territory_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.parent_id and self.pk and self.pk in {t.pk for t in self.parent.ancestors(include_self=True)}:
            raise ValidationError({"parent": f"'{self.parent}' lies under '{self}' (or is it): a cycle."})

    def ancestors(self, *, include_self: bool = False) -> list["Territory"]:
        """This territory's parents, nearest first; stops at a cycle rather than looping (one query a level)."""
        chain, seen, current = [], set(), self if include_self else self.parent
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.parent
        return chain
