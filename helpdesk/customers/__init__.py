"""Customers: the customer card, contacts and phone matching."""
