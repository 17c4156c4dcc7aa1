"""Elasticsearch's field types: the families of mapping types, whether a value fits a field
of a type, and how Elasticsearch reads a value of a type (numbers, dates, versions, IPs).

The one home of this knowledge for EQL, KQL and ES|QL: the field checks, the fixture
checks, the evaluators and the event generator all ask here rather than keeping their own
lists of numeric or string types. Sources (Elasticsearch reference, `mapping-reference/`):
`field-data-types` for the types, `number` (the integer and floating-point types; `coerce`:
strings are parsed and fractions of integer types truncated), `keyword` (the keyword family:
`keyword`, `constant_keyword`, `wildcard`), `text` (`text`, `match_only_text`: analysed),
`date` / `date_nanos` (ISO-8601 or epoch milliseconds), `ip` (IPv4 and IPv6; a term query
takes a CIDR block), `version` (semantic-version order).

`fits(es_type, value, source=...)` answers "can a field of this type hold this value?" for a
document value (a fixture event, strict about JSON types as ECS specifies them) or for a
query literal (which Elasticsearch parses on the field: `"42"` fits a `long`).

`esql_type` is the ES|QL type a mapping type is read as (`short` → integer, `float` →
double, `wildcard` → keyword), as ES|QL's `DataType` table reads mapped fields. `doc_value`
is what ES|QL reads from a document (`BlockDocValuesReader`; text from `_source`): numbers
parsed from strings, floats rounded to the field's precision (`float` to 32 bits,
`half_float` to 16, `scaled_float` to its scaling factor), dates to epoch milliseconds
(nanoseconds for `date_nanos`), addresses to their 16-byte form, and multi-values in
doc-values order: keyword, ip and version fields keep a sorted set (Lucene's
`SortedSetDocValues`: sorted, duplicates removed), numbers, dates and booleans a sorted
list (`SortedNumericDocValues`, duplicates kept), text the document's order.
"""

from __future__ import annotations

import ipaddress
import math
import re
import struct
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache, total_ordering
from typing import Any, Literal

# --- families -----------------------------------------------------------------------------

INTEGER = frozenset({"long", "integer", "short", "byte", "unsigned_long"})
FLOAT = frozenset({"double", "float", "half_float", "scaled_float"})
NUMERIC = INTEGER | FLOAT
# Compared exactly as whole strings (term, wildcard and range queries on the whole value).
KEYWORD = frozenset({"keyword", "constant_keyword", "wildcard"})
# Analysed into words at index time (the standard analyzer unless the mapping says otherwise).
TEXT = frozenset({"text", "match_only_text"})
# Types whose JSON values are strings compared as text.
STRING = KEYWORD | TEXT
DATE = frozenset({"date", "date_nanos"})
# Containers: ECS defines the object, not the fields inside it (`labels.*`).
OPEN = frozenset({"object", "flattened"})

# The types Elasticsearch's EQL and SQL read (ql `DataTypes`); a field of any other type
# is "unsupported" (EQL VerifierTests testGeo, testRange, testNested).
_QL_READABLE = KEYWORD | TEXT | NUMERIC | DATE | {"boolean", "ip", "version", "binary", "object"}


def eql_readable(es_type: str) -> bool:
    """Whether EQL can query a field of this mapping type (not geo shapes, ranges,
    `flattened`, `nested`…)."""
    return es_type in _QL_READABLE


Family = Literal["integer", "float", "keyword", "text", "date", "ip", "boolean", "version"]


def family(es_type: str | None) -> Family | None:
    """The family of a mapping type, or None for types the query languages do not compare
    (objects, geo types, unknown names)."""
    if es_type in INTEGER:
        return "integer"
    if es_type in FLOAT:
        return "float"
    if es_type in KEYWORD:
        return "keyword"
    if es_type in TEXT:
        return "text"
    if es_type in DATE:
        return "date"
    if es_type in ("ip", "boolean", "version"):
        return es_type  # type: ignore[return-value]
    return None


# The ES|QL type a mapping type is read as (EsqlDataTypes / DataType.fromEs).
_ESQL_TYPE = {
    "keyword": "keyword",
    "constant_keyword": "keyword",
    "wildcard": "keyword",
    "text": "text",
    "match_only_text": "text",
    "long": "long",
    "integer": "integer",
    "short": "integer",
    "byte": "integer",
    "unsigned_long": "unsigned_long",
    "double": "double",
    "float": "double",
    "half_float": "double",
    "scaled_float": "double",
    "boolean": "boolean",
    "date": "date",
    "date_nanos": "date_nanos",
    "ip": "ip",
    "version": "version",
}

_INTEGER_RANGE = {
    "byte": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsigned_long": (0, 2**64 - 1),
}

IPV4_PREFIX = b"\x00" * 10 + b"\xff\xff"


IPV4_PREFIX = b"\x00" * 10 + b"\xff\xff"


def esql_type(mapping_type: str) -> str:
    """The ES|QL type of a field of this mapping type; `unsupported` for what ES|QL cannot
    read (geo shapes, objects, ranges…), as ES|QL reports such columns."""
    return _ESQL_TYPE.get(mapping_type, "unsupported")


# --- fields of a mapping ------------------------------------------------------------------

_CONTAINERS = frozenset({"object", "nested", "flattened"})


def multi_field_parent(types: Mapping[str, str], name: str) -> str | None:
    """The field a multi-field is indexed from (`user.name` for `user.name.text`), or None.
    A known field under a leaf field can only be one of its multi-fields: a leaf has no
    object properties."""
    if name not in types:
        return None
    parent, dot, _ = name.rpartition(".")
    if dot and types.get(parent) not in (None, *_CONTAINERS):
        return parent
    return None


def nested_path(types: Mapping[str, str], name: str) -> str | None:
    """The innermost `nested` field that `name` lies inside (not `name` itself), or None."""
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:end])
        if types.get(prefix) == "nested":
            return prefix
    return None


# --- does a value fit ---------------------------------------------------------------------

Source = Literal["document", "query"]


def fits(es_type: str | None, value: Any, *, source: Source = "document") -> str | None:
    """None when a field of `es_type` can hold `value`; otherwise what such a field holds
    ("an integer", "an IP address"…), for a message.

    `source="document"`: a value in an event's JSON, which must have the JSON type ECS
    gives the field (a `long` holds a JSON integer, not the string "4"). `source="query"`: a
    literal written in a query, which Elasticsearch parses on the field, so the string "4"
    fits a `long` and a CIDR block fits an `ip`. Unknown types hold anything.
    """
    if source == "query":
        return _fits_query(es_type, value)
    if es_type in INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            return "an integer"
        low, high = _INTEGER_RANGE[es_type]
        if not low <= value <= high:
            return f"an integer from {low} to {high}"
    elif es_type in FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "a number"
        if indexed_value(value, es_type) is None:
            # NumberFieldMapper rejects the document: "supports only finite values"
            return "a finite number"
    elif es_type in STRING or es_type == "version":
        if not isinstance(value, str):
            return "a string"
    elif es_type == "boolean":
        if not isinstance(value, bool):
            return "true or false"
    elif es_type == "ip":
        if not isinstance(value, str) or parse_ip(value.split("%", 1)[0]) is None:
            return 'an IP address string such as "10.0.0.5" or "2001:db8::1"'
    elif es_type in DATE and (isinstance(value, bool) or parse_date_millis(value) is None):
        return "a date: a TOML date-time, an ISO 8601 string or epoch milliseconds"
    return None


def _fits_query(es_type: str | None, value: Any) -> str | None:
    if es_type is None or (isinstance(value, bool) and es_type == "boolean"):
        return None
    if es_type in NUMERIC and isinstance(value, str) and not is_number_text(value):
        return "a number"
    if es_type == "ip" and isinstance(value, str) and not (is_ip(value) or is_cidr(value)):
        return "an IP address"
    if es_type == "boolean" and value not in ("true", "false"):
        return "true or false"
    if es_type in DATE and isinstance(value, str) and not _date_query_text(value):
        return "a date"
    return None


def _date_query_text(text: str) -> bool:
    """Whether a date field reads `text` in a query: a date of its default format
    (`strict_date_optional_time||epoch_millis`), or date math (`now-30d/d`,
    `2024-05-01||+1M`), which Elasticsearch resolves before it reads the date."""
    text = text.strip()
    return text.startswith("now") or "||" in text or date_bounds(text) is not None


def is_number_text(text: str) -> bool:
    """Whether a query string reads as a number on a numeric field (decimal or `0x` hex)."""
    stripped = text.strip()
    try:
        float(stripped)
    except ValueError:
        hex_digits = stripped[2:] if stripped.lower().startswith("0x") else ""
        return _HEX.fullmatch(hex_digits) is not None
    return True


_HEX = re.compile("[0-9a-fA-F]+")


# --- IP addresses -------------------------------------------------------------------------


def is_ip(text: str) -> bool:
    """An IPv4 or IPv6 address, written any way Elasticsearch reads one."""
    return parse_ip(text) is not None


def is_cidr(text: str) -> bool:
    """An address block with a prefix length (`10.0.0.0/8`), which a term query on an `ip`
    field takes; host bits may be set, as Elasticsearch ignores them."""
    return "/" in text and parse_network(text) is not None


@lru_cache(maxsize=4096)
def parse_ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address, or None; an IPv4-mapped IPv6 address is its IPv4 address, as
    Elasticsearch indexes both alike."""
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=4096)
def parse_network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR block (host bits ignored: `10.6.48.157/8` is `10.0.0.0/8`); a bare address is
    a block of one."""
    try:
        return ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return None


# --- dates --------------------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


@lru_cache(maxsize=65536)
def parse_date_millis(value: Any, fmt: str | None = None) -> int | None:
    """Epoch milliseconds for a date value: epoch-millis numbers or digit strings, ISO-8601,
    a Java-style pattern such as `dd-MM-yyyy` from a mapping's `format`, or a `datetime` (a
    TOML date-time, which reaches Elasticsearch as an ISO-8601 string; naive means UTC)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return _millis(moment)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if fmt and fmt not in ("strict_date_optional_time", "date_optional_time", "epoch_millis"):
        for option in fmt.split("||"):
            parsed = _parse_java_pattern(text, option)
            if parsed is not None:
                return parsed
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    match = _ISO.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    millis = int(moment.timestamp()) * 1000
    if fraction:
        millis += int(fraction[:3].ljust(3, "0"))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        millis -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    return millis


def _millis(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000 + moment.microsecond // 1000


# A date as a query writes it, to any precision: `2024`, `2024-05`, `2024-05-01T10`, … .
_QUERY_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?"
)


@lru_cache(maxsize=4096)
def date_bounds(text: str) -> tuple[int, int] | None:
    """The first and last millisecond a date written in a query stands for, as a range query
    on a date field reads a bound (Elasticsearch reference, range query, "Missing date
    components"): a bound rounded down (`gte`, `lt`) fills what is not written with zeros,
    a bound rounded up (`gt`, `lte`) fills the time of day with 23:59:59.999 (month and day
    with 01, as the reference's example of `2099-12` shows). Digits alone are epoch
    milliseconds, except four, which are a year (the first format of
    `strict_date_optional_time||epoch_millis`). An equality on a date field is the range
    between the two (Kibana `functions/is.ts` builds `gte`/`lte` of the value)."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text) and len(text.lstrip("-")) != 4:
        return int(text), int(text)
    match = _QUERY_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        low = datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
    except ValueError:
        return None
    written = [int(hour or 0), int(minute or 0), int(second or 0)]
    if not 0 <= written[0] <= 23 or not 0 <= written[1] <= 59 or not 0 <= written[2] <= 59:
        return None
    start = _millis(low) + ((written[0] * 60 + written[1]) * 60 + written[2]) * 1000
    if fraction:
        start += int(fraction[:3].ljust(3, "0"))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "").ljust(4, "0")
        start -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    end = start
    if fraction is None:
        # what the text leaves out of the time of day rounds up to its last millisecond
        if hour is None:
            end += 86_400_000 - 1
        elif minute is None:
            end += 3_600_000 - 1
        elif second is None:
            end += 60_000 - 1
        else:
            end += 999
    return start, end


_JAVA_TOKENS = {
    "yyyy": r"(?P<y>\d{4})",
    "MM": r"(?P<m>\d{2})",
    "dd": r"(?P<d>\d{2})",
    "HH": r"(?P<H>\d{2})",
    "mm": r"(?P<M>\d{2})",
    "ss": r"(?P<S>\d{2})",
    "SSS": r"(?P<f>\d{3})",
}


def _parse_java_pattern(text: str, pattern: str) -> int | None:
    if pattern in ("epoch_millis",):
        return int(text) if re.fullmatch(r"-?\d+", text) else None
    regex = re.sub(
        "yyyy|MM|dd|HH|mm|ss|SSS|[^yMdHmS]+",
        lambda m: _JAVA_TOKENS.get(m.group(0), re.escape(m.group(0).replace("'", ""))),
        pattern,
    )
    match = re.fullmatch(regex, text)
    if not match:
        return None
    g = match.groupdict()
    try:
        moment = datetime(
            int(g.get("y") or 1970),
            int(g.get("m") or 1),
            int(g.get("d") or 1),
            int(g.get("H") or 0),
            int(g.get("M") or 0),
            int(g.get("S") or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return int(moment.timestamp()) * 1000 + int(g.get("f") or 0)


def format_date_millis(millis: int) -> str:
    """Epoch milliseconds as Elasticsearch writes a date: `2024-05-01T10:00:00.000Z`."""
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


# --- versions -----------------------------------------------------------------------------

_VERSION = re.compile(r"(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


@total_ordering
class Version:
    """A value of an ES `version` field: semantic-version order; an invalid version sorts after
    every valid one and equals only itself (ES `version` field type)."""

    __slots__ = ("key", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        match = _VERSION.fullmatch(text)
        if match is None:
            self.key: tuple = (1, text)
        else:
            numbers = tuple(int(p) for p in match.group(1).split("."))
            pre = match.group(2)
            pre_key = (
                (1,)
                if pre is None
                else (
                    0,
                    tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")),
                )
            )
            self.key = (0, numbers, pre_key)

    @property
    def valid(self) -> bool:
        return self.key[0] == 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.key == other.key

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Version({self.text!r})"


# --- coercion -----------------------------------------------------------------------------


def coerce_to_type(value: Any, es_type: str | None, fmt: str | None = None) -> Any:
    """A raw value as the mapping type `es_type` makes ES see it (None if it cannot):
    dates as epoch milliseconds (`fmt` is the mapping's `format`), versions as `Version`s;
    other types unchanged."""
    if value is None or es_type is None:
        return value
    if isinstance(value, list):
        return [coerce_to_type(v, es_type, fmt) for v in value]
    if es_type in DATE:
        return parse_date_millis(value, fmt)
    if es_type == "version":
        return value if isinstance(value, Version) else Version(str(value))
    if es_type in NUMERIC and isinstance(value, float) and not math.isfinite(value):
        return None  # no numeric field indexes it (Elasticsearch rejects the document)
    return value


# --- doc values: what ES|QL reads from a document ----------------------------------------


def ip_bytes(text: str) -> bytes | None:
    """The 16-byte form Elasticsearch stores an address in (IPv4 as IPv4-mapped IPv6), or
    None when `text` is not an address; bytes order is Elasticsearch's order of addresses."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 4:
        return IPV4_PREFIX + address.packed
    return address.packed


def format_ip_bytes(packed: bytes) -> str:
    """An address as Elasticsearch prints it (`InetAddresses.toAddrString`): IPv4-mapped
    addresses as dotted quads, IPv6 in its shortest form."""
    if packed[:12] == IPV4_PREFIX:
        return ".".join(str(b) for b in packed[12:])
    return ipaddress.IPv6Address(packed).compressed


def number_of(value: Any) -> int | float | None:
    """`value` as a number the way a numeric field parses it (a number, or a string holding
    one); None for anything else, booleans and non-finite strings ("NaN", "1e400")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _rounded(number: float, mapping_type: str, params: Mapping[str, Any]) -> float:
    if not math.isfinite(number):
        return number
    if mapping_type == "float":
        return _to_float32(number)
    if mapping_type == "half_float":
        return _to_float16(number)
    if mapping_type == "scaled_float":
        factor = float(params.get("scaling_factor", 1))
        return round(number * factor) / factor
    return number


def _to_float32(value: float) -> float:
    return _packed("f", value)


def _to_float16(value: float) -> float:
    return _packed("e", value)


def _packed(form: str, value: float) -> float:
    try:
        return float(struct.unpack(form, struct.pack(form, value))[0])
    except OverflowError:  # beyond the format's largest value: Java rounds it to infinity
        return math.copysign(math.inf, value)


def indexed_value(value: Any, mapping_type: str, params: Mapping[str, Any] | None = None) -> Any:
    """One `_source` value as the field's doc value, or None when the field would not index
    it (a malformed value: Elasticsearch rejects the document or, with `ignore_malformed`,
    leaves the field empty; ruleops reads it as absent)."""
    if value is None:
        return None
    params = params or {}
    if mapping_type in STRING:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        elif isinstance(value, int | float):
            text = str(value)
        else:
            return None
        limit = params.get("ignore_above")
        if mapping_type in KEYWORD and isinstance(limit, int) and len(text) > limit:
            return None
        if params.get("normalizer") == "lowercase":
            return text.lower()
        return text
    if mapping_type in INTEGER:
        number = number_of(value)
        if number is None:
            return None
        if isinstance(number, float):
            if not math.isfinite(number):
                return None  # out of range for every integer type
            # Elasticsearch truncates a fractional value given to an integer field.
            number = int(number)
        low, high = _INTEGER_RANGE[mapping_type]
        return number if low <= number <= high else None
    if mapping_type in FLOAT:
        number = number_of(value)
        if number is None:
            return None
        # NumberFieldMapper takes finite values only ("[double] supports only finite values"),
        # after rounding to the field's precision: 1e39 is infinite as a float.
        number = _rounded(float(number), mapping_type, params)
        return number if math.isfinite(number) else None
    if mapping_type == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        return None
    if mapping_type == "date":
        return parse_date_millis(value, params.get("format"))
    if mapping_type == "date_nanos":
        return parse_date_nanos(value)
    if mapping_type == "ip":
        return ip_bytes(value) if isinstance(value, str) else None
    if mapping_type == "version":
        return Version(value) if isinstance(value, str) else None
    return value


def parse_date_nanos(value: Any) -> int | None:
    """Epoch nanoseconds of an ISO-8601 date (or epoch milliseconds given as a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) * 1_000_000 if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    millis = parse_date_millis(text)
    if millis is None:
        return None
    # parse_date_millis keeps milliseconds; the digits after them come from the text.
    dot = text.find(".")
    extra = 0
    if dot != -1:
        digits = ""
        for char in text[dot + 1 :]:
            if not char.isdigit():
                break
            digits += char
        extra = int(digits[3:9].ljust(6, "0")) if len(digits) > 3 else 0
    return millis * 1_000_000 + extra


def _flatten(raw: Any, out: list[Any]) -> None:
    if isinstance(raw, list | tuple):
        for item in raw:
            _flatten(item, out)
    elif raw is not None:
        out.append(raw)


def _sort_key(mapping_type: str):
    if mapping_type == "version":
        return lambda v: v.key
    return None


def doc_value(raw: Any, mapping_type: str, params: Mapping[str, Any] | None = None) -> Any:
    """A field's `_source` value (a value, a list, nested lists, null) as ES|QL reads it:
    None, one value, or a tuple of two or more values in doc-values order (module doc)."""
    if raw is None:
        return None
    if raw.__class__ is str and mapping_type in KEYWORD and not params:
        return raw
    flat: list[Any] = []
    _flatten(raw, flat)
    indexed = (indexed_value(item, mapping_type, params) for item in flat)
    values = [v for v in indexed if v is not None]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if mapping_type in TEXT or mapping_type not in _ESQL_TYPE:
        return tuple(values)
    if mapping_type in KEYWORD or mapping_type in ("ip", "version"):
        values = sorted(set(values), key=_sort_key(mapping_type))
        return values[0] if len(values) == 1 else tuple(values)
    return tuple(sorted(values))


# --- text analysis: the standard analyzer -------------------------------------------------

# Unicode word-break classes (UAX #29) that join the characters around them into one word.
_MID_LETTER = frozenset(":\u00b7\u0387\u05f4\u2027\ufe13\ufe55\uff1a")
_MID_NUM = frozenset(
    ",;\u037e\u0589\u060c\u060d\u066c\u07f8\u2044\ufe10\ufe14\ufe50\ufe54\uff0c\uff1b"
)
_MID_NUM_LET = frozenset(".'\u2018\u2019\u2024\ufe52\uff07\uff0e")
_MAX_TOKEN_LENGTH = 255


def _char_class(char: str) -> str:
    """ALetter ("a"), Numeric ("9"), ExtendNumLet ("_"), a character that is a word of its
    own (ideographs, hiragana: "i"), an Extend/Format mark ("x"), or anything else ("-")."""
    category = unicodedata.category(char)
    if category == "Nd":
        return "9"
    if category in ("Mn", "Me", "Mc", "Cf"):
        return "x"
    if category == "Pc":
        return "_"
    if category[0] == "L" or category == "Nl":
        name = unicodedata.name(char, "")
        if name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA")):
            return "i"
        return "a"
    return "-"


@lru_cache(maxsize=65536)
def analyze(text: str) -> tuple[str, ...]:
    """The terms Elasticsearch's standard analyzer indexes for a text: Unicode word
    segmentation (Lucene StandardTokenizer, UAX #29), then lower case (LowerCaseFilter).

    Letters and digits run together into one word, as does `_`; a single `.`, `'` or `:`
    between letters stays inside the word (`mimikatz.exe`, `don't`), a single `.`, `,` or `;`
    between digits too (`192.168.1.1`, `1,000`); anything else separates words (`-`, `\\`,
    `/`, `@`, spaces), and is dropped. Ideographs and hiragana are words of one character.
    A word longer than 255 characters is cut into pieces of 255."""
    words: list[str] = []
    current: list[str] = []
    classes = [_char_class(c) for c in text]
    previous = ""  # class of the last word character
    i = 0
    while i < len(text):
        char, kind = text[i], classes[i]
        if kind in ("a", "9", "_") or (kind == "x" and current):
            current.append(char)
            if kind != "x":
                previous = kind
        elif kind == "i":
            if current:
                words.append("".join(current))
                current = []
            words.append(char)
            previous = ""
        elif current and i + 1 < len(text) and _joins(char, previous, classes[i + 1]):
            current.append(char)
        else:
            if current:
                words.append("".join(current))
                current = []
            previous = ""
        i += 1
    if current:
        words.append("".join(current))
    out: list[str] = []
    for word in words:
        lowered = "".join(c.lower()[0] if c.lower() else c for c in word)
        size = _MAX_TOKEN_LENGTH
        out.extend(lowered[k : k + size] for k in range(0, len(lowered), size))
    return tuple(out)


def in_a_word(char: str) -> bool:
    """Whether the standard analyzer can keep `char` inside a word it indexes (letters,
    digits, `_`, marks, and the `.`, `'`, `:`, `,`, `;` that rules WB6-WB12 keep between
    letters or digits); anything else only ever separates words (`-`, `\\`, `/`, `@`)."""
    return (
        _char_class(char) != "-" or char in _MID_LETTER or char in _MID_NUM or char in _MID_NUM_LET
    )


def _joins(char: str, before: str, after: str) -> bool:
    """Whether `char` between a word character of class `before` and one of class `after`
    stays inside the word (UAX #29 rules WB6/WB7 for letters, WB11/WB12 for digits)."""
    if before == "a" and after == "a":
        return char in _MID_LETTER or char in _MID_NUM_LET
    if before == "9" and after == "9":
        return char in _MID_NUM or char in _MID_NUM_LET
    return False
