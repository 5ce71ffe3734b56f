"""Tickets: lifecycle, conversation, audit trail."""
