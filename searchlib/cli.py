"""The ``searchlib`` command: a thin shell over the library.

Each command parses its options, calls the library and prints through :mod:`searchlib.present`.
Every error a user can cause ends in a one-line ``Error: ...`` on stderr and a non-zero exit
status, never a traceback.

Exit status: 0 success; 1 error (nothing or not everything was done); 2 bad usage;
3 ``index`` finished but some inputs failed.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from . import present
from .dates import DateOrder
from .errors import IndexNotFound, SearchlibError
from .index import Index
from .ingest import ingest
from .model import SUGGESTION_KINDS, IndexReport, to_data
from .paths import ENV_INDEX, bundled_seeds, default_index_path
from .readers import FORMATS, ReadOptions

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_PARTIAL = 3


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn library and OS errors into one-line messages and exit statuses."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SearchlibError as exc:
            _fail(str(exc))
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            _fail(f"{exc.strerror or exc}{where}")
        except KeyboardInterrupt:
            click.echo("Interrupted; every committed batch is kept.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def index_option(fn: F) -> F:
    """The shared ``--index DIR`` option."""
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Index directory. Default: ${ENV_INDEX}, else {default_index_path({})}.",
    )(fn)


def output_option(*choices: str) -> Callable[[F], F]:
    """The shared ``--format`` option for output."""

    def decorate(fn: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(choices),
            default=choices[0],
            show_default=True,
            help="Output format: text for people, the others for programs.",
        )(fn)

    return decorate


def color_option(fn: F) -> F:
    """``--color/--no-color``; by default colour only on a terminal, and never with NO_COLOR."""
    return click.option(
        "--color/--no-color",
        default=None,
        help="Colour the output (default: on a terminal, unless NO_COLOR is set).",
    )(fn)


def _use_color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@contextmanager
def open_index(index_dir: Path | None, *, build_demo: bool = True) -> Iterator[Index]:
    """Open the index for reading.

    An explicit ``--index`` must exist. The default index is built from the bundled seeds the
    first time it is needed, with a note on stderr.
    """
    if index_dir is not None:
        with Index(index_dir) as ix:
            yield ix
        return
    path = default_index_path()
    if not Index.exists(path) and build_demo:
        seeds = bundled_seeds()
        click.echo(
            f"No index at {path} yet: building it from the bundled demo corpus ({seeds}).", err=True
        )
        with Index(path, create=True) as ix:
            report = ingest(ix, [seeds])
            click.echo(present.report_text(report), err=True)
    try:
        ix = Index(path)
    except IndexNotFound:
        raise IndexNotFound(f"no index at {path}: build one with 'searchlib index PATH'") from None
    with ix:
        yield ix


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searchlib")
def main() -> None:
    """Search news archives: index articles, then query them with facets and highlights."""


def _parse_fields(values: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in values:
        ours, sep, theirs = item.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise click.BadParameter(
                f"{item!r}: expected OURS=THEIRS, e.g. title=headline", param_hint="--field"
            )
        mapping[ours.strip()] = theirs.strip()
    return mapping


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option(
    "--format",
    "input_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Input format (default: by file extension).",
)
@click.option(
    "--date-order",
    type=click.Choice([o.value for o in DateOrder]),
    default="dmy",
    show_default=True,
    help="Day/month order of numeric dates like 07/10/2016.",
)
@click.option(
    "--glob", default=None, help="Only files matching this pattern when recursing, e.g. '*.txt'."
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="OURS=THEIRS",
    help="Map a field to the input's column or key, e.g. --field title=article_title.",
)
@click.option("--id-prefix", default="", help="Prefix for every article id (keeps corpora apart).")
@click.option(
    "--procs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes for indexing.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=5000,
    show_default=True,
    help="Articles per commit.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another writer to finish.",
)
@click.option(
    "--merge/--no-merge",
    default=True,
    show_default=True,
    help="After a run of many batches, merge the index into one segment (smaller; slower run).",
)
@click.option("--strict", is_flag=True, help="Stop at the first input that fails.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr each time a batch is committed.")
@handle_errors
def index_cmd(
    paths: tuple[Path, ...],
    index_dir: Path | None,
    input_format: str | None,
    date_order: str,
    glob: str | None,
    fields: tuple[str, ...],
    id_prefix: str,
    procs: int,
    batch_size: int,
    lock_timeout: float,
    merge: bool,
    strict: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """Index articles from files and directories (text, JSON Lines, CSV).

    Re-indexing the same input updates changed articles and skips unchanged ones. Exits with
    status 3 if some inputs failed (they are listed), 1 if nothing could be done.
    """
    options = ReadOptions(
        format=input_format,
        date_order=DateOrder(date_order),
        fields=_parse_fields(fields),
        glob=glob,
        id_prefix=id_prefix,
    )
    target = index_dir or default_index_path()
    with Index(target, create=True, lock_timeout=lock_timeout) as ix:
        report = _run_ingest(
            ix,
            paths,
            options,
            procs=procs,
            strict=strict,
            batch_size=batch_size,
            merge=merge,
            on_commit=_say_committed if verbose else None,
        )
    if as_json:
        click.echo(present.to_json(report))
    else:
        click.echo(present.report_text(report), err=True)
    if report.failed:
        sys.exit(EXIT_PARTIAL if report.indexed + report.updated + report.unchanged else EXIT_ERROR)


def _say_committed(total: int) -> None:
    click.echo(f"committed {total} articles", err=True)


def _run_ingest(
    ix: Index, paths: tuple[Path, ...], options: ReadOptions, **kwargs: Any
) -> IndexReport:
    if not sys.stderr.isatty():
        return ingest(ix, paths, options=options, **kwargs)
    bar: Any = None

    def start(total: int) -> None:
        nonlocal bar
        bar = click.progressbar(length=total, label="Indexing", file=sys.stderr, show_pos=True)
        bar.__enter__()

    try:
        return ingest(
            ix, paths, options=options, on_sources=start, progress=lambda n: bar.update(n), **kwargs
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@main.command("query")
@click.argument("text", default="")
@index_option
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Hits per page.",
)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Page number.")
@click.option(
    "--since",
    default=None,
    metavar="DATE",
    help="Only articles dated on or after (YYYY, YYYY-MM or YYYY-MM-DD).",
)
@click.option("--until", default=None, metavar="DATE", help="Only articles dated on or before.")
@click.option("--person", multiple=True, help="Only articles naming this person (repeatable).")
@click.option("--org", multiple=True, help="Only articles naming this organisation (repeatable).")
@click.option("--location", multiple=True, help="Only articles naming this place (repeatable).")
@click.option("--tag", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--source", multiple=True, help="Only articles from this source (repeatable).")
@click.option(
    "--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True
)
@click.option(
    "--facets/--no-facets",
    default=True,
    show_default=True,
    help="Count people, organisations, places, tags and sources.",
)
@click.option(
    "--interval",
    type=click.Choice(["year", "month", "day", "auto"]),
    default="month",
    show_default=True,
    help="Width of the date histogram's bars.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds before the search returns what it has, marked partial.",
)
@click.option(
    "--relax/--no-relax",
    default=True,
    show_default=True,
    help="When nothing matches every word, show the best partial matches.",
)
@click.option(
    "--match",
    type=click.Choice(["all", "any"]),
    default="all",
    show_default=True,
    help="all: every word must match; any: any word, more words rank higher (for questions).",
)
@click.option(
    "--recency",
    default=None,
    metavar="HALF-LIFE",
    help="Favour newer articles: 30d, 12h, 2w, 6m, 1y (off by default).",
)
@click.option(
    "--collapse/--no-collapse",
    default=None,
    help="One hit per group of near-duplicates, '+N similar' [default: on for text output].",
)
@output_option("text", "json", "jsonl", "csv")
@color_option
@handle_errors
def query_cmd(
    text: str,
    index_dir: Path | None,
    limit: int,
    page: int,
    since: str | None,
    until: str | None,
    person: tuple[str, ...],
    org: tuple[str, ...],
    location: tuple[str, ...],
    tag: tuple[str, ...],
    source: tuple[str, ...],
    sort: str,
    facets: bool,
    interval: str,
    timeout: float,
    relax: bool,
    match: str,
    recency: str | None,
    collapse: bool | None,
    fmt: str,
    color: bool | None,
) -> None:
    """Search the index. TEXT uses the query syntax (see README); empty TEXT lists everything."""
    with open_index(index_dir) as ix:
        results = ix.search(
            text,
            person=person,
            org=org,
            location=location,
            tag=tag,
            source=source,
            date_from=since,
            date_to=until,
            sort=sort,  # type: ignore[arg-type]
            limit=limit,
            page=page,
            facets=None if not facets else ("person", "org", "location", "tag", "source"),
            histogram=facets,
            interval=interval,  # type: ignore[arg-type]
            relax=relax,
            timeout=timeout,
            match=match,  # type: ignore[arg-type]
            recency=recency,
            collapse=fmt == "text" if collapse is None else collapse,
        )
    if fmt == "json":
        click.echo(present.to_json(results))
    elif fmt == "jsonl":
        if results.hits:
            click.echo(present.results_jsonl(results))
    elif fmt == "csv":
        click.echo(present.results_csv(results))
    else:
        click.echo(present.results_text(results, color=_use_color(color)), color=_use_color(color))


@main.command("show")
@click.argument("article_id")
@index_option
@click.option(
    "--similar",
    "n_similar",
    type=click.IntRange(0, 100),
    default=5,
    show_default=True,
    help="How many related articles to list after it (0 for none).",
)
@output_option("text", "json")
@handle_errors
def show_cmd(article_id: str, index_dir: Path | None, n_similar: int, fmt: str) -> None:
    """Show one article in full, with its entities and the articles most related to it."""
    with open_index(index_dir) as ix:
        article = ix.get(article_id)
        similar = ix.similar(article_id, limit=n_similar) if n_similar else ()
    if fmt == "json":
        data = to_data(article)
        data["similar"] = to_data(similar)
        click.echo(present.to_json(data))
        return
    text = present.article_text(article)
    if similar:
        text += "\n\nSimilar articles:\n" + present.hits_text(similar)
    click.echo(text)


@main.command("similar")
@click.argument("article_id")
@index_option
@click.option(
    "-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
    help="How many related articles.",
)
@output_option("text", "json", "jsonl")
@color_option
@handle_errors
def similar_cmd(
    article_id: str, index_dir: Path | None, limit: int, fmt: str, color: bool | None
) -> None:
    """List the articles most related to one: shared key words, people, organisations, places."""
    with open_index(index_dir) as ix:
        hits = ix.similar(article_id, limit=limit)
    if fmt == "json":
        click.echo(present.to_json(hits))
    elif fmt == "jsonl":
        for h in hits:
            click.echo(present.to_json(h, indent=None))
    elif hits:
        click.echo(present.hits_text(hits, color=_use_color(color)), color=_use_color(color))
    else:
        click.echo("no related articles", err=True)


@main.command("suggest")
@click.argument("prefix")
@index_option
@click.option(
    "-n", "--limit", type=click.IntRange(1, 100), default=10, show_default=True,
    help="How many suggestions.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(list(SUGGESTION_KINDS)),
    help="Only suggestions of this kind (repeatable).",
)
@output_option("text", "json")
@handle_errors
def suggest_cmd(
    prefix: str, index_dir: Path | None, limit: int, kinds: tuple[str, ...], fmt: str
) -> None:
    """Complete PREFIX: entity names, tags, sources and words, most articles first."""
    with open_index(index_dir) as ix:
        found = ix.suggest(prefix, limit=limit, kinds=kinds or None)  # type: ignore[arg-type]
    if fmt == "json":
        click.echo(present.to_json(found))
    elif found:
        click.echo(present.suggestions_text(found))
    else:
        click.echo(f"nothing starts with {prefix!r}", err=True)


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port."
)
@click.option(
    "--api-key",
    envvar="SEARCHLIB_API_KEY",
    default=None,
    help="Enable POST/DELETE /articles for requests with this key (or $SEARCHLIB_API_KEY).",
)
@handle_errors
def serve_cmd(index_dir: Path | None, host: str, port: int, api_key: str | None) -> None:
    """Serve the HTTP JSON API and the search page (needs the server extra)."""
    from .server import serve

    with open_index(index_dir) as ix:
        path = ix.path
    click.echo(f"searchlib: serving {path} on http://{host}:{port}/", err=True)
    serve(path, host=host, port=port, api_key=api_key or None)


@main.command("stats")
@index_option
@output_option("text", "json")
@handle_errors
def stats_cmd(index_dir: Path | None, fmt: str) -> None:
    """Show the number of articles, segments, size on disk and date range."""
    with open_index(index_dir) as ix:
        stats = ix.stats()
    click.echo(present.to_json(stats) if fmt == "json" else present.stats_text(stats))


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@index_option
@handle_errors
def delete_cmd(ids: tuple[str, ...], index_dir: Path | None) -> None:
    """Delete articles by id."""
    with open_index(index_dir, build_demo=False) as ix:
        deleted = ix.delete(ids)
    click.echo(f"deleted {deleted} of {len(ids)}", err=True)
    if deleted < len(ids):
        sys.exit(EXIT_ERROR)


__all__ = ["main"]
