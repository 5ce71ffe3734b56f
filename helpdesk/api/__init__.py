"""The JSON REST API under /api/v1 (contract: shared/API.md)."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from helpdesk.api import admin, auth, cti, customers, mail, openapi, products, reports, surveys, tickets, tokens, users  # noqa: E402,F401  (routes register on bp)
import knowledge_base.api  # noqa: E402,F401  (KB routes register on bp)
