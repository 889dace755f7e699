"""`flask demo seed`: demo data for development (idempotent)."""
