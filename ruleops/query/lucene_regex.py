r"""Lucene regular expressions, matched in time linear in the text.

Elasticsearch runs EQL `regex`/`regex~`, ES|QL `RLIKE` and `regexp` queries as Lucene
`RegExp` automata (`org.apache.lucene.util.automaton.RegExp`): the pattern always matches the
whole value, nothing backtracks, and the syntax is Lucene's own, not Perl's. This module reads
that syntax and matches with an automaton, so that no pattern and no value can make matching
slower than linear in the value (`(a+)+b` against thirty `a`s takes microseconds).

Syntax, as Lucene's `RegExp` javadoc and Elasticsearch's "Regular expression syntax" page
describe it, with every optional operator on (Elasticsearch's `regexp` query defaults to
flags `ALL`; the `RLikePattern` of EQL and ES|QL passes `ALL` plus the complement). KQL has
no regular expression syntax (Kibana's grammar has none): the patterns ruleops lowers KQL
wildcards into are escaped characters and `.*`, which read alike under any flags.

    .            any one character, newline included      ^ $  ordinary characters
    ? * +        zero or one, any number, one or more      {n} {n,} {n,m}  counted
    ab  a|b      concatenation, union                      a&b  intersection (both match)
    ~a           complement: any string `a` does not match (binds tighter than `*`)
    ( )          grouping; `()` is the empty string
    [a-z0-9_]    a class of single characters and ranges;  [^…]  any character not in it
    \d \s \w     [0-9], [ \t\n\r], [a-zA-Z_0-9]; \D \S \W their complements (in classes too)
    \c           the character c itself; `\` before another ASCII letter is an error
    "text"       the text literally (no escapes inside)
    @            any string                                #    no string at all
    <n-m>        a decimal number from n to m: zero-padded to the width of n when n and m
                 are written with as many digits, otherwise with any number of leading zeros

Lucene's parser has quirks that decide what a pattern means, kept here: an operator where an
operand is expected is an ordinary character (`*a`, `a|*`, `(?i)x` is the literal text `?i`
then `x`); quantifiers stack (`a*?` is `(a*)?`, not a lazy star); inside a class only `\`,
`-` and the closing `]` are special, and the first character after `[` or `[^` is always a
member (`[]a]`). `<name>` refers to a named automaton, which Elasticsearch never defines, so
it is an error; so are an unclosed `(`, `[`, `"` or `<`, a range whose ends are reversed, an
incomplete `{…}`, and a pattern that ends where an operand is expected (`a|`).

Case-insensitive matching (`regex~`, `case_insensitive`) is Lucene's ASCII_CASE_INSENSITIVE,
which Elasticsearch's `regexp` query uses: ASCII letters written as single characters or in
strings match either case; ranges and predefined classes are not folded (`[a-z]` does not
match `A`), and letters beyond ASCII compare exactly, as in ruleops' wildcards.

How it matches: the pattern becomes a Thompson automaton (states joined by character-range
and empty transitions) simulated on a set of states, one step per character; the sets met are
cached as the states of a lazily built DFA, and the cache is emptied when it grows past its
budget, so memory stays bounded whatever the input. Complement and intersection need a
deterministic operand: as Lucene does, those operands are determinized (subset construction)
within a budget, and a pattern that would exceed it is refused as too complex, as
Elasticsearch refuses one whose automaton exceeds its determinization limit.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

MAX_CHAR = 0x10FFFF

# The automaton of one pattern may have at most this many states (a repetition such as
# `.{0,9999}` needs three per copy); Elasticsearch's own limit, 10,000 determinized states,
# refuses such patterns sooner.
MAX_NFA_STATES = 60_000
# Operands of `~` and `&` are determinized within this many states (Lucene's default
# determinization limit is 10,000 too).
MAX_DFA_STATES = 10_000
# Lucene refuses `x{n,m}` when the automaton of `x` times the count exceeds its limit; for a
# single character that is a count above 10,000 (`RegExp.toAutomaton`, REPEAT_MIN/MINMAX).
MAX_SINGLE_CHAR_REPEAT = 10_000
MAX_GROUP_NESTING = 1_000
# The lazily built DFA keeps at most this many cached transitions before starting afresh.
CACHE_TRANSITIONS = 50_000

_INT_MAX = 2**31 - 1

# A set of characters: sorted, disjoint half-open intervals flattened into one tuple,
# (lo0, hi0, lo1, hi1, …) with each hi exclusive; `c` is in it when bisect_right is odd.
Ranges = tuple[int, ...]

ANY: Ranges = (0, MAX_CHAR + 1)


class LuceneRegexError(ValueError):
    """A pattern Lucene rejects (or one too complex to run), located in the pattern."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------- character sets


def _ranges(pairs: Iterable[tuple[int, int]]) -> Ranges:
    """Normalise inclusive (lo, hi) pairs into a Ranges tuple."""
    out: list[int] = []
    for lo, hi in sorted(pairs):
        if out and lo <= out[-1]:
            out[-1] = max(out[-1], hi + 1)
        else:
            out += [lo, hi + 1]
    return tuple(out)


def _pairs(ranges: Ranges) -> list[tuple[int, int]]:
    return [(ranges[i], ranges[i + 1] - 1) for i in range(0, len(ranges), 2)]


def _complement(ranges: Ranges) -> Ranges:
    bounds = [0, *ranges, MAX_CHAR + 1]
    return tuple(
        value
        for i in range(0, len(bounds), 2)
        if bounds[i] < bounds[i + 1]
        for value in (bounds[i], bounds[i + 1])
    )


def _contains(ranges: Ranges, code: int) -> bool:
    return bisect.bisect_right(ranges, code) & 1 == 1


def _char(code: int, fold: bool) -> Ranges:
    """One character; with `fold`, an ASCII letter in both cases (Lucene folds code points
    up to 128 only)."""
    if fold and code < 128 and chr(code).isalpha():
        return _ranges([(code, code), (ord(chr(code).swapcase()),) * 2])
    return (code, code + 1)


_PREDEFINED: dict[str, Ranges] = {
    "d": _ranges([(48, 57)]),
    "s": _ranges([(32, 32), (9, 10), (13, 13)]),
    "w": _ranges([(48, 57), (65, 90), (95, 95), (97, 122)]),
}
for _name in "dsw":
    _PREDEFINED[_name.upper()] = _complement(_PREDEFINED[_name])


# ---------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, eq=False)
class _Chars:
    """One character from a set."""

    ranges: Ranges


@dataclass(frozen=True, eq=False)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, eq=False)
class _Alt:
    items: tuple[_Node, ...]


@dataclass(frozen=True, eq=False)
class _Both:
    """Intersection: strings every item matches."""

    items: tuple[_Node, ...]
    at: int


@dataclass(frozen=True, eq=False)
class _Not:
    """Complement: strings the item does not match."""

    item: _Node
    at: int


@dataclass(frozen=True, eq=False)
class _Repeat:
    item: _Node
    low: int
    high: int | None  # None: no upper bound
    at: int


@dataclass(frozen=True, eq=False)
class _AnyString:
    pass


@dataclass(frozen=True, eq=False)
class _Nothing:
    pass


_Node = _Chars | _Seq | _Alt | _Both | _Not | _Repeat | _AnyString | _Nothing

_EMPTY_STRING = _Seq(())


def _seq(items: Sequence[_Node]) -> _Node:
    return items[0] if len(items) == 1 else _Seq(tuple(items))


def _text(text: str, fold: bool) -> _Node:
    return _seq([_Chars(_char(ord(c), fold)) for c in text]) if text else _EMPTY_STRING


# ---------------------------------------------------------------------------- parsing


class _Frame:
    """A group being parsed: its finished union branches, the intersection operands of the
    current branch, the items of the current concatenation."""

    __slots__ = ("alternatives", "complements", "intersected", "opened_at", "sequence")

    def __init__(self, complements: list[int], opened_at: int) -> None:
        self.alternatives: list[_Node] = []
        self.intersected: list[_Node] = []
        self.sequence: list[_Node] = []
        self.complements = complements  # offsets of the `~`s before the group
        self.opened_at = opened_at


class _Parser:
    """Lucene's recursive-descent grammar (union ⊃ intersection ⊃ concatenation ⊃ repeat ⊃
    complement ⊃ class / simple expression), run with an explicit stack of open groups so
    that nesting depth never meets Python's recursion limit."""

    def __init__(self, pattern: str, fold: bool) -> None:
        self.pattern = pattern
        self.fold = fold
        self.pos = 0

    def more(self) -> bool:
        return self.pos < len(self.pattern)

    def peek(self, chars: str) -> bool:
        return self.pos < len(self.pattern) and self.pattern[self.pos] in chars

    def take(self, char: str) -> bool:
        if self.peek(char):
            self.pos += 1
            return True
        return False

    def next_char(self) -> int:
        if not self.more():
            raise self.unexpected_end()
        self.pos += 1
        return ord(self.pattern[self.pos - 1])

    def unexpected_end(self) -> LuceneRegexError:
        if not self.pattern:
            return LuceneRegexError("the pattern is empty", 0)
        last = self.pattern[-1]
        return LuceneRegexError(
            f"the pattern ends after `{last}`, which needs something to follow it",
            len(self.pattern) - 1,
        )

    def parse(self) -> _Node:
        if not self.pattern:
            return _EMPTY_STRING
        stack: list[_Frame] = []
        frame = _Frame([], -1)
        while True:
            complements = []
            while self.peek("~"):
                complements.append(self.pos)
                self.pos += 1
            if self.peek("("):
                opened_at = self.pos
                self.pos += 1
                if not self.take(")"):
                    if len(stack) >= MAX_GROUP_NESTING:
                        raise LuceneRegexError(
                            f"groups are nested too deeply (more than {MAX_GROUP_NESTING})",
                            opened_at,
                        )
                    stack.append(frame)
                    frame = _Frame(complements, opened_at)
                    continue
                atom: _Node = _EMPTY_STRING
            elif self.peek("["):
                atom = self.char_class()
            else:
                atom = self.simple()
            while True:
                frame.sequence.append(self.postfix(self.complemented(atom, complements)))
                if self.more() and not self.peek(")|&"):
                    break  # the next item of this concatenation
                frame.intersected.append(_seq(frame.sequence))
                frame.sequence = []
                if self.take("&"):
                    break
                branch = frame.intersected
                frame.alternatives.append(
                    branch[0] if len(branch) == 1 else _Both(tuple(branch), frame.opened_at + 1)
                )
                frame.intersected = []
                if self.take("|"):
                    break
                alternatives = frame.alternatives
                node = alternatives[0] if len(alternatives) == 1 else _Alt(tuple(alternatives))
                if not stack:
                    if self.more():
                        raise LuceneRegexError(
                            "unbalanced `)`: no `(` before it is left open", self.pos
                        )
                    return node
                if not self.take(")"):
                    raise LuceneRegexError("the `(` here is never closed with `)`", frame.opened_at)
                atom, complements = node, frame.complements
                frame = stack.pop()

    @staticmethod
    def complemented(atom: _Node, complements: list[int]) -> _Node:
        for at in reversed(complements):
            atom = _Not(atom, at)
        return atom

    def postfix(self, atom: _Node) -> _Node:
        while self.peek("?*+{"):
            at = self.pos
            op = self.pattern[self.pos]
            self.pos += 1
            if op == "?":
                atom = _Repeat(atom, 0, 1, at)
            elif op == "*":
                atom = _Repeat(atom, 0, None, at)
            elif op == "+":
                atom = _Repeat(atom, 1, None, at)
            else:
                low = self.count(at)
                high: int | None = low
                if self.take(","):
                    high = self.count(at) if self.peek("0123456789") else None
                if not self.take("}"):
                    raise LuceneRegexError(
                        "a repetition is written `{n}`, `{n,}` or `{n,m}`; `}` is missing",
                        at,
                    )
                atom = self.counted(atom, low, high, at)
        return atom

    def count(self, at: int) -> int:
        start = self.pos
        while self.peek("0123456789"):
            self.pos += 1
        if start == self.pos:
            raise LuceneRegexError(
                "`{` must be followed by a number: `{n}`, `{n,}` or `{n,m}` "
                "(write `\\{` for a literal brace)",
                at,
            )
        value = int(self.pattern[start : self.pos])
        if value > _INT_MAX:
            raise LuceneRegexError("the repetition count is too large", start)
        return value

    @staticmethod
    def counted(atom: _Node, low: int, high: int | None, at: int) -> _Node:
        if isinstance(atom, _Chars) and (high if high is not None else low) > (
            MAX_SINGLE_CHAR_REPEAT
        ):
            raise LuceneRegexError(
                f"the regular expression is too complex: a character repeated more than "
                f"{MAX_SINGLE_CHAR_REPEAT:,} times (Elasticsearch refuses it)",
                at,
            )
        return _Repeat(atom, low, high, at)

    def simple(self) -> _Node:
        at = self.pos
        char = self.pattern[at] if self.more() else ""
        if char == ".":
            self.pos += 1
            return _Chars(ANY)
        if char == "#":
            self.pos += 1
            return _Nothing()
        if char == "@":
            self.pos += 1
            return _AnyString()
        if char == '"':
            end = self.pattern.find('"', at + 1)
            if end < 0:
                raise LuceneRegexError(
                    'the `"` here opens a literal string that is never closed', at
                )
            self.pos = end + 1
            return _text(self.pattern[at + 1 : end], self.fold)
        if char == "<":
            return self.interval()
        predefined = self.escape()
        if predefined is not None:
            return _Chars(predefined)
        return _Chars(_char(self.next_char(), self.fold))

    def escape(self) -> Ranges | None:
        """After `\\`: a predefined class, or an escaped backslash; None (with the backslash
        consumed) when the next character is simply taken literally."""
        if not self.peek("\\"):
            return None
        at = self.pos
        self.pos += 1
        if self.peek("dDwWsS"):
            self.pos += 1
            return _PREDEFINED[self.pattern[self.pos - 1]]
        if self.peek("\\"):
            return _char(self.next_char(), self.fold)
        if self.more() and self.pattern[self.pos].isascii() and self.pattern[self.pos].isalpha():
            raise LuceneRegexError(
                f"`\\{self.pattern[self.pos]}` is not an escape Lucene knows: the classes are "
                "\\d \\D \\s \\S \\w \\W, and a backslash before another letter is an error",
                at,
            )
        return None

    def char_class(self) -> _Node:
        opened_at = self.pos
        self.pos += 1
        negated = self.take("^")
        members = [self.class_member()]
        while self.more() and not self.peek("]"):
            members.append(self.class_member())
        if not self.take("]"):
            raise LuceneRegexError("the `[` here is never closed with `]`", opened_at)
        ranges = _ranges(pair for member in members for pair in _pairs(member))
        return _Chars(_complement(ranges) if negated else ranges)

    def class_member(self) -> Ranges:
        at = self.pos
        predefined = self.escape()
        if predefined is not None:
            return predefined
        first = self.next_char()
        if not self.take("-"):
            return _char(first, self.fold)
        self.take("\\")
        last = self.next_char()
        if first > last:
            raise LuceneRegexError(
                f"the range `{chr(first)}-{chr(last)}` runs backwards: its first character "
                "comes after its last",
                at,
            )
        return (first, last + 1)

    def interval(self) -> _Node:
        at = self.pos
        end = self.pattern.find(">", at + 1)
        if end < 0:
            raise LuceneRegexError(
                "the `<` here is never closed with `>` (write `\\<` for a literal `<`)", at
            )
        self.pos = end + 1
        body = self.pattern[at + 1 : end]
        dash = body.find("-")
        if dash < 0:
            raise LuceneRegexError(
                f"`<{body}>` names an automaton, and Elasticsearch defines none; write `\\<` "
                "for a literal `<`, or `<n-m>` for a number from n to m",
                at,
            )
        low, high = _java_int(body[:dash]), _java_int(body[dash + 1 :])
        if low is None or high is None or dash != body.rfind("-"):
            raise LuceneRegexError(
                f"`<{body}>` is not a numeric interval: write `<n-m>` with two whole numbers",
                at,
            )
        digits = dash if dash == len(body) - dash - 1 else 0
        return _interval(min(low, high), max(low, high), digits)


def _java_int(text: str) -> int | None:
    """`Integer.parseInt`: an optional `+`, then decimal digits, within 32 bits."""
    digits = text[1:] if text.startswith("+") else text
    if not digits or not digits.isdecimal():
        return None
    value = int(digits)
    return value if value <= _INT_MAX else None


_DIGIT = _Chars((48, 58))


def _interval(low: int, high: int, digits: int) -> _Node:
    """Decimal numbers from low to high: exactly `digits` wide when digits > 0, otherwise
    without padding but after any number of zeros (Lucene's `Automata.makeDecimalInterval`)."""
    if digits:
        return _fixed_width(str(low).zfill(digits), str(high).zfill(digits))
    widths = []
    for width in range(len(str(low)), len(str(high)) + 1):
        first = max(low, 10 ** (width - 1) if width > 1 else 0)
        last = min(high, 10**width - 1)
        widths.append(_fixed_width(str(first), str(last)))
    zeros = _Repeat(_Chars((48, 49)), 0, None, 0)
    return _Seq((zeros, widths[0] if len(widths) == 1 else _Alt(tuple(widths))))


def _fixed_width(low: str, high: str) -> _Node:
    """Strings of len(low) digits between low and high (same width), digit by digit."""
    if not low:
        return _EMPTY_STRING
    a, b = int(low[0]), int(high[0])
    rest = len(low) - 1
    if a == b:
        return _seq([_Chars((48 + a, 49 + a)), _fixed_width(low[1:], high[1:])])
    options: list[_Node] = [_seq([_Chars((48 + a, 49 + a)), _fixed_width(low[1:], "9" * rest)])]
    if b - a > 1:
        options.append(_seq([_Chars((49 + a, 48 + b)), *[_DIGIT] * rest]))
    options.append(_seq([_Chars((48 + b, 49 + b)), _fixed_width("0" * rest, high[1:])]))
    return _Alt(tuple(options))


# ---------------------------------------------------------------------------- automata


class _TooComplex(Exception):
    pass


class _Nfa:
    """States numbered from 0; each has empty (ε) transitions and character transitions."""

    def __init__(self) -> None:
        self.empty: list[list[int]] = []
        self.moves: list[list[tuple[Ranges, int]]] = []

    def __len__(self) -> int:
        return len(self.empty)

    def state(self) -> int:
        if len(self.empty) >= MAX_NFA_STATES:
            raise _TooComplex
        self.empty.append([])
        self.moves.append([])
        return len(self.empty) - 1

    def copy(self, low: int, high: int) -> int:
        """Append a copy of states low..high-1 (which only lead among themselves); returns
        the offset of the copy."""
        if len(self.empty) + high - low > MAX_NFA_STATES:
            raise _TooComplex
        offset = len(self.empty) - low
        for s in range(low, high):
            self.empty.append([t + offset for t in self.empty[s]])
            self.moves.append([(r, t + offset) for r, t in self.moves[s]])
        return offset

    def truncate(self, low: int) -> None:
        del self.empty[low:]
        del self.moves[low:]

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        todo = list(seen)
        empty = self.empty
        while todo:
            for t in empty[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)


_Fragment = tuple[int, int]  # (start, end): end has no outgoing transition when made


def _children(node: _Node) -> tuple[_Node, ...]:
    if isinstance(node, _Seq | _Alt | _Both):
        return node.items
    if isinstance(node, _Not | _Repeat):
        return (node.item,)
    return ()


def _build(root: _Node) -> tuple[_Nfa, _Fragment]:
    """The Thompson automaton of a tree, built bottom-up with an explicit stack. A subtree's
    states are numbered contiguously, so a repetition can copy its operand."""
    nfa = _Nfa()
    work: list[tuple[_Node, int]] = [(root, -1)]
    built: list[_Fragment] = []
    while work:
        node, low = work.pop()
        children = _children(node)
        if low < 0:
            work.append((node, len(nfa)))
            work.extend((child, -1) for child in reversed(children))
            continue
        parts = built[len(built) - len(children) :]
        del built[len(built) - len(children) :]
        try:
            built.append(_assemble(nfa, node, parts, low))
        except _TooComplex:
            raise LuceneRegexError(
                "the regular expression is too complex: its automaton would need more than "
                f"{MAX_NFA_STATES:,} states (Elasticsearch refuses it as well)",
                getattr(node, "at", 0),
            ) from None
    return nfa, built[0]


def _assemble(nfa: _Nfa, node: _Node, parts: list[_Fragment], low: int) -> _Fragment:
    if isinstance(node, _Chars):
        start, end = nfa.state(), nfa.state()
        nfa.moves[start].append((node.ranges, end))
        return start, end
    if isinstance(node, _Seq):
        if not parts:
            state = nfa.state()
            return state, state
        for (_, end), (start, _) in itertools.pairwise(parts):
            nfa.empty[end].append(start)
        return parts[0][0], parts[-1][1]
    if isinstance(node, _Alt):
        start, end = nfa.state(), nfa.state()
        for first, last in parts:
            nfa.empty[start].append(first)
            nfa.empty[last].append(end)
        return start, end
    if isinstance(node, _AnyString):
        start, end = nfa.state(), nfa.state()
        nfa.moves[start].append((ANY, start))
        nfa.empty[start].append(end)
        return start, end
    if isinstance(node, _Nothing):
        return nfa.state(), nfa.state()
    if isinstance(node, _Repeat):
        return _repeat(nfa, node, parts[0], low)
    if isinstance(node, _Not):
        dfa = _Dfa.of(nfa, parts[0])
        nfa.truncate(low)
        return dfa.complemented().emit(nfa)
    assert isinstance(node, _Both)
    dfas = [_Dfa.of(nfa, part) for part in parts]
    nfa.truncate(low)
    product = dfas[0]
    for other in dfas[1:]:
        product = product.intersected(other)
    return product.emit(nfa)


def _repeat(nfa: _Nfa, node: _Repeat, operand: _Fragment, low: int) -> _Fragment:
    high = node.high
    if high is not None and node.low > high:  # Lucene: the empty language
        nfa.truncate(low)
        return nfa.state(), nfa.state()
    copies = node.low + (high - node.low if high is not None else 1)
    if copies == 0:
        nfa.truncate(low)
        state = nfa.state()
        return state, state
    size = len(nfa) - low
    if len(nfa) + size * (copies - 1) > MAX_NFA_STATES:
        raise _TooComplex
    pieces = [operand]
    for _ in range(copies - 1):
        offset = nfa.copy(low, low + size)
        pieces.append((operand[0] + offset, operand[1] + offset))
    required, optional = pieces[: node.low], pieces[node.low :]
    for (_, end), (start, _) in itertools.pairwise(required):
        nfa.empty[end].append(start)
    if high is None:
        hub = nfa.state()
        start, end = optional[0]
        nfa.empty[hub].append(start)
        nfa.empty[end].append(hub)
        tail: _Fragment = (hub, hub)
    else:
        finish = nfa.state()
        entry = nfa.state()
        current = entry
        for start, end in optional:
            nfa.empty[current].append(start)
            nfa.empty[current].append(finish)
            current = end
        nfa.empty[current].append(finish)
        tail = (entry, finish)
    if not required:
        return tail
    nfa.empty[required[-1][1]].append(tail[0])
    return required[0][0], tail[1]


class _Dfa:
    """A deterministic automaton: per state, sorted (lo, hi-exclusive, target) moves; a
    character no move covers leads nowhere."""

    def __init__(self, moves: list[list[tuple[int, int, int]]], accepting: list[bool]) -> None:
        self.moves = moves
        self.accepting = accepting

    @staticmethod
    def of(nfa: _Nfa, fragment: _Fragment) -> _Dfa:
        """Subset construction of a fragment (its states only lead among themselves)."""
        start, end = fragment
        first = nfa.closure([start])
        index = {first: 0}
        sets = [first]
        moves: list[list[tuple[int, int, int]]] = []
        for current in sets:
            edges = [(r, t) for s in current for r, t in nfa.moves[s]]
            row: list[tuple[int, int, int]] = []
            bounds = sorted({b for r, _ in edges for b in r})
            for lo, hi in itertools.pairwise(bounds):
                targets = [t for r, t in edges if _contains(r, lo)]
                if not targets:
                    continue
                target_set = nfa.closure(targets)
                number = index.get(target_set)
                if number is None:
                    if len(sets) >= MAX_DFA_STATES:
                        raise _TooComplex
                    number = index[target_set] = len(sets)
                    sets.append(target_set)
                if row and row[-1][1] == lo and row[-1][2] == number:
                    row[-1] = (row[-1][0], hi, number)
                else:
                    row.append((lo, hi, number))
            moves.append(row)
        return _Dfa(moves, [end in s for s in sets])

    def complemented(self) -> _Dfa:
        """The automaton of every string this one rejects: made total with a sink state."""
        sink = len(self.moves)
        moves = []
        for row in self.moves:
            full: list[tuple[int, int, int]] = []
            at = 0
            for lo, hi, target in row:
                if at < lo:
                    full.append((at, lo, sink))
                full.append((lo, hi, target))
                at = hi
            if at <= MAX_CHAR:
                full.append((at, MAX_CHAR + 1, sink))
            moves.append(full)
        moves.append([(0, MAX_CHAR + 1, sink)])
        return _Dfa(moves, [not a for a in self.accepting] + [True])

    def intersected(self, other: _Dfa) -> _Dfa:
        """The product automaton: strings both accept."""
        index = {(0, 0): 0}
        pairs = [(0, 0)]
        moves: list[list[tuple[int, int, int]]] = []
        for a, b in pairs:
            row: list[tuple[int, int, int]] = []
            left, right = self.moves[a], other.moves[b]
            i = j = 0
            while i < len(left) and j < len(right):
                lo = max(left[i][0], right[j][0])
                hi = min(left[i][1], right[j][1])
                if lo < hi:
                    pair = (left[i][2], right[j][2])
                    number = index.get(pair)
                    if number is None:
                        if len(pairs) >= MAX_DFA_STATES:
                            raise _TooComplex
                        number = index[pair] = len(pairs)
                        pairs.append(pair)
                    row.append((lo, hi, number))
                if left[i][1] <= right[j][1]:
                    i += 1
                else:
                    j += 1
            moves.append(row)
        accepting = [self.accepting[a] and other.accepting[b] for a, b in pairs]
        return _Dfa(moves, accepting)

    def emit(self, nfa: _Nfa) -> _Fragment:
        """Append the states that can still reach acceptance as a fragment of `nfa`."""
        live = self.live()
        end = nfa.state()
        number: dict[int, int] = {}
        for state in sorted(live):
            number[state] = nfa.state()
        start = number[0] if 0 in live else nfa.state()
        for state, own in number.items():
            by_target: dict[int, list[tuple[int, int]]] = {}
            for lo, hi, target in self.moves[state]:
                if target in live:
                    by_target.setdefault(target, []).append((lo, hi - 1))
            for target, pairs in by_target.items():
                nfa.moves[own].append((_ranges(pairs), number[target]))
            if self.accepting[state]:
                nfa.empty[own].append(end)
        return start, end

    def live(self) -> set[int]:
        incoming: dict[int, list[int]] = {}
        for state, row in enumerate(self.moves):
            for _, _, target in row:
                incoming.setdefault(target, []).append(state)
        live = {s for s, accepting in enumerate(self.accepting) if accepting}
        todo = list(live)
        while todo:
            for source in incoming.get(todo.pop(), ()):
                if source not in live:
                    live.add(source)
                    todo.append(source)
        return live


# ---------------------------------------------------------------------------- matching


class _State:
    """A state of the lazily built DFA: a set of automaton states."""

    __slots__ = ("accepting", "movers", "next")

    def __init__(self, movers: tuple[int, ...], accepting: bool) -> None:
        self.movers = movers  # the states of the set with character transitions
        self.accepting = accepting
        self.next: dict[int, _State] = {}


# Characters tried first when an example string is built: readable ones.
_READABLE = [ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789 -_./:\\"] + [
    *range(65, 91),
    *range(33, 127),
]


class LuceneRegex:
    """A compiled pattern. `fullmatch(text)` runs in time linear in `text`."""

    def __init__(self, pattern: str, case_insensitive: bool) -> None:
        self.pattern = pattern
        self.case_insensitive = case_insensitive
        self._nfa, (start, self._end) = _build(_Parser(pattern, case_insensitive).parse())
        self._states: dict[frozenset[int], _State] = {}
        self._cached = 0
        self._start = self._state(self._nfa.closure([start]))

    def _state(self, states: frozenset[int]) -> _State:
        found = self._states.get(states)
        if found is None:
            moves = self._nfa.moves
            movers = tuple(s for s in states if moves[s])
            found = self._states[states] = _State(movers, self._end in states)
        return found

    def _step(self, state: _State, code: int) -> _State:
        moves = self._nfa.moves
        targets = [
            target
            for s in state.movers
            for ranges, target in moves[s]
            if bisect.bisect_right(ranges, code) & 1
        ]
        following = self._state(self._nfa.closure(targets))
        if self._cached >= CACHE_TRANSITIONS:
            self._forget()
        state.next[code] = following
        self._cached += 1
        return following

    def _forget(self) -> None:
        """Empty the DFA cache (it only ever holds what can be recomputed)."""
        for known in self._states.values():
            known.next.clear()
        self._states = {}
        self._cached = 0

    def fullmatch(self, text: str) -> bool:
        state = self._start
        for char in text:
            code = ord(char)
            following = state.next.get(code)
            if following is None:
                following = self._step(state, code)
            if not following.movers and not following.accepting:
                return False
            state = following
        return state.accepting

    def example(self, limit: int = 2_000) -> str | None:
        """A short string the pattern matches, made of readable characters where the
        pattern allows; None if it matches nothing (or no match is found within `limit`
        automaton states)."""
        parents: dict[int, tuple[_State, str] | None] = {id(self._start): None}
        queue = deque([self._start])
        kept = [self._start]  # ids stay unique while every state met is alive
        while queue and len(parents) <= limit:
            state = queue.popleft()
            if state.accepting:
                chars: list[str] = []
                step = parents[id(state)]
                while step is not None:
                    chars.append(step[1])
                    step = parents[id(step[0])]
                return "".join(reversed(chars))
            for code in self._choices(state):
                following = state.next.get(code) or self._step(state, code)
                if id(following) not in parents and (following.movers or following.accepting):
                    parents[id(following)] = (state, chr(code))
                    queue.append(following)
                    kept.append(following)
        return None

    def _choices(self, state: _State) -> list[int]:
        """One readable character from each character set leaving the state."""
        choices: dict[int, None] = {}
        for s in state.movers:
            for ranges, _ in self._nfa.moves[s]:
                code = next((c for c in _READABLE if _contains(ranges, c)), ranges[0])
                choices[code] = None
        return list(choices)


@lru_cache(maxsize=4096)
def compile_lucene(pattern: str, *, case_insensitive: bool = False) -> LuceneRegex:
    """Compile a Lucene regular expression. Raises `LuceneRegexError` for a pattern Lucene
    rejects (with the offset of the offending character) or one too complex to run."""
    return LuceneRegex(pattern, case_insensitive)
