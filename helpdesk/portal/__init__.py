"""The customer self-service portal: my requests, a new request, following and answering one."""
from helpdesk.portal.routes import bp

__all__ = ["bp"]
