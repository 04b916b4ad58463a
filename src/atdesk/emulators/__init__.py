"""Local HTTP servers that speak each network's wire format, faults included, for tests and demos."""
