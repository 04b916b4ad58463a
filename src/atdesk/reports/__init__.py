"""Reports: metrics a team lead reads, computed from stored facts (ADR 91)."""
