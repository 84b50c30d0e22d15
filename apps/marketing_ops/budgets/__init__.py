"""Campaign budgets: teams, envelopes, campaigns, spend, budget alerts, attribution and ROI."""
