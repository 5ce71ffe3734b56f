"""The customer self-service portal: my requests, a new request, following and answering one; accounts."""
from helpdesk.portal.routes import bp
from helpdesk.portal import account  # noqa: F401,E402  (registers the account pages and the profile)

__all__ = ["bp"]
