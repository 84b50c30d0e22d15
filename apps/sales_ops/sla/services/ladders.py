"""What every SLA write shares: a policy's escalation ladder, its levels and the clock's next check, and
instants shown in local time."""

import datetime as dt

from apps.core import business_time
from apps.sales_ops.sla.models import (
    SlaClock,
    SlaEscalation,
    SlaEvent,
    SlaPolicy,
)

BREACH_REASON = "SLA breached"
Level = SlaEscalation.Level


def _ladder(policy: SlaPolicy) -> list[SlaEscalation]:
    return list(policy.escalations.all())


def _levels(clock: SlaClock, schedule, ladder: list[SlaEscalation]) -> list[tuple[dt.datetime, str]]:
    """Every level this clock passes, with its instant, in time order: warning, breach, after-breach rungs."""
    levels = {Level.WARNING.value: clock.warn_at, Level.BREACH.value: clock.due_at}
    for rung in ladder:
        if rung.level == Level.AFTER_BREACH:
            levels[rung.level_key] = business_time.add_working_time(
                schedule, clock.due_at, dt.timedelta(hours=rung.hours_after_breach)
            )
    return sorted((at, key) for key, at in levels.items())


_LEVEL_EVENTS = {Level.WARNING.value: SlaEvent.Kind.WARNING, Level.BREACH.value: SlaEvent.Kind.BREACH}


def _next_check(clock: SlaClock, schedule, ladder) -> dt.datetime | None:
    done = set(clock.levels_done)
    return next((at for at, key in _levels(clock, schedule, ladder) if key not in done), None)


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"
