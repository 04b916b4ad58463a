"""Noise under control: block lists edited by admins, the review list of filtered posts."""
