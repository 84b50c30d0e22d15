"""Sales ops writes: lead SLA clocks and scans (`sla`), deal desk requests and decisions (`deal_desk`)."""
