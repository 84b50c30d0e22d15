"""Sales ops reads: SLA lists and compliance (`sla`), deal desk inboxes and reports (`deal_desk`)."""
