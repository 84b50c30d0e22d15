"""Lead SLA writes: clocks start and stop with lead moves, pause and resume, and the scan that alerts.

In layers: `ladders` (the escalation ladder and local times every module shares) beneath `policies`, `clocks`,
`scan` and `alerts` (the sender and the daily digest); no two modules import each other.
"""

from apps.sales_ops.sla.services.alerts import LOCK_NOT_AVAILABLE, MET, sla_alerts_send, sla_digest_send
from apps.sales_ops.sla.services.clocks import sla_clock_pause, sla_clock_resume, sla_clock_start, sla_on_lead_moved
from apps.sales_ops.sla.services.ladders import BREACH_REASON, Level
from apps.sales_ops.sla.services.policies import sla_policy_for, sla_policy_save
from apps.sales_ops.sla.services.scan import sla_scan

__all__ = [
    "BREACH_REASON",
    "Level",
    "sla_policy_for",
    "sla_policy_save",
    "sla_on_lead_moved",
    "sla_clock_start",
    "sla_clock_pause",
    "sla_clock_resume",
    "sla_scan",
    "LOCK_NOT_AVAILABLE",
    "MET",
    "sla_alerts_send",
    "sla_digest_send",
]
