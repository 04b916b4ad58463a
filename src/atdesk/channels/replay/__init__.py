"""The replay channel: the Customer Support on Twitter CSV and JSON Lines, for demos and back-fills."""
