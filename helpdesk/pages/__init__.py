"""The landing page of each role: the agent console, the lead dashboard, the portal, the admin home."""
from helpdesk.pages.routes import bp

__all__ = ["bp"]
