"""Reports for team leads: figures computed by SQL aggregation, the same for pages, API and CSV."""
