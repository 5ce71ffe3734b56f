"""Promises: what an agent promised a customer on a ticket, by when (rules, service, CLI)."""
