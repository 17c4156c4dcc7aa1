"""An independent, deliberately simple model of Elasticsearch's string matching.

Written from the semantics, not from ruleops' matcher: wildcard matching by dynamic
programming, and case folding as Elasticsearch's case-insensitive automata do it, which
fold ASCII letters only (`AutomatonQueries.toCaseInsensitiveChar` leaves code points above
128 as they are).
"""


def ascii_fold(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def wildcard(pattern: str, value: str, *, case_insensitive: bool) -> bool:
    """`*` any run, `?` one character, everything else literal; anchored at both ends."""
    if case_insensitive:
        pattern, value = ascii_fold(pattern), ascii_fold(value)
    rows, cols = len(pattern), len(value)
    # reach[j]: the first i pattern characters can match the first j value characters
    reach = [True] + [False] * cols
    for i in range(rows):
        p = pattern[i]
        nxt = [False] * (cols + 1)
        if p == "*":
            seen = False
            for j in range(cols + 1):
                seen = seen or reach[j]
                nxt[j] = seen
        else:
            for j in range(1, cols + 1):
                nxt[j] = reach[j - 1] and (p == "?" or p == value[j - 1])
        reach = nxt
    return reach[cols]


def equal(a: str, b: str, *, case_insensitive: bool) -> bool:
    return ascii_fold(a) == ascii_fold(b) if case_insensitive else a == b
