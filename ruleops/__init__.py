"""ruleops: a linter and test harness for Elastic detection rules kept as TOML."""

__version__ = "0.1.0"
