"""Signals core sends so that the ops apps can react without core knowing about them."""

from django.dispatch import Signal

# Sent inside the transaction of every lead move, after the lead is saved: receivers that write (an SLA
# clock starting or stopping) commit or roll back together with the move. Arguments: `lead`, `transition`.
lead_moved = Signal()
