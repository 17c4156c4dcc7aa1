"""pytest plugin: collects rule fixture files as test items (being written)."""
