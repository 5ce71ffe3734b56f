"""Satisfaction surveys (the /survey/<token> pages, rules and sending) and service recovery (the
leads' follow-ups). The blueprint is in routes.py."""
