"""The replay channel: the twcs CSV and JSON Lines, for demos, benchmarks and back-fills."""
