"""The :class:`Index`: a searchlib index, and the only door to it.

An ``Index`` is a thin front over a backend (:mod:`searchlib.backend`) chosen by the index
location: a directory is a Whoosh index (:mod:`searchlib.backends.whoosh`). It is long-lived
and thread-safe: a search always sees one committed state of the index, the latest when it
starts, including commits made by other threads or processes since the index was opened.

Writing goes through :meth:`Index.writer`, a context manager that commits on success and
cancels on error, or through :meth:`Index.add`, :meth:`Index.update` and :meth:`Index.delete`
(one commit each). Every write takes the same path (:mod:`searchlib.pipeline`): validate, hash,
skip unchanged content, extract entities, store. Only one writer holds an index at a time: a
second one waits up to ``lock_timeout`` seconds, then raises
:class:`~searchlib.errors.IndexLocked`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .backends import open_backend
from .errors import DocumentNotFound, IndexUnavailable, QueryError
from .model import (
    SUGGESTION_KINDS,
    Article,
    EntityKind,
    FacetName,
    FilterHint,
    Highlighted,
    Hit,
    IndexReport,
    IndexStats,
    SearchResults,
    Suggestion,
    SuggestionKind,
)
from .ranking import Ranking
from .request import DEFAULT_TIMEOUT, SearchRequest

if TYPE_CHECKING:
    from .backend import Backend
    from .entities import Extractor
    from .facets import ValueIndex
    from .pipeline import ArticleWriter, Copies

# Searching, writing and extraction are imported when first used: a command that only reads
# figures (``searchlib stats``) or one article does not pay for them.

DEFAULT_LOCK_TIMEOUT = 30.0


class Index:
    """A searchlib index.

    ``Index(location)`` opens an existing index (raising :class:`IndexNotFound` or
    :class:`IndexCorrupt`); ``Index(location, create=True)`` or :meth:`Index.create` makes it
    first when it does not exist. ``location`` is a directory (a Whoosh index).

    The object is safe to share between threads and to keep open for the life of a process;
    close it with :meth:`close` or a ``with`` block. ``extractor`` replaces the default entity
    extractor (made when first needed). ``ranking`` sets the relevance model
    (:class:`~searchlib.ranking.Ranking`) for every search through this object. ``vectorized``
    (default True) runs plain-word queries on Whoosh's vectorised scorer.
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        create: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        extractor: Extractor | None = None,
        vectorized: bool = True,
        ranking: Ranking | None = None,
    ) -> None:
        self.ranking = ranking if ranking is not None else Ranking()
        self.lock_timeout = lock_timeout
        self._extractor = extractor
        self._extractor_lock = threading.Lock()
        self._backend: Backend = open_backend(
            location,
            create=create,
            lock_timeout=lock_timeout,
            vectorized=vectorized,
            ranking=self.ranking,
        )
        self.location = self._backend.location
        self._closed = False
        self._value_indexes: dict[str, tuple[int | None, ValueIndex]] = {}

    @classmethod
    def using(
        cls,
        backend: Backend,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        extractor: Extractor | None = None,
        ranking: Ranking | None = None,
    ) -> Index:
        """An index over a backend made elsewhere (any :class:`~searchlib.backend.Backend`:
        an engine of your own, or the test suite's reference backend)."""
        ix = cls.__new__(cls)
        ix.ranking = ranking if ranking is not None else Ranking()
        ix.lock_timeout = lock_timeout
        ix._extractor = extractor
        ix._extractor_lock = threading.Lock()
        ix._backend = backend
        ix.location = backend.location
        ix._closed = False
        ix._value_indexes = {}
        return ix

    @classmethod
    def create(cls, location: str | os.PathLike[str], **kwargs: Any) -> Index:
        """Open the index at ``location``, creating an empty one if there is none."""
        return cls(location, create=True, **kwargs)

    @staticmethod
    def exists(location: str | os.PathLike[str]) -> bool:
        """True if a searchlib index exists at ``location``."""
        from .backends import exists

        return exists(location)

    @property
    def path(self) -> str:
        """The index location (a directory, for a Whoosh index); same as :attr:`location`."""
        return self.location

    @property
    def backend(self) -> Backend:
        """The engine behind this index (for engine-specific options; see its docs)."""
        return self._backend

    @property
    def extractor(self) -> Extractor:
        """The entity extractor used for articles written without entities."""
        with self._extractor_lock:
            if self._extractor is None:
                from .entities import default_extractor

                self._extractor = default_extractor()
            return self._extractor

    def _check_open(self) -> None:
        if self._closed:
            raise IndexUnavailable("{index} has been closed", index=self.location)

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: str | SearchRequest = "", /, **options: Any) -> SearchResults:
        """Search the index.

        ``query`` uses the query language (:mod:`searchlib.query`: words are ANDed; an empty
        query, or ``*``, matches everything, newest first). ``options`` are the fields of
        :class:`~searchlib.request.SearchRequest`: the facet filters ``person``, ``org``,
        ``location``, ``misc``, ``tag``, ``source`` (one value or several; an article must carry
        all of them; matched ignoring case), ``exclude`` (``"person:Sergey Lavrov"``...),
        ``date_from``/``date_to`` (inclusive), ``sort`` (``"relevance"`` or ``"date"``),
        ``limit``, ``page``, ``facets``, ``facet_limit``, ``histogram``, ``interval``,
        ``fragments``, ``fragment_chars``, ``relax``, ``suggest``, ``match`` (``"all"`` or
        ``"any"``), ``recency`` (a half-life such as ``"30d"``), ``collapse`` and ``timeout``.
        A ready :class:`SearchRequest` may be passed instead of the query and options.

        Facets and the histogram count *all* matches. When no article matches every word, the
        best partial matches come back with ``relaxed=True``. A search that takes longer than
        ``timeout`` seconds returns what it has found with ``partial=True``.

        Raises :class:`~searchlib.errors.QueryError` for a bad query or option, or a wildcard
        that stands for too many words.
        """
        self._check_open()
        if isinstance(query, SearchRequest):
            request = query.replace(**options) if options else query
        else:
            request = SearchRequest(query=query, **options)
        from . import search as searching

        results: SearchResults = self._read(
            lambda r: searching.run(r, request, self.ranking, hints=self._hint)
        )
        return results

    def _hint(self, reader: Any, facet: FacetName, value: str) -> FilterHint:
        """The nearest values of a filter value that matches nothing, from an index of the
        facet's values kept per generation."""
        from .facets import ValueIndex

        generation = self._backend.generation()
        with self._extractor_lock:
            cached = self._value_indexes.get(facet)
        if cached is None or generation is None or cached[0] != generation:
            cached = (generation, ValueIndex(reader.facet_values(facet)))
            with self._extractor_lock:
                self._value_indexes[facet] = cached
        return cached[1].nearest(facet, value)

    def _read(self, fn: Any) -> Any:
        retrying = getattr(self._backend, "retrying", None)
        if retrying is not None:
            return retrying(fn)
        with self._backend.reader() as r:
            return fn(r)

    def similar(
        self, article_id: str, *, limit: int = 10, timeout: float = DEFAULT_TIMEOUT
    ) -> tuple[Hit, ...]:
        """The articles most related to ``article_id``: shared key words and shared people,
        organisations and places, best first.

        Raises :class:`DocumentNotFound` when there is no such article.
        """
        self._check_open()
        SearchRequest(limit=limit, timeout=timeout)  # validates both
        from . import search as searching
        from .highlight import Highlighter

        def read(r: Any) -> tuple[Hit, ...]:
            ranked = r.similar(article_id, limit=limit, deadline=time.perf_counter() + timeout)
            if ranked is None:
                raise DocumentNotFound(
                    f"no article with id {article_id!r} in {{index}}", index=self.location
                )
            quiet = Highlighter((), ())
            articles = r.articles([c.key for c in ranked])
            return tuple(
                searching.make_hit(i + 1, c.score, a, quiet, fragments=0, fragment_chars=240)
                for i, (c, a) in enumerate(zip(ranked, articles, strict=True))
            )

        result: tuple[Hit, ...] = self._read(read)
        return result

    def suggest(
        self,
        prefix: str,
        *,
        limit: int = 10,
        kinds: Sequence[SuggestionKind] | None = None,
    ) -> tuple[Suggestion, ...]:
        """Autocomplete ``prefix``: entity names, tags, sources and words that start with it,
        most articles first.

        A name is offered when any of its words starts with the prefix (``lav`` offers
        "Sergey Lavrov"); matching ignores case and accents. ``kinds`` keeps only some kinds
        (``"person"``, ``"org"``, ``"location"``, ``"misc"``, ``"tag"``, ``"source"``,
        ``"word"``). Raises :class:`QueryError` for a blank or over-long prefix or a bad limit
        or kind.
        """
        self._check_open()
        from .suggestions import check_prefix, rank_suggestions

        folded = check_prefix(prefix, limit)
        wanted = frozenset(kinds) if kinds is not None else None
        if wanted is not None and not wanted <= set(SUGGESTION_KINDS):
            bad = sorted(wanted - set(SUGGESTION_KINDS))[0]
            raise QueryError(f"unknown kind {bad!r} (kinds: {', '.join(SUGGESTION_KINDS)})")
        found = self._read(lambda r: r.suggest(folded, limit=limit, kinds=wanted))
        return rank_suggestions(found, limit)

    def highlight(self, article_id: str, query: str) -> Highlighted:
        """The article's whole title and body with the matches of ``query`` marked, the words
        as written (wildcards expanded as a search would). Raises :class:`DocumentNotFound` or
        :class:`QueryError`."""
        self._check_open()
        from . import search as searching
        from .highlight import Highlighter, whole

        def read(r: Any) -> Highlighted:
            article = r.get(article_id)
            if article is None:
                raise DocumentNotFound(
                    f"no article with id {article_id!r} in {{index}}", index=self.location
                )
            _, tree, _, _ = searching.prepare(r, query)
            marker = Highlighter.for_tree(tree)
            return Highlighted(
                id=article.id,
                title=whole(article.title, marker.title),
                body=whole(article.body, marker.body, field="body"),
            )

        result: Highlighted = self._read(read)
        return result

    def generation(self) -> int | None:
        """A number that changes whenever the index may have changed (cheap), for caches keyed
        by the index's content; None when the engine cannot tell."""
        self._check_open()
        return self._backend.generation()

    def get(self, article_id: str) -> Article:
        """The article with this id; raises :class:`DocumentNotFound` if there is none."""
        self._check_open()
        found: Article | None = self._read(lambda r: r.get(article_id))
        if found is None:
            raise DocumentNotFound(
                f"no article with id {article_id!r} in {{index}}", index=self.location
            )
        return found

    def __contains__(self, article_id: object) -> bool:
        if not isinstance(article_id, str):
            return False
        return bool(self._read(lambda r: r.get(article_id) is not None))

    def count(self) -> int:
        """The number of articles in the index."""
        self._check_open()
        return self._backend.count()

    def __len__(self) -> int:
        return self.count()

    def stats(self) -> IndexStats:
        """Articles, their date range, the size on disk, and the engine's own figures."""
        self._check_open()
        s = self._backend.stats()
        return IndexStats(
            location=self.location,
            documents=s.documents,
            date_min=s.date_min,
            date_max=s.date_max,
            undated=s.undated,
            size_bytes=s.size_bytes,
            generation=s.generation,
            backend=dict(s.details),
        )

    def verify(self) -> list[str]:
        """Read the whole index and describe any damage, one line per damaged file (empty when
        the index is sound). ``searchlib check`` runs this."""
        self._check_open()
        return [f"{d.file}: {d.problem}" for d in self._backend.verify()]

    # -- writing ---------------------------------------------------------------------------

    def writer(
        self,
        *,
        timeout: float | None = None,
        copies: Copies = "keep",
        mapped: Iterable[EntityKind] | None = None,
        run_ids: set[str] | None = None,
        **backend_options: Any,
    ) -> ArticleWriter:
        """A batch writer (a context manager: commit on success, cancel on error).

        Waits up to ``timeout`` seconds (default: the index's ``lock_timeout``) for another
        writer to finish, then raises :class:`IndexLocked`. Articles added without entities get
        the extractor's; ``mapped`` names entity kinds that the articles carry from their source
        (the others are extracted). ``copies="skip"`` skips an article whose content an
        earlier run indexed under another id. ``backend_options`` go to the engine's writer
        (Whoosh: ``procs``, the number of indexing processes).
        """
        self._check_open()
        from .pipeline import ArticleWriter

        wait = self.lock_timeout if timeout is None else timeout
        return ArticleWriter(
            self._backend.writer(timeout=wait, **backend_options),
            self.extractor,
            mapped=frozenset(mapped) if mapped is not None else None,
            copies=copies,
            run_ids=run_ids,
        )

    def add(
        self, articles: Article | Iterable[Article], *, timeout: float | None = None
    ) -> IndexReport:
        """Add or replace articles in one batch, extracting entities for those that have none."""
        return self._write(articles, timeout=timeout, update_only=False)

    def update(
        self, articles: Article | Iterable[Article], *, timeout: float | None = None
    ) -> IndexReport:
        """Replace existing articles; raises :class:`DocumentNotFound` for an unknown id."""
        return self._write(articles, timeout=timeout, update_only=True)

    def _write(
        self, articles: Article | Iterable[Article], *, timeout: float | None, update_only: bool
    ) -> IndexReport:
        batch = [articles] if isinstance(articles, Article) else list(articles)
        with self.writer(timeout=timeout) as w:
            for article in batch:
                if update_only:
                    w.update(article)
                else:
                    w.add(article)
            counts = w.counts
        return IndexReport(
            indexed=counts["indexed"], updated=counts["updated"], unchanged=counts["unchanged"]
        )

    def delete(self, ids: str | Iterable[str], *, timeout: float | None = None) -> int:
        """Delete articles by id; returns how many were deleted."""
        with self.writer(timeout=timeout) as w:
            return w.delete([ids] if isinstance(ids, str) else ids)

    def optimize(self, *, timeout: float | None = None) -> None:
        """Compact the index for faster searches (Whoosh: merge every segment into one; slow
        on big indexes)."""
        self._check_open()
        self._backend.optimize(timeout=self.lock_timeout if timeout is None else timeout)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release what this object holds. Further use raises :class:`IndexUnavailable`."""
        self._closed = True
        self._backend.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Index({self.location!r})"


__all__ = ["DEFAULT_LOCK_TIMEOUT", "Index"]
