"""Understanding each inbound post: intent, sentiment, entities, PII, spam, abuse, priority."""
