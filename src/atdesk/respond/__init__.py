"""The respond stage: composer rules, PII guard, approvals and delivery through the channels."""
