"""The durable job queue and its runner contract, below every capability that queues work."""
