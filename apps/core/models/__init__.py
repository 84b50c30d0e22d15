"""Models of the shared core. Import from here: `from apps.core.models import Lead`."""

from .customers import Account, Contact, Lead, LeadStage, LeadTransition, Opportunity, OpportunityStage
from .health import WorkerHeartbeat
from .lists import SavedFilter
from .money import ExchangeRate
from .notifications import Delivery, DigestEntry, NotificationKind, NotificationPreference
from .organisation import BusinessCalendar, Holiday, Role, Territory, User, WorkingHours
from .outbox import EmailMessage
from .pipeline import ForecastCategory, StageForecastCategory

__all__ = [
    "Account",
    "BusinessCalendar",
    "Contact",
    "Delivery",
    "DigestEntry",
    "EmailMessage",
    "ExchangeRate",
    "ForecastCategory",
    "Holiday",
    "Lead",
    "LeadStage",
    "LeadTransition",
    "NotificationKind",
    "NotificationPreference",
    "Opportunity",
    "OpportunityStage",
    "Role",
    "SavedFilter",
    "StageForecastCategory",
    "Territory",
    "User",
    "WorkerHeartbeat",
    "WorkingHours",
]
