"""The readers' side as one site: the home page, the shared header and footer, and formats."""
