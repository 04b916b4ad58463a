"""Local HTTP servers speaking each network's wire format, faults included, for tests and demos."""
