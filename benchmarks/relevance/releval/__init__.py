"""The relevance evaluation harness behind ``benchmarks/relevance/run.py``.

* :mod:`.collection` reads an IR test collection (``docs.jsonl``, ``queries.jsonl``,
  ``qrels.trec``) and turns natural-language questions into safe query strings;
* :mod:`.metrics` computes nDCG@10, MAP and recall@100 with trec_eval's conventions (and
  cross-checks them with ``pytrec_eval`` when it is installed);
* :mod:`.bm25` is an independent, parameterisable Okapi BM25 / BM25F reference in numpy;
* :mod:`.systems` runs searchlib and the baselines (plain Whoosh, SQLite FTS5, the reference);
* :mod:`.scorecheck` checks searchlib's scores against the reference;
* :mod:`.tuning` searches searchlib's ranking knobs on half the queries and reports the other;
* :mod:`.report` writes the Markdown table.
"""

from __future__ import annotations
