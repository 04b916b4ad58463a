"""SQLAlchemy tables, one module per aggregate; the only place tables live."""
