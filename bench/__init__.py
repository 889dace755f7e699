"""Load benchmarks: the app's hot paths against a bare-Flask baseline in the same run."""
