"""What a resolution costs: agents' handling time, API spend and bot runs, against a phone call."""
