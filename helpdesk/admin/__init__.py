"""Administration: teams, business calendars, SLA policies (rules in service.py)."""
