"""Metrics, spike detection, clusters and reports."""
