"""ES|QL: front end (grammar, typed pipeline, checks) and evaluator."""
