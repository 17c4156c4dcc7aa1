"""String functions (Elasticsearch's `esql.expression.function.scalar.string` package).

Strings are Unicode: positions and lengths count code points (LENGTH, SUBSTRING, LEFT,
RIGHT, LOCATE), BIT_LENGTH and BYTE_LENGTH count UTF-8 bytes, REVERSE keeps grapheme
clusters (a base letter with its combining marks) together. Every function returns
keyword, never text (capability `functions_never_emit_text`).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from typing import Any

from ruleops.esql import bounded_regex, java_regex
from ruleops.esql.builtins.registry import register, simple
from ruleops.esql.values import EvalFailure, NotReproduced

_REPEAT_LIMIT = 1024 * 1024  # bytes: ScalarFunction's BREAKER limit for REPEAT and SPACE


def _keyword(_types: tuple[str, ...]) -> str:
    return "keyword"


def _each_value(function: Callable[[str], str]) -> Callable[[Any], Any]:
    """A string function applied to each value of a multi-value (URL_ENCODE, REVERSE…)."""

    def each(cell: Any) -> Any:
        if cell.__class__ is tuple:
            return tuple(function(v) for v in cell)
        return function(cell)

    return each


@simple("concat", 2, None, "keyword")
def concat(*parts: str) -> str:
    return "".join(parts)


@simple("length", 1, 1, "integer")
def length(text: str) -> int:
    return len(text)


@simple("bit_length", 1, 1, "integer")
def bit_length(text: str) -> int:
    return len(text.encode("utf-8")) * 8


@simple("byte_length", 1, 1, "integer")
def byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


@simple("substring", 2, 3, "keyword")
def substring(text: str, start: int, count: int | None = None) -> str:
    """1-based `start`; a negative start counts from the end; no length means to the end."""
    size = len(text)
    if start > 0:
        begin = start - 1
    elif start < 0:
        begin = max(size + start, 0)
    else:
        begin = 0
    if count is None:
        return text[begin:]
    if count < 0:
        raise EvalFailure(f"Length parameter cannot be negative, found [{count}]")
    return text[begin : begin + count]


@simple("left", 2, 2, "keyword")
def left(text: str, count: int) -> str:
    return text[: max(count, 0)]


@simple("right", 2, 2, "keyword")
def right(text: str, count: int) -> str:
    if count <= 0:
        return ""
    return text[-count:]


@simple("to_upper", 1, 1, _keyword, multi=(0,))
def to_upper(text: Any) -> Any:
    if text.__class__ is tuple:
        return tuple(t.upper() for t in text)
    return text.upper()


@simple("to_lower", 1, 1, _keyword, multi=(0,))
def to_lower(text: Any) -> Any:
    if text.__class__ is tuple:
        return tuple(t.lower() for t in text)
    return text.lower()


def _is_space(char: str) -> bool:
    # Lucene/ES trims what Java's Character.isWhitespace calls whitespace (and the
    # control characters at or below U+0020).
    return char <= " " or (char.isspace() and char not in "\u00a0\u2007\u202f")


@simple("trim", 1, 1, _keyword)
def trim(text: str) -> str:
    return rtrim(ltrim(text))


@simple("ltrim", 1, 1, _keyword)
def ltrim(text: str) -> str:
    start = 0
    while start < len(text) and _is_space(text[start]):
        start += 1
    return text[start:]


@simple("rtrim", 1, 1, _keyword)
def rtrim(text: str) -> str:
    end = len(text)
    while end > 0 and _is_space(text[end - 1]):
        end -= 1
    return text[:end]


@simple("starts_with", 2, 2, "boolean")
def starts_with(text: str, prefix: str) -> bool:
    return text.startswith(prefix)


@simple("ends_with", 2, 2, "boolean")
def ends_with(text: str, suffix: str) -> bool:
    return text.endswith(suffix)


@simple("contains", 2, 2, "boolean")
def contains(text: str, part: str) -> bool:
    return part in text


@simple("locate", 2, 3, "integer")
def locate(text: str, part: str, start: int | None = None) -> int:
    """1-based position of `part` in `text` from `start` (1-based; below 1 means 1), 0 when
    absent."""
    begin = 0 if start is None or start <= 0 else start - 1
    if begin > len(text):
        return 0
    return text.find(part, begin) + 1


@simple("split", 2, 2, _keyword)
def split(text: str, delimiter: str) -> Any:
    parts = list(text) if delimiter == "" else text.split(delimiter)
    return parts[0] if len(parts) == 1 else tuple(parts)


@simple("reverse", 1, 1, lambda types: "null" if types == ("null",) else "keyword")
def reverse(text: str) -> str:
    """The string backwards by grapheme cluster: a base character keeps its combining
    marks, spacing marks, emoji modifiers, variation selectors and zero-width-joined
    sequences (an approximation of Unicode's extended grapheme clusters)."""
    clusters: list[str] = []
    for char in text:
        if clusters and (_extends(char) or clusters[-1].endswith("\u200d")):
            clusters[-1] += char
        else:
            clusters.append(char)
    return "".join(reversed(clusters))


def _extends(char: str) -> bool:
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def _check_count(count: int) -> None:
    if count < 0:
        raise EvalFailure(f"Number parameter cannot be negative, found [{count}]")


@simple("repeat", 2, 2, _keyword)
def repeat(text: str, count: int) -> str:
    _check_count(count)
    if len(text.encode("utf-8")) * count > _REPEAT_LIMIT:
        raise EvalFailure(
            f"Creating repeated strings with more than [{_REPEAT_LIMIT}] bytes is not supported"
        )
    return text * count


@simple("space", 1, 1, "keyword")
def space(count: int) -> str:
    _check_count(count)
    if count > _REPEAT_LIMIT:
        raise EvalFailure(
            f"Creating strings with more than [{_REPEAT_LIMIT}] bytes is not supported"
        )
    return " " * count


@simple("to_base64", 1, 1, "keyword")
def to_base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_BASE64 = re.compile(r"[A-Za-z0-9+/]*")


@simple("from_base64", 1, 1, "keyword")
def from_base64(text: str) -> str:
    """Java's `Base64.getDecoder()`: padding optional, any other character an error."""
    body = text.rstrip("=")
    padding = len(text) - len(body)
    bad = _BASE64.fullmatch(body) is None
    if bad:
        index = next(i for i, c in enumerate(body) if not _BASE64.fullmatch(c))
        raise EvalFailure(f"Illegal base64 character {ord(body[index]):x}")
    if len(body) % 4 == 1:
        raise EvalFailure("Last unit does not have enough valid bits")
    if padding and (len(body) + padding) % 4 != 0:
        raise EvalFailure("Input byte array has wrong 4-byte ending unit")
    try:
        decoded = base64.b64decode(body + "=" * (-len(body) % 4))
    except binascii.Error as error:  # pragma: no cover - the checks above cover Java's cases
        raise EvalFailure(str(error)) from None
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalFailure("decoded value is not valid UTF-8, which is not supported yet") from None


@simple("url_encode", 1, 1, "keyword", multi=(0,))
@_each_value
def url_encode(text: str) -> str:
    """`application/x-www-form-urlencoded` (java.net.URLEncoder): space as `+`."""
    return urllib.parse.quote_plus(text, safe="-._~")


@simple("url_encode_component", 1, 1, "keyword", multi=(0,))
@_each_value
def url_encode_component(text: str) -> str:
    """RFC 3986 component encoding: only unreserved characters stay, space is `%20`."""
    return urllib.parse.quote(text, safe="-._~")


_PERCENT = re.compile(r"%([0-9a-fA-F]{2})?")


@simple("url_decode", 1, 1, "keyword", multi=(0,))
@_each_value
def url_decode(text: str) -> str:
    """java.net.URLDecoder: `+` is a space, `%xx` a byte; a bad escape is an error."""
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "+":
            out += b" "
            i += 1
        elif char == "%":
            hex_digits = text[i + 1 : i + 3]
            if len(hex_digits) < 2:
                raise EvalFailure("URLDecoder: Incomplete trailing escape (%) pattern")
            try:
                out.append(int(hex_digits, 16))
            except ValueError:
                raise EvalFailure(
                    f"URLDecoder: Illegal hex characters in escape (%) pattern - "
                    f'Error at index 0 in: "{hex_digits}"'
                ) from None
            i += 3
        else:
            out += char.encode("utf-8")
            i += 1
    return out.decode("utf-8", errors="replace")


# --- REPLACE: a Java regular expression and a Java replacement string -----------------------


def _java_replacement(replacement: str) -> str:
    """A `Matcher.replaceAll` replacement (`$1`, `${name}`, `\\$`) as a Python template."""
    out = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1].replace("\\", "\\\\"))
            i += 2
        elif char == "$" and i + 1 < len(replacement):
            if replacement[i + 1] == "{":
                end = replacement.index("}", i)
                out.append(f"\\g<{replacement[i + 2 : end]}>")
                i = end + 1
            else:
                j = i + 1
                while j < len(replacement) and replacement[j].isdigit():
                    j += 1
                out.append(f"\\g<{replacement[i + 1 : j]}>")
                i = j
        else:
            out.append("\\\\" if char == "\\" else char)
            i += 1
    return "".join(out)


def _replace_bind(_types: tuple[str, ...]):
    cache: dict[tuple[str, str], tuple[re.Pattern, str]] = {}
    state = bounded_regex.STATE

    def replace(text: str, pattern: str, replacement: str) -> str:
        # REPLACE takes a java.util.regex pattern written by the query's author, run over
        # field values: read into Python's `re` syntax (`java_regex`), which backtracks as
        # Java does: `bounded_regex` bounds its time.
        compiled = cache.get((pattern, replacement))
        if compiled is None:
            try:
                python = java_regex.to_python(pattern)
                compiled = (re.compile(python), _java_replacement(replacement))
            except java_regex.JavaSyntaxError as error:
                raise EvalFailure(
                    f"{error.message} near index {error.index}",
                    "java.util.regex.PatternSyntaxException",
                ) from None
            except java_regex.Untranslatable as error:
                raise NotReproduced(
                    f"the pattern uses {error}, a java.util.regex construct ruleops does not run"
                ) from None
            except re.error as error:
                raise EvalFailure(
                    f"{error.msg} near index {error.pos}",
                    "java.util.regex.PatternSyntaxException",
                ) from None
            cache[(pattern, replacement)] = compiled
        regex, template = compiled
        state.calls += 1
        state.running = regex
        try:
            return regex.sub(template, text)
        except (re.error, IndexError) as error:
            raise EvalFailure(str(error)) from None
        finally:
            state.running = None

    return replace


register("replace", 3, 3, _keyword)(_replace_bind)
