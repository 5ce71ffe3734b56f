"""Satisfaction surveys (the /survey/<token> pages) and service recovery (the leads' follow-ups)."""
from helpdesk.surveys.routes import bp  # noqa: F401
