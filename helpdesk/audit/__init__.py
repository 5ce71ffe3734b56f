"""The audit log of admin changes: recorded by the services that make them (service.record),
listed for admins at /admin/audit and GET /api/v1/admin/audit."""
