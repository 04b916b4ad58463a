"""Incidents: one problem, many customers, one answer to each (issue 13, ADR 87)."""
