"""Reader correction reports: intake (widget, API, form), grouping, triage, the public log."""
