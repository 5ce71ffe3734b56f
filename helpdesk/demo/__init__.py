"""Demo data for trying the helpdesk and for the benchmark."""
