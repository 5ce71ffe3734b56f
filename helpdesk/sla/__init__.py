"""SLA maths: business-hours calendars and per-ticket SLA clocks (pure, no Flask, no database)."""
