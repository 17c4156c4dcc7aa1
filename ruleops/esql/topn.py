"""SORT as Elasticsearch runs it: a top-N heap, so rows with equal keys come out in the
order Elasticsearch gives them.

Elasticsearch turns SORT (with the LIMIT after it, or the default limit) into a TopN
operator that inserts every row into Lucene's `PriorityQueue` (a binary heap on a 1-based
array; `insertWithOverflow` once full) and emits the rows by popping the heap and reversing.
A heap is not a stable sort: rows whose keys are equal leave it in an order that depends on
the heap's shape, which the csv-spec tests pin (`mv_expand.csv-spec` `expandAfterSort1`).
This module is that heap, written from Lucene's documented algorithm.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def top_n(rows: Iterable[T], limit: int, compare: Callable[[T, T], int]) -> list[T]:
    """The first `limit` rows in `compare` order, equal rows as Elasticsearch orders them."""
    heap: list[Any] = [None]
    size = 0

    def worse(a: T, b: T) -> bool:  # Lucene's lessThan: the heap's top is the worst row
        return compare(a, b) > 0

    def up(i: int) -> None:
        node = heap[i]
        j = i >> 1
        while j > 0 and worse(node, heap[j]):
            heap[i] = heap[j]
            i, j = j, j >> 1
        heap[i] = node

    def down(i: int) -> None:
        node = heap[i]
        j = i << 1
        if j + 1 <= size and worse(heap[j + 1], heap[j]):
            j += 1
        while j <= size and worse(heap[j], node):
            heap[i] = heap[j]
            i = j
            j = i << 1
            if j + 1 <= size and worse(heap[j + 1], heap[j]):
                j += 1
        heap[i] = node

    if limit <= 0:
        return []
    for row in rows:
        if size < limit:
            size += 1
            heap.append(row)
            up(size)
        elif not worse(row, heap[1]):
            heap[1] = row
            down(1)
    out: list[T] = []
    while size:
        out.append(heap[1])
        heap[1] = heap[size]
        heap.pop()
        size -= 1
        if size:
            down(1)
    out.reverse()
    return out
