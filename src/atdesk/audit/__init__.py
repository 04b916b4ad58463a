"""The audit trail: who changed what, kept below every capability that records changes."""
