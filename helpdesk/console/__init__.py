"""The agent console: the queue, the ticket page, and the actions agents take on tickets."""
from helpdesk.console.routes import bp

__all__ = ["bp"]
