"""Accounts: login/logout pages, API tokens, and loading the current user from a session or a token."""
