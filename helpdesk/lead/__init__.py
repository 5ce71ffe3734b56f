"""The team leads' area (/lead): the live dashboard, reports, follow-ups. Blueprint in routes.py."""
