"""The editors' dashboard shell: home, navigation and the panels features add to it."""
