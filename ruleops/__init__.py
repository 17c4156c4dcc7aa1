"""ruleops: a linter and test harness for Elastic detection rules kept as TOML."""

__version__ = "0.1.0"

from ruleops.api import check_query, evaluate, parse

__all__ = ["__version__", "check_query", "evaluate", "parse"]
