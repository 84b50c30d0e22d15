"""Sales ops portal pages: lead SLAs (`sla`) and the deal desk (`deal_desk`)."""
