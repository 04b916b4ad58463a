"""Brands and their accounts on each network."""
