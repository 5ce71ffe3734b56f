"""E-mail in: a message piped by the MTA (`flask mail ingest`) or read from IMAP becomes a ticket or a
reply. `parse` is pure (bytes in, a value out); `service` holds the rules and the transaction."""
