"""Whoosh pieces of our own: a query needing at least N of its parts, and a collector that stops
within a time and document budget.

Pure of Flask. `AtLeast` exists because Whoosh's Or accepts a `minmatch` argument but does not
implement it; `BudgetCollector` because pure-Python scoring cannot score every match of a common
word on a large index within a request.
"""
from __future__ import annotations

import time
from typing import Sequence

from whoosh import collectors, matching, query

DEFAULT_BUDGET_DOCS = 2000
DEFAULT_BUDGET_SECONDS = 0.030


# ---------------------------------------------------------------------------------------------
# Any of the queries
# ---------------------------------------------------------------------------------------------


class Any(query.Or):
    """Or, always merged with a tree of union matchers. On a segment under 5,000 documents, Whoosh's
    Or picks a matcher that preloads 2,048 slots per clause: about a millisecond per clause and
    segment, and the small segments that single edits leave behind are many."""

    matcher_type = query.Or.DEFAULT_MATCHER


# ---------------------------------------------------------------------------------------------
# At least N of the required queries
# ---------------------------------------------------------------------------------------------


class AtLeast(query.Query):
    """Documents matching at least `minimum` of the `required` queries, scored by those that match;
    the `optional` queries only add to the score of such documents. (Whoosh's Or takes a
    `minmatch` argument but does not implement it.)"""

    def __init__(self, required: Sequence[query.Query], optional: Sequence[query.Query] = (),
                 minimum: int = 1, boost: float = 1.0):
        self.required = list(required)
        self.optional = list(optional)
        self.minimum = minimum
        self.boost = boost

    def __repr__(self):
        return f"{self.__class__.__name__}({self.required!r}, {self.optional!r}, minimum={self.minimum})"

    def __eq__(self, other):
        return (other.__class__ is self.__class__ and self.required == other.required
                and self.optional == other.optional and self.minimum == other.minimum and self.boost == other.boost)

    def __hash__(self):
        return hash((self.__class__.__name__, tuple(self.required), tuple(self.optional), self.minimum, self.boost))

    def is_leaf(self):
        return False

    def children(self):
        return self.required + self.optional

    def apply(self, fn):
        return self.__class__([fn(q) for q in self.required], [fn(q) for q in self.optional], self.minimum,
                              self.boost)

    def normalize(self):
        return self.apply(lambda q: q.normalize())

    def estimate_size(self, ixreader):
        return min(sum(q.estimate_size(ixreader) for q in self.required), ixreader.doc_count())

    def matcher(self, searcher, context=None):
        required = [m for m in (q.matcher(searcher, context) for q in self.required) if m.is_active()]
        if len(required) < self.minimum:
            return matching.NullMatcher()
        optional = [m for m in (q.matcher(searcher, context) for q in self.optional) if m.is_active()]
        return AtLeastMatcher(required, optional, self.minimum, self.boost)


class AtLeastMatcher(matching.Matcher):
    """Steps through the documents at least `minimum` of the `required` matchers share; the
    `optional` matchers are only moved forward to score the current document."""

    def __init__(self, required: list, optional: list, minimum: int, boost: float = 1.0):
        self.required = required
        self.optional = optional
        self.minimum = minimum
        self.boost = boost
        self._id = None
        self._settle()

    def _settle(self) -> None:
        minimum = self.minimum
        while True:
            active = [m for m in self.required if m.is_active()]
            if len(active) < minimum:
                self._id = None
                return
            ids = sorted(m.id() for m in active)
            # No document before the minimum-th smallest id can be matched `minimum` times.
            target = ids[minimum - 1]
            if ids[0] == target:
                self._id = target
                return
            for m in active:
                if m.id() < target:
                    m.skip_to(target)

    def is_active(self):
        return self._id is not None

    def id(self):
        return self._id

    def reset(self):
        for m in self.required + self.optional:
            m.reset()
        self._settle()

    def copy(self):
        return self.__class__([m.copy() for m in self.required], [m.copy() for m in self.optional],
                              self.minimum, self.boost)

    def children(self):
        return self.required + self.optional

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def max_quality(self):
        try:
            return self.boost * sum(m.max_quality() for m in self.required + self.optional)
        except matching.NoQualityAvailable:
            return float("inf")  # an upper bound all the same: never pruned

    def next(self):
        if self._id is None:
            raise matching.ReadTooFar
        current = self._id
        for m in self.required:
            if m.is_active() and m.id() == current:
                m.next()
        self._settle()

    def skip_to(self, id):
        if self._id is None:
            raise matching.ReadTooFar
        if id <= self._id:
            return
        for m in self.required:
            if m.is_active() and m.id() < id:
                m.skip_to(id)
        self._settle()

    def score(self):
        current = self._id
        total = 0.0
        for m in self.required:
            if m.is_active() and m.id() == current:
                total += m.score()
        for m in self.optional:
            if m.is_active() and m.id() < current:
                m.skip_to(current)
            if m.is_active() and m.id() == current:
                total += m.score()
        return total * self.boost


# ---------------------------------------------------------------------------------------------
# Running a query within a budget
# ---------------------------------------------------------------------------------------------


class BudgetCollector(collectors.TopCollector):
    """Top-N that stops after `budget_docs` scored matches or `budget_seconds`.

    Pure-Python scoring costs a few microseconds per matching document, so a query matching half
    of 100,000 articles cannot be scored whole within a call. The index is written in order of
    usefulness (articles: helpful votes and views; tickets: newest first) and small, recent
    segments are visited first, so when the budget runs out the best candidates were seen.
    The total is then reported as a lower bound (total_exact False).
    """

    def __init__(self, limit: int, budget_docs: int, budget_seconds: float):
        super().__init__(limit=limit, usequality=False)
        self.budget_docs = budget_docs
        self.budget_seconds = budget_seconds

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.visited = 0
        self.truncated = False

    def run(self):
        deadline = time.perf_counter() + self.budget_seconds
        try:
            leaves = sorted(self.top_searcher.leaf_searchers(), key=lambda pair: pair[0].doc_count_all())
            for subsearcher, offset in leaves:
                self.set_subsearcher(subsearcher, offset)
                collect = self.collect
                for sub_docnum in self.matches():
                    collect(sub_docnum)
                    self.visited += 1
                    # The clock is read at every match: between two matches of a rare combination
                    # of common words, the matchers may have skipped through long posting lists.
                    if self.visited >= self.budget_docs or time.perf_counter() > deadline:
                        self.truncated = True
                        return
        finally:
            self.finish()


def run_query(searcher, q: query.Query, limit: int, budget_docs: int = DEFAULT_BUDGET_DOCS,
              budget_seconds: float = DEFAULT_BUDGET_SECONDS) -> tuple[list[tuple[float, int]], int, bool]:
    """([(score, docnum)], total, exact)."""
    collector = BudgetCollector(limit, budget_docs, budget_seconds)
    searcher.search_with_collector(q, collector)
    items = sorted(collector.items, reverse=True)
    return [(score, -negdoc) for score, negdoc in items], collector.visited, not collector.truncated
