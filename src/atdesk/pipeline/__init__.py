"""normalize -> deduplicate -> filter -> thread -> triage -> route, and the bus between stages."""
