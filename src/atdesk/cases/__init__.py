"""Cases: lifecycle, queues, assignment, SLA, approvals and the audit trail."""
