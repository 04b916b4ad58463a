"""Callback requests: the phone agents' queue, claiming and recording calls."""
