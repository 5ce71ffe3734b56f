"""E-mail: delivering the outbox (SMTP, or files in the instance outbox when no server is configured)."""
