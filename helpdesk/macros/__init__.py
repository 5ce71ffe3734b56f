"""Canned responses (macros): replies with placeholders that may also set status and priority,
managed by leads and admins at /lead/macros and used from the console's ticket page."""
from helpdesk.macros.routes import bp

__all__ = ["bp"]
