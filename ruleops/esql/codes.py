"""The diagnostic codes the ES|QL front end reports under (declared, with their
documentation, in `ruleops.checks.esql`; the front end never imports the checks)."""

from __future__ import annotations

SYNTAX = "RO700"
UNKNOWN_COMMAND = "RO701"
UNKNOWN_FUNCTION = "RO702"
FUNCTION_ARGUMENTS = "RO703"
TYPE_MISMATCH = "RO704"
UNKNOWN_COLUMN = "RO705"
LIKE_SQL_WILDCARD = "RO706"
LIKE_WITHOUT_WILDCARD = "RO707"
INVALID_REGEX = "RO708"
INVALID_PATTERN = "RO709"
MULTI_VALUED = "RO710"
NO_KEEP = "RO711"
MISSING_METADATA = "RO712"
COLUMN_NAMING = "RO713"
NEWER_THAN_STACK = "RO714"
NOT_PRODUCED = "RO715"
