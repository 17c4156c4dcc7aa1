"""A lean loop over a lark LALR parser's own tables, for queries that parse.

lark's LALR parser is generic: per token it builds a full `Token` (line and column counters),
looks each reduction's callback up by `Rule` (hashed and compared in Python), wraps callbacks
in filter objects, and runs every `?rule` level of an expression grammar as a reduction.
`FastLalr` runs the same grammar with less work and the same result:

- the same parse table (lark's LALR analysis, read from the `Lark` object);
- the same terminals, state by state (lark's contextual lexer: each state's terminals, in
  lark's order); the grammar's `%ignore` terminals (blanks, comments) are skipped by the
  same regular expression that reads the next token, atomically (`*+`), so a comment is
  never read back as an operator. This needs what our grammars satisfy: no terminal other
  than an ignored one can start where an ignored one matches (with a blank, `//` or `/*`);
- the same callbacks (the transformer's methods), with lark's tree-shaping rules
  (`parse_tree_builder.py`): `[optional]` items give None (maybe_placeholders), a `?rule`
  with one child passes it up, `_rule`s and lark's repetition helpers are spliced into
  their parent (here as lists rather than `Tree`s), a rule without a method gives a `Tree`;
- a chain of `?rule`s passing one child up is one step: its end state depends only on the
  state, the lookahead and the state below, and is remembered.

Tokens are `FastToken`s: a `str` with `type`, `start_pos` and `end_pos` (no line or column:
positions are offsets). When the loop meets input it cannot take, `parse` returns `FAILED`
and the caller re-parses with lark itself, which raises its usual exception (with its
`interactive_parser`): syntax errors stay lark's, as do the transformer's own exceptions on
valid input (they propagate from here unchanged).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from re import _constants as c
from re import _parser
from typing import Any

FAILED: Any = object()

_ANY: frozenset[str] = frozenset()  # any character (an empty set is no terminal's)

_END = "$END"


class FastToken(str):
    """A token: its text, its terminal's name and where it lies in the input."""

    __slots__ = ("end_pos", "start_pos", "type")

    type: str
    start_pos: int
    end_pos: int


class FastLalr:
    """Parses with the tables, terminals and transformer of `lark` (an LALR parser with the
    contextual lexer, built with `transformer=`). Raises NotImplementedError for options
    it does not reproduce (postlex, lexer callbacks, tree-building without a transformer)."""

    def __init__(self, lark: Any, start: str = "start") -> None:
        from lark.parsers.lalr_analysis import Shift  # noqa: PLC0415 -- heavy: lark

        options = lark.options
        if options.parser != "lalr" or options.lexer != "contextual" or options.postlex:
            raise NotImplementedError("FastLalr runs LALR parsers with the contextual lexer")
        if options.lexer_callbacks or options.propagate_positions:
            raise NotImplementedError("lexer callbacks and propagate_positions")
        transformer = options.transformer
        if transformer is None or any(hasattr(transformer, t.name) for t in lark.terminals):
            raise NotImplementedError("a transformer without terminal callbacks is needed")
        frontend = lark.parser
        table = frontend.parser.parser.parse_table
        lexer = frontend.lexer

        self._start = table.start_states[start]
        self._end = table.end_states[start]
        size = max(table.states) + 1
        self._actions: list[dict[str, int]] = [{} for _ in range(size)]
        gotos: list[dict[str, int]] = [{} for _ in range(size)]
        # Reductions: (length of the expansion, rule's name, callback or None for a `?rule`
        # passing its one child up). An action is a state to shift to (>= 0) or ~reduction.
        reductions: list[tuple[int, str, Callable[[list[Any]], Any] | None]] = []
        numbers: dict[Any, int] = {}
        for state, actions in table.states.items():
            for symbol, (action, argument) in actions.items():
                if action is Shift:
                    terminal = symbol.isupper() or symbol == _END
                    (self._actions if terminal else gotos)[state][symbol] = argument
                    continue
                number = numbers.get(argument)
                if number is None:
                    number = numbers[argument] = len(reductions)
                    reductions.append(_reduction(argument, transformer, options))
                self._actions[state][symbol] = ~number
        # per reduction: (length, callback, its gotos: state below → state after)
        self._rules: list[tuple[int, Callable[[list[Any]], Any] | None, dict[int, int]]] = [
            (length, callback, {below: g[name] for below, g in enumerate(gotos) if name in g})
            for length, name, callback in reductions
        ]
        # (state or ~reduction, lookahead, state below) → where its chain of `?rule`s ends
        self._chains: dict[tuple[int, str, int], int] = {}

        # Scanners are compiled on first use: a run meets a fraction of the states.
        self._lexers = lexer.lexers
        self._ignore = lexer.root_lexer.ignore_types
        self._flags = options.g_regex_flags
        terminals = {t.name: t for t in lark.terminals}
        self._skip_pattern = "|".join(
            terminals[name].pattern.to_regexp() for name in sorted(self._ignore)
        )
        self._skip: Any = re.compile(f"(?:{self._skip_pattern})*+", self._flags).match
        self._shadowed = _shadowed(lark.terminals, self._flags)
        # terminal → the characters it can start with (None: any)
        self._starts = {
            t.name: first_characters(t.pattern.to_regexp(), self._flags) or _ANY
            for t in lark.terminals
        }
        # state → {first character of the next token → its scanner}, filled as met; states
        # with one terminal set share one table.
        self._tables: dict[int, dict[str, Any]] = {}
        self._dispatch: list[dict[str, Any]] = [
            self._tables.setdefault(id(lexer.lexers[state]), {}) if state in lexer.lexers else {}
            for state in range(size)
        ]
        self._compiled: dict[tuple[Any, ...], Any] = {}
        self._unlesses: dict[int, tuple[frozenset[str], dict[str, Any]]] = {}

    def parse(self, text: str) -> Any:
        """The transformer's result for `text`, or FAILED where it is not in the language."""
        actions, rules, dispatch = self._actions, self._rules, self._dispatch
        chains, end_state = self._chains, self._end
        state = self._start
        stack = [state]
        values: list[Any] = []
        push_state, push_value = stack.append, values.append
        pop_state, pop_value = stack.pop, values.pop
        new_token = FastToken
        pos, length = self._skip(text).end(), len(text)
        while True:
            if pos < length:
                char = text[pos]
                try:  # (subscripts and try are cheaper than .get() in this loop)
                    matcher = dispatch[state][char]
                except KeyError:
                    matcher = self._scanner(state, char)
                match = matcher(text, pos)
                if match is None:
                    return FAILED
                kind = match.lastgroup
                end = match.end(kind)
                token: Any = new_token(text[pos:end])
                token.type, token.start_pos, token.end_pos = kind, pos, end
                pos = match.end()
            else:
                kind, token = _END, None
            state_actions = actions[state]
            while True:
                try:
                    code = state_actions[kind]
                except KeyError:
                    return FAILED
                if code >= 0:
                    push_state(code)
                    push_value(token)
                    state = code
                    break
                size, callback, goto = rules[~code]
                if callback is None:
                    # a `?rule` passing its child up: follow the whole chain at once
                    below = stack[-2]
                    key = (state, kind, below)
                    try:
                        top = chains[key]
                    except KeyError:
                        top = chains[key] = self._chain(goto[below], kind, below)
                    if top == end_state:
                        return values[-1]
                    stack[-1] = state = top
                    state_actions = actions[state]
                    continue
                if size == 1:
                    children = [pop_value()]
                    pop_state()
                elif size:
                    children = values[-size:]
                    del values[-size:]
                    del stack[-size:]
                else:
                    children = []
                value = callback(children)
                # the goto and the chain of `?rule`s after it, remembered as one step
                below = stack[-1]
                key = (code, kind, below)
                try:
                    state = chains[key]
                except KeyError:
                    state = chains[key] = self._chain(goto[below], kind, below)
                if state == end_state:
                    return value
                push_state(state)
                push_value(value)
                state_actions = actions[state]

    def _chain(self, top: int, kind: str, below: int) -> int:
        """Where a chain of pass-the-child-up reductions over `below` ends."""
        while True:
            code = self._actions[top].get(kind)
            if code is None or code >= 0 or self._rules[~code][1] is not None:
                return top
            top = self._rules[~code][2][below]

    def _scanner(self, state: int, char: str) -> Any:
        """The state's terminals that can start with `char`, in lark's order, then an atomic
        skip of the ignored terminals after the token."""
        lexer = self._lexers[state]
        embedded, unless = self._unless(lexer)
        names = tuple(
            t.name
            for t in lexer.terminals
            if t.name not in self._ignore
            and t.name not in embedded
            and (char in self._starts[t.name] or self._starts[t.name] is _ANY)
        )
        retype = {name: unless[name][0] for name in names if name in unless}
        # scanners are shared by their terminals and by the strings each one retypes to
        key = (names, tuple((name, unless[name][1]) for name in sorted(retype)))
        matcher = self._compiled.get(key)
        if matcher is None:
            if not names:
                matcher = _no_match  # no token starts with this character here
            else:
                by_name = {t.name: t for t in lexer.terminals}
                alternatives = "|".join(
                    f"(?P<{name}>{by_name[name].pattern.to_regexp()})" for name in names
                )
                pattern = f"(?:{alternatives})(?:{self._skip_pattern})*+"
                matcher = re.compile(pattern, self._flags).match
                if retype:
                    matcher = _retyping(matcher, retype)
            self._compiled[key] = matcher
        self._dispatch[state][char] = matcher
        return matcher

    def _unless(self, lexer: Any) -> tuple[frozenset[str], dict[str, Any]]:
        """lark's `_create_unless` for a state's terminals: string terminals that a pattern
        terminal of the same priority also matches are read as the pattern and retyped when
        the whole match is that string (embedded ones leave the scanner, as in lark)."""
        found = self._unlesses.get(id(lexer))
        if found is None:
            by_name = {t.name: t for t in lexer.terminals}
            embedded: set[str] = set()
            unless: dict[str, Any] = {}
            for pattern in lexer.terminals:
                strings = [
                    by_name[s] for s, r in self._shadowed if r == pattern.name and s in by_name
                ]
                if not strings:
                    continue
                strings.sort(key=lexer.terminals.index)
                embedded |= {s.name for s in strings if s.pattern.flags <= pattern.pattern.flags}
                words = "|".join(f"(?P<{s.name}>{s.pattern.to_regexp()})" for s in strings)
                retyped = tuple(s.name for s in strings)
                unless[pattern.name] = (re.compile(words, self._flags).fullmatch, retyped)
            found = self._unlesses[id(lexer)] = (frozenset(embedded), unless)
        return found


class _Retyped:
    """A match read as another terminal: lark's UnlessCallback renames the token's type."""

    __slots__ = ("_group", "_match", "lastgroup")

    def __init__(self, match: Any, group: str, kind: str) -> None:
        self._match, self._group, self.lastgroup = match, group, kind

    def end(self, group: int | str = 0) -> int:
        end: int = self._match.end(self._group if group == self.lastgroup else group)
        return end


def _retyping(matcher: Any, retype: dict[str, Any]) -> Any:
    def match(text: str, pos: int) -> Any:
        found = matcher(text, pos)
        if found is not None and found.lastgroup in retype:
            kind = found.lastgroup
            word = retype[kind](found.group(kind))
            if word is not None:
                return _Retyped(found, kind, word.lastgroup)
        return found

    return match


def _no_match(text: str, pos: int) -> None:
    return None


def _shadowed(terminals: list[Any], flags: int) -> set[tuple[str, str]]:
    """(string terminal, pattern terminal) pairs of one priority where the pattern matches
    the string: lark reads such a string as the pattern and retypes it (UnlessCallback)."""
    from lark.lexer import PatternRE, PatternStr  # noqa: PLC0415 -- heavy: lark

    strings = [t for t in terminals if isinstance(t.pattern, PatternStr)]
    return {
        (s.name, r.name)
        for r in terminals
        if isinstance(r.pattern, PatternRE)
        for s in strings
        if s.priority == r.priority
        and re.fullmatch(r.pattern.to_regexp(), s.pattern.value, flags) is not None
    }


def _reduction(rule: Any, transformer: Any, options: Any) -> tuple[int, str, Any]:
    """A rule's reduction as lark's ParseTreeBuilder shapes it (ExpandSingleChild,
    ChildFilterLALR with maybe_placeholders), calling the transformer's method."""
    from lark import Tree  # noqa: PLC0415 -- heavy: lark

    expansion = rule.expansion
    name = rule.origin.name
    expand1 = bool(rule.options.expand1) and not rule.alias
    empty = rule.options.empty_indices if options.maybe_placeholders else ()
    if expand1 and len(expansion) == 1 and not any(empty):
        return 1, name, None
    keep_tokens = options.keep_all_tokens or rule.options.keep_all_tokens
    # (index, splice the child's items, Nones to insert before it), as ParseTreeBuilder does
    nones = [len(run) for run in "".join(str(int(e)) for e in empty).split("0")] if empty else []
    plan: list[tuple[int, bool, int]] = []
    pending = 0
    for index, symbol in enumerate(expansion):
        pending += nones[index] if nones else 0
        if keep_tokens or not (symbol.is_term and symbol.filter_out):
            splice = not symbol.is_term and symbol.name.startswith("_")
            plan.append((index, splice, pending))
            pending = 0
    trailing = pending + (nones[len(expansion)] if nones else 0)

    label = rule.alias or rule.options.template_source or name
    method = getattr(transformer, label, None)
    if method is None:
        # lark's repetition helpers and `_rule`s: a list, spliced into the parent
        build: Callable[[list[Any]], Any] = _items if name.startswith("_") else _tree(Tree, label)
    elif name.startswith("_"):
        raise NotImplementedError("a transformer method for a `_rule`")
    else:
        build = method
    return len(expansion), name, _shaper(plan, trailing, len(expansion), expand1, build)


def _shaper(
    plan: list[tuple[int, bool, int]],
    trailing: int,
    size: int,
    expand1: bool,
    build: Callable[[list[Any]], Any],
) -> Callable[[list[Any]], Any]:
    """The callback for a reduction: children → items per `plan` → `build(items)`."""
    every = [i for i, _, _ in plan] == list(range(size))
    plain = every and not any(splice or before for _, splice, before in plan)
    if plain and not expand1:
        if not trailing:
            return build
        nones = [None] * trailing
        return lambda children: build(children + nones)
    left = every and bool(plan) and plan[0][1] and not plan[0][2]
    left = left and not any(s or b for _, s, b in plan[1:])
    if left and not trailing and not expand1:
        # a left-recursive repetition: extend the list built so far
        if build is _items:

            def grow(children: list[Any]) -> Any:
                items = children[0]
                items += children[1:]
                return items

            return grow

        def extend(children: list[Any]) -> Any:
            items = children[0]
            items += children[1:]
            return build(items)

        return extend

    # the items as one list display, compiled: `build([c[0], None, *c[1], c[2]])`
    parts = []
    for index, splice, before in plan:
        parts += ["None"] * before
        parts.append(f"*c[{index}]" if splice else f"c[{index}]")
    parts += ["None"] * trailing
    items = f"[{', '.join(parts)}]"
    if expand1:  # a `?rule` whose items come to one passes it up
        body = f"items = {items}\n    return items[0] if len(items) == 1 else build(items)"
    else:
        body = f"return build({items})"
    namespace: dict[str, Any] = {}
    exec(f"def shape(c):\n    {body}\n", {"build": build}, namespace)
    shape: Callable[[list[Any]], Any] = namespace["shape"]
    return shape


def _items(items: list[Any]) -> list[Any]:
    return items


def _tree(tree: Any, label: str) -> Callable[[list[Any]], Any]:
    return lambda children: tree(label, children)


# ---------------------------------------------------------------------------- first characters
# Which ASCII characters a terminal's match can start with, read from the regular expression's
# parse (the `re` package's own parser, as lark reads terminal widths). Over-approximate:
# None (any character) wherever the answer is not certain, so a scanner never misses a
# terminal; characters beyond ASCII always get the state's every terminal.

_ASCII = 128


def first_characters(regexp: str, flags: int = 0) -> frozenset[str] | None:
    """The ASCII characters a match of `regexp` can start with, or None for any."""

    try:
        parsed = _parser.parse(regexp, flags)
    except Exception:  # pragma: no cover - lark compiled it already
        return None
    chars, nullable = _sequence(list(parsed), bool(flags & re.IGNORECASE))
    return None if chars is None or nullable else frozenset(chars)


def _sequence(items: list[Any], fold: bool) -> tuple[set[str] | None, bool]:
    """(first characters, can match empty) of items matched one after the other."""
    found: set[str] = set()
    for item in items:
        chars, nullable = _item(item, fold)
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _item(item: tuple[Any, ...], fold: bool) -> tuple[set[str] | None, bool]:

    op, argument = item
    if op is c.LITERAL:
        return _literal(argument, fold), False
    if op is c.IN:
        return _charset(argument, fold), False
    if op is c.BRANCH:
        found: set[str] = set()
        nullable = False
        for branch in argument[1]:
            chars, empty = _sequence(list(branch), fold)
            if chars is None:
                return None, False
            found |= chars
            nullable = nullable or empty
        return found, nullable
    if op is c.SUBPATTERN:
        _group, add, remove, sub = argument
        fold = (fold or bool(add & c.SRE_FLAG_IGNORECASE)) and not remove & c.SRE_FLAG_IGNORECASE
        return _sequence(list(sub), fold)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, sub = argument
        chars, empty = _sequence(list(sub), fold)
        return chars, empty or low == 0
    if op is c.ATOMIC_GROUP:
        return _sequence(list(argument), fold)
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return set(), True  # zero width; a lookahead's restriction is not used
    return None, False


def _literal(code: int, fold: bool) -> set[str] | None:
    if code >= _ASCII:
        # case folding can map a non-ASCII letter onto an ASCII one (KELVIN SIGN → k)
        return None if fold else set()
    char = chr(code)
    return {char, char.swapcase()} if fold else {char}


_CATEGORIES: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdigit,
    "CATEGORY_UNI_DIGIT": str.isdigit,
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_UNI_SPACE": str.isspace,
    "CATEGORY_WORD": lambda char: char.isalnum() or char == "_",
    "CATEGORY_UNI_WORD": lambda char: char.isalnum() or char == "_",
}


def _charset(items: list[Any], fold: bool) -> set[str] | None:

    negated = bool(items) and items[0][0] is c.NEGATE
    listed: set[str] = set()
    for op, argument in items[negated:]:
        if op is c.LITERAL:
            chars = _literal(argument, fold)
        elif op is c.RANGE:
            low, high = argument
            if fold and high >= _ASCII:
                return None
            chars = set()
            for code in range(low, min(high, _ASCII - 1) + 1):
                chars |= _literal(code, fold) or set()
        elif op is c.CATEGORY and not negated and str(argument) in _CATEGORIES:
            test = _CATEGORIES[str(argument)]
            chars = {chr(code) for code in range(_ASCII) if test(chr(code))}
        else:
            return None
        if chars is None:
            return None
        listed |= chars
    if negated:
        # the complement is exact only for listed characters and ranges, without folding
        return None if fold else {chr(code) for code in range(_ASCII)} - listed
    return listed


def fast_or_none(lark: Any) -> FastLalr | None:
    """`FastLalr(lark)`, or None when `lark` uses an option it does not run (the caller
    then parses with lark's own loop)."""
    try:
        return FastLalr(lark)
    except NotImplementedError:  # pragma: no cover - every ruleops grammar is run
        return None
