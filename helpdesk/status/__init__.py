"""How the deployment is doing: which processes are alive (heartbeats), whether the database and
Redis answer, the mail queue, the search index's lag. Shown by `flask status` and /admin/status."""
