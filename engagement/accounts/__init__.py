"""Editors (password sign-in, roles) and patrons (magic links): who someone is and may do."""
