"""atdesk: social customer care, where @ is the new 1-800."""

__version__ = "0.1.0"
