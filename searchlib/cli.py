"""The ``searchlib`` command: a thin shell over the library.

Each command parses its options, calls the library and prints through one output writer
(:func:`searchlib.present.render`). The options of ``searchlib query`` are generated from the
fields of :class:`~searchlib.request.SearchRequest`, so the command, the library and the HTTP
API offer the same search. Every error a user can cause ends in a one-line ``Error: ...`` on
stderr and a non-zero exit status, never a traceback.

Exit status: 0 success; 1 error (nothing or not everything was done); 2 bad usage;
3 ``index`` finished but some inputs failed; 4 the index is damaged (rebuild it);
130 interrupted.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from . import present
from .dates import DateOrder
from .errors import IndexCorrupt, IndexNotFound, SearchlibError
from .model import DEFAULT_FACETS, SUGGESTION_KINDS, IndexReport, ReadError, ReadWarning, to_data
from .paths import ENV_INDEX, bundled_seeds, user_data_dir
from .readers import FORMATS, ReadOptions
from .request import FILTER_OPTIONS, MAX_DEPTH, MAX_LIMIT, SearchRequest, literal_choices

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_PARTIAL = 3
EXIT_CORRUPT = 4
EXIT_INTERRUPTED = 130

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn library and OS errors into one-line messages and exit statuses."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IndexCorrupt as exc:
            _fail(
                f"{exc}. To recover, rebuild the index from its sources: "
                "searchlib index SOURCES --index NEW_DIR",
                EXIT_CORRUPT,
            )
        except SearchlibError as exc:
            _fail(str(exc))
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            _fail(f"{exc.strerror or exc}{where}")
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except click.exceptions.ClickException:
            raise
        except Exception as exc:  # a bug: still one line, with what to report
            name = type(exc).__name__
            detail = " ".join(str(exc).split())[:200]
            _fail(f"unexpected {name}: {detail} (a bug in searchlib: please report it)")

    return wrapper  # type: ignore[return-value]


def index_option(fn: F) -> F:
    """The shared ``--index DIR`` option."""
    return click.option(
        "--index",
        "index_dir",
        default=None,
        metavar="DIR|URL",
        help=f"Index directory (or typesense://HOST:PORT/COLLECTION). Default: ${ENV_INDEX}, "
        f"else {user_data_dir({}) / 'index'}.",
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


def _width() -> int:
    """The terminal's width for wrapping text output (0, no wrapping, when not a terminal)."""
    if not sys.stdout.isatty():
        return 0
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def output(out: present.Output, fmt: str, color: bool | None = None) -> None:
    """Print ``out`` in ``fmt`` (the one output writer of every command)."""
    use = _use_color(color) if fmt == "text" else False
    text = present.render(out, fmt, color=use)
    if text:
        click.echo(text, color=use)


@contextmanager
def open_index(index_dir: str | None, *, build_demo: bool = True) -> Iterator[Any]:
    """Open the index for reading.

    An explicit ``--index`` or ``$SEARCHLIB_INDEX`` must exist. Only the built-in per-user
    default index is built from the bundled seeds the first time it is needed, with a note on
    stderr.
    """
    from .index import Index

    explicit = index_dir if index_dir is not None else _env_index()
    if explicit is not None:
        with Index(explicit) as ix:
            yield ix
        return
    path = user_data_dir() / "index"
    if not Index.exists(path) and build_demo:
        from .bulk import ingest

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
        raise IndexNotFound(
            "{index} does not exist: build one with 'searchlib index PATH'", index=str(path)
        ) from None
    with ix:
        yield ix


def _env_index() -> str | None:
    value = os.environ.get(ENV_INDEX)
    if not value:
        return None
    return value if "://" in value else str(Path(value).expanduser())


EXAMPLES_MAIN = """\b
Examples:
  searchlib query "Aleppo Nusra"                  search the demo index
  searchlib index ~/news --index ~/news-index     index a folder
  searchlib query "oil prices" --index ~/news-index --date-from 1987-03
  searchlib show ID --index ~/news-index

\b
Shell completion (bash; zsh and fish work the same way):
  eval "$(_SEARCHLIB_COMPLETE=bash_source searchlib)"
"""


@click.group(context_settings=CONTEXT, epilog=EXAMPLES_MAIN)
@click.version_option(package_name="searchlib")
def main() -> None:
    """Search news archives: index articles, then query them with facets and highlights."""


# -- index ---------------------------------------------------------------------------------------


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


class IndexingOutput:
    """What ``searchlib index`` tells on stderr as it goes: problems as they happen, commits
    (``--verbose``), and on a terminal a progress line (articles, bytes, phase, time left)."""

    def __init__(self, *, bar: bool, verbose: bool) -> None:
        self.bar = bar
        self.verbose = verbose
        self.started = time.perf_counter()
        self.shown = False
        self.last = 0.0
        self.committed = 0

    def problem(self, event: ReadError | ReadWarning) -> None:
        """A failure or warning, on its own line."""
        self.clear()
        kind = "failed" if isinstance(event, ReadError) else "warning"
        click.echo(f"{kind}: {event}", err=True)

    def progress(self, p: Any) -> None:
        """An ingest progress report."""
        if self.verbose and p.committed > self.committed:
            self.committed = p.committed
            self.clear()
            click.echo(f"committed {p.committed} articles", err=True)
        now = time.perf_counter()
        if not self.bar or (p.phase == "reading" and now - self.last < 0.2):
            return
        self.last = now
        parts = [f"{p.articles:,} articles"]
        if p.committed:
            parts.append(f"{p.committed:,} committed")
        if p.bytes_total:
            share = min(1.0, p.bytes_done / p.bytes_total)
            parts.append(f"{share:.0%} of {p.bytes_total / 1_048_576:,.1f} MB")
            elapsed = now - self.started
            if share >= 0.05 and elapsed >= 3:
                parts.append(f"about {elapsed / share - elapsed:.0f}s left")
        if p.phase != "reading":
            parts.append(f"{p.phase}…")
        click.echo("\r\x1b[2K" + "Indexing: " + " · ".join(parts), err=True, nl=False)
        self.shown = True

    def interrupted(self, stop: Any) -> None:
        """What Ctrl-C left: the articles committed, and those that were not."""
        self.clear()
        kept = stop.report.indexed + stop.report.updated
        lost = (
            f"; the {stop.pending:,} articles read since the last commit were not"
            if stop.pending
            else ""
        )
        click.echo(
            f"Interrupted: {kept:,} articles written by this run are committed and kept{lost}. "
            "Run the same command again to finish (unchanged articles are skipped).",
            err=True,
        )

    def clear(self) -> None:
        """Remove the progress line."""
        if self.shown:
            click.echo("\r\x1b[2K", err=True, nl=False)
            self.shown = False


EXAMPLES_INDEX = """\b
Examples:
  searchlib index seeds/ --index news-index
  searchlib index bbc/ --index news-index --tag-from-folder --source BBC
  searchlib index FA-KES-Dataset.csv --index news-index --date-order mdy \\
      --field title=article_title --field body=article_content --field location=location
  searchlib index reuters.jsonl.gz --index news-index \\
      --field person=people --field location=places --field org=orgs

\b
Entity columns (--field person=..., org=..., location=..., misc=...) take a JSON list or a
string split on --list-separator; the kinds not mapped are still found by the extractor.
"""


@main.command("index", epilog=EXAMPLES_INDEX)
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
@click.option(
    "--list-separator",
    default=",",
    show_default=True,
    help="Separator of list values (tags, entity columns) written as one string.",
)
@click.option("--id-prefix", default="", help="Prefix for every article id (keeps corpora apart).")
@click.option("--source", "source_name", default=None, help="Source of articles that name none.")
@click.option("--tag", "tags", multiple=True, help="Tag every article with this (repeatable).")
@click.option(
    "--tag-from-folder", is_flag=True, help="Tag each file with the name of its parent folder."
)
@click.option(
    "--keep-copies",
    is_flag=True,
    help="Index articles whose content is already indexed under another id (skipped by default).",
)
@click.option(
    "--procs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes preparing articles (reading, entities, signatures) for the one writer "
    "[default: the cores available].",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=5000,
    show_default=True,
    help="Articles per commit (a commit is also made every 10 seconds of work).",
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
    help="After a run of many commits, merge the index (smaller, faster to search; slower run).",
)
@click.option("--strict", is_flag=True, help="Stop at the first input that fails.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr each time a batch is committed.")
@handle_errors
def index_cmd(
    paths: tuple[Path, ...],
    index_dir: str | None,
    input_format: str | None,
    date_order: str,
    glob: str | None,
    fields: tuple[str, ...],
    list_separator: str,
    id_prefix: str,
    source_name: str | None,
    tags: tuple[str, ...],
    tag_from_folder: bool,
    keep_copies: bool,
    procs: int | None,
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
    from .bulk import IngestInterrupted, ingest
    from .index import Index

    options = _read_options(
        input_format=input_format,
        date_order=DateOrder(date_order),
        fields=_parse_fields(fields),
        glob=glob,
        id_prefix=id_prefix,
        list_separator=list_separator,
        source=source_name,
        tags=tags,
        tag_from_folder=tag_from_folder,
    )
    target = index_dir or _env_index() or str(user_data_dir() / "index")
    _check_readable(paths, options)
    out = IndexingOutput(bar=sys.stderr.isatty() and not as_json, verbose=verbose)
    try:
        with Index(target, create=True, lock_timeout=lock_timeout) as ix:
            report = ingest(
                ix,
                paths,
                options=options,
                procs=procs or _cores(),
                strict=strict,
                batch_size=batch_size,
                merge=merge,
                copies="keep" if keep_copies else "skip",
                progress=out.progress,
                on_problem=None if as_json else out.problem,
            )
    except IngestInterrupted as stop:
        out.interrupted(stop)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        out.clear()
    _index_summary(report, as_json=as_json)


def _check_readable(paths: tuple[Path, ...], options: ReadOptions) -> None:
    """Refuse, in one line and before any index is made, inputs with nothing to read."""
    from .readers import Source, discover

    problems: list[str] = []
    for found in discover(list(paths), options):
        if isinstance(found, Source):
            return
        if isinstance(found, ReadError):
            problems.append(str(found))
    _fail("; ".join(problems) if problems else "nothing to index")


def _read_options(**wanted: Any) -> ReadOptions:
    """ReadOptions from the CLI's flags (options this version of the readers lacks are
    refused with a message)."""
    known = {f.name for f in dataclasses.fields(ReadOptions)}
    values = {"format": wanted.pop("input_format")}
    for name, value in wanted.items():
        if name in known:
            values[name] = value
        elif value not in (None, (), False, "", ","):
            raise click.UsageError(f"--{name.replace('_', '-')} is not supported")
    return ReadOptions(**values)


def _index_summary(report: IndexReport, *, as_json: bool) -> None:
    if as_json:
        click.echo(present.to_json(report))
    else:
        summary = present.report_text(report, max_problems=0)
        click.echo(summary, err=True)
    read = report.indexed + report.updated + report.unchanged + report.copies
    if report.failed:
        sys.exit(EXIT_PARTIAL if read else EXIT_ERROR)


# -- query -----------------------------------------------------------------------------------------


def _click_option(f: dataclasses.Field[Any]) -> Callable[[F], F]:
    """The click option of one :class:`SearchRequest` field."""
    meta = f.metadata
    name = f.name.replace("_", "-")
    decls = [meta["cli_short"]] if "cli_short" in meta else []
    decls += [f"--{name}", *meta.get("cli_aliases", ())]
    kwargs: dict[str, Any] = {"help": meta["help"], "show_default": True}
    default = f.default
    choices = literal_choices(f)
    if f.type in ("bool",) or isinstance(default, bool):
        decls = [f"--{name}/--no-{name}"]
        if f.name == "collapse":
            kwargs.update(default=None, show_default=False)
            kwargs["help"] += " [default: on for text output]"
        else:
            kwargs["default"] = default
    elif choices:
        kwargs.update(type=click.Choice(choices), default=default)
    elif f.name == "facets":
        kwargs.update(
            default=",".join(str(name) for name in DEFAULT_FACETS), metavar=meta.get("metavar")
        )
    elif isinstance(default, tuple):
        kwargs.update(multiple=True, default=(), show_default=False)
        kwargs["metavar"] = meta.get("metavar", "VALUE")
    elif isinstance(default, int):
        kwargs.update(type=click.IntRange(meta.get("min"), meta.get("max")), default=default)
    elif isinstance(default, float):
        kwargs.update(
            type=click.FloatRange(min=meta.get("min_open", 0.0), min_open=True), default=default
        )
    else:
        kwargs.update(default=None, metavar=meta.get("metavar", "TEXT"), show_default=False)
    return click.option(*decls, f.name, **kwargs)


def search_options(fn: F) -> F:
    """Every :class:`SearchRequest` field as a ``searchlib query`` option (the query itself is
    the argument)."""
    for f in reversed(dataclasses.fields(SearchRequest)):
        if f.metadata.get("cli_argument"):
            continue
        fn = _click_option(f)(fn)
    return click.argument("query", default="")(fn)


QUERY_HELP = f"""Search the index. QUERY uses the query syntax; an empty QUERY (or *) lists every
article, newest first (useful with filters).

\b
Query syntax:
  Aleppo Nusra             both words (AND is the default), in the title or body
  Aleppo OR Idlib          either; also NOT, AND, and (parentheses)
  "East Aleppo"            the exact phrase ("a b"~3: up to 2 words between)
  exit                     also exits, exited (English stemming; accents folded)
  negotiat*  madrd~        any word starting so; one edit away (madird~2: two)
  title:convoy             a word in the title; also body:
  person:lavrov  org:nusra  location:aleppo  tag:syria  source:reuters
  date:2016-10             a year, month or day; date:[2016-10-01 to 2016-10-31]
A query starting with a dash goes after --:  searchlib query -- "-exit Aleppo"

\b
Examples:
  searchlib query "Aleppo Nusra" --person "Sergey Lavrov" --date-from 2016-10
  searchlib query "what did Lavrov say about Aleppo" --match any
  searchlib query "" --source reuters --sort date --format csv > latest.csv
  searchlib query "oil" --exclude "location:Kuwait" --facets person,org -n 20

Limits: {MAX_LIMIT} hits a page, {MAX_DEPTH:,} deep.
"""


@main.command("query", help=QUERY_HELP)
@search_options
@index_option
@output_option("text", "json", "jsonl", "csv")
@color_option
@handle_errors
def query_cmd(index_dir: str | None, fmt: str, color: bool | None, **options: Any) -> None:
    """Search the index (see QUERY_HELP)."""
    if options.get("collapse") is None:
        options["collapse"] = fmt == "text"
    request = SearchRequest(**options)
    with open_index(index_dir) as ix:
        results = ix.search(request)
    output(present.results_output(results, width=_width()), fmt, color)


# -- reading one article -------------------------------------------------------------------------


@main.command(
    "show",
    epilog="\b\nExamples:\n  searchlib show sport/199.txt\n"
    "  searchlib show ID --similar 0 --format json",
)
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
def show_cmd(article_id: str, index_dir: str | None, n_similar: int, fmt: str) -> None:
    """Show one article in full, with its entities and the articles most related to it."""
    with open_index(index_dir) as ix:
        article = ix.get(article_id)
        similar = ix.similar(article_id, limit=n_similar) if n_similar else ()
    data = to_data(article)
    data["similar"] = to_data(similar)

    def text(_color: bool) -> str:
        body = present.article_text(article)
        if similar:
            body += "\n\nSimilar articles:\n" + present.hits_text(similar)
        return body

    output(present.Output(data=data, text=text), fmt)


@main.command(
    "similar",
    epilog="\b\nExamples:\n  searchlib similar sport/199.txt -n 5\n"
    "  searchlib similar ID --format jsonl",
)
@click.argument("article_id")
@index_option
@click.option(
    "-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
    help="How many related articles.",
)  # fmt: skip
@output_option("text", "json", "jsonl", "csv")
@color_option
@handle_errors
def similar_cmd(
    article_id: str, index_dir: str | None, limit: int, fmt: str, color: bool | None
) -> None:
    """List the articles most related to one: shared key words, people, organisations, places."""
    with open_index(index_dir) as ix:
        hits = ix.similar(article_id, limit=limit)
    if not hits and fmt == "text":
        click.echo("no related articles", err=True)
        return
    output(
        present.Output(
            data=hits,
            rows=hits,
            text=lambda c: present.hits_text(hits, color=c),
            columns=present.CSV_COLUMNS,
            csv_row=present.hit_row,
        ),
        fmt,
        color,
    )


@main.command(
    "suggest",
    epilog="\b\nExamples:\n  searchlib suggest lav\n  searchlib suggest 'sergey ' --kind person",
)
@click.argument("prefix")
@index_option
@click.option(
    "-n", "--limit", type=click.IntRange(1, 100), default=10, show_default=True,
    help="How many suggestions.",
)  # fmt: skip
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(list(SUGGESTION_KINDS)),
    help="Only suggestions of this kind (repeatable).",
)
@output_option("text", "json", "jsonl", "csv")
@handle_errors
def suggest_cmd(
    prefix: str, index_dir: str | None, limit: int, kinds: tuple[str, ...], fmt: str
) -> None:
    """Complete PREFIX: entity names, tags, sources and words, most articles first."""
    with open_index(index_dir) as ix:
        found = ix.suggest(prefix, limit=limit, kinds=kinds or None)
    if not found and fmt == "text":
        click.echo(f"nothing starts with {prefix!r}", err=True)
        return
    output(
        present.Output(data=found, rows=found, text=lambda _c: present.suggestions_text(found)),
        fmt,
    )


# -- the index itself ------------------------------------------------------------------------------


@main.command(
    "serve",
    epilog="\b\nExamples:\n  searchlib serve --index news-index\n"
    "  searchlib serve --workers 4\n"
    "  SEARCHLIB_API_KEY=secret searchlib serve --host 0.0.0.0 --port 8080",
)
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
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes, each with its own reader of the index (default: one per core).",
)
@handle_errors
def serve_cmd(
    index_dir: str | None, host: str, port: int, api_key: str | None, workers: int | None
) -> None:
    """Serve the HTTP JSON API and the search page (needs the server extra)."""
    from .server import serve

    with open_index(index_dir) as ix:
        location = ix.location
    serve(
        location,
        host=host,
        port=port,
        api_key=api_key or None,
        workers=workers,
        announce=lambda url: click.echo(f"searchlib: serving {location} on {url}", err=True),
    )


@main.command("stats", epilog="\b\nExamples:\n  searchlib stats\n  searchlib stats --format json")
@index_option
@output_option("text", "json")
@handle_errors
def stats_cmd(index_dir: str | None, fmt: str) -> None:
    """Show the number of articles, their date range, the size on disk and engine figures."""
    with open_index(index_dir) as ix:
        stats = ix.stats()
    output(present.Output(data=stats, text=lambda _c: present.stats_text(stats)), fmt)


@main.command(
    "check",
    epilog="\b\nExamples:\n  searchlib check --index news-index\n\n"
    "A damaged index cannot be repaired in place: rebuild it from its sources with\n"
    "'searchlib index SOURCES --index NEW_DIR' (unchanged inputs make that quick).",
)
@index_option
@handle_errors
def check_cmd(index_dir: str | None) -> None:
    """Read the whole index and report damage (exit status 4 when damaged)."""
    with open_index(index_dir, build_demo=False) as ix:
        damage = ix.verify()
        count = ix.count() if not damage else None
    if damage:
        for line in damage:
            click.echo(f"damaged: {line}", err=True)
        _fail(
            f"the index at {ix.location} is damaged ({len(damage)} file(s)); rebuild it from "
            "its sources: searchlib index SOURCES --index NEW_DIR",
            EXIT_CORRUPT,
        )
    click.echo(f"ok: {count:,} articles, every segment read in full", err=True)


@main.command("delete", epilog="\b\nExamples:\n  searchlib delete sport/199.txt wire-2")
@click.argument("ids", nargs=-1, required=True)
@index_option
@handle_errors
def delete_cmd(ids: tuple[str, ...], index_dir: str | None) -> None:
    """Delete articles by id."""
    with open_index(index_dir, build_demo=False) as ix:
        deleted = ix.delete(ids)
    click.echo(f"deleted {deleted} of {len(ids)}", err=True)
    if deleted < len(ids):
        sys.exit(EXIT_ERROR)


# -- analysis ------------------------------------------------------------------------------------


def filter_options(fn: F) -> F:
    """The filters of a search (``--person``... ``--date-from``, ``--date-to``), generated from
    :class:`SearchRequest` like the options of ``searchlib query``."""
    for f in reversed(dataclasses.fields(SearchRequest)):
        if f.name in FILTER_OPTIONS:
            fn = _click_option(f)(fn)
    return fn


def _filters(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k in FILTER_OPTIONS and v not in (None, ())}


def _limit_option(default: int) -> Callable[[F], F]:
    return click.option(
        "-n", "--limit", type=click.IntRange(1, 1000), default=default, show_default=True,
        help="How many terms of each kind.",
    )  # fmt: skip


@main.command(
    "terms",
    epilog="\b\nExamples:\n  searchlib terms Aleppo\n"
    '  searchlib terms "" --person "Sergey Lavrov" --kind word --kind org\n'
    "  searchlib terms Aleppo --background Syria --format csv\n\n"
    "The score is the log-likelihood ratio G2 of the term's article counts in the selection\n"
    "against the rest of the background (3.84: p < 0.05; 10.83: p < 0.001).",
)
@click.argument("query", default="")
@filter_options
@click.option(
    "--background", default=None, metavar="QUERY",
    help="Compare with the articles of this query (same dates) instead of the whole archive.",
)  # fmt: skip
@click.option(
    "--kind", "kinds", multiple=True,
    type=click.Choice(["word", "person", "org", "location", "misc"]),
    help="Only terms of this kind (repeatable). Default: word, person, org, location.",
)  # fmt: skip
@_limit_option(15)
@click.option(
    "--min-count", type=click.IntRange(1), default=3, show_default=True,
    help="Fewest articles of the selection a term must be in.",
)  # fmt: skip
@index_option
@output_option("text", "json", "jsonl", "csv")
@handle_errors
def terms_cmd(
    query: str,
    background: str | None,
    kinds: tuple[str, ...],
    limit: int,
    min_count: int,
    index_dir: str | None,
    fmt: str,
    **options: Any,
) -> None:
    """The words, people, organisations and places that set QUERY's articles apart from the
    whole archive (or from a background query), with their counts and G2 score."""
    from . import analysis

    with open_index(index_dir) as ix:
        result = analysis.significant_terms(
            ix,
            query,
            background=background,
            kinds=kinds or analysis.DEFAULT_KINDS,  # type: ignore[arg-type]
            limit=limit,
            min_count=min_count,
            **_filters(options),
        )
    table = analysis.rows(result)
    output(
        present.Output(
            data=result,
            rows=table,
            columns=["kind", "term", "score", "foreground", "background"],
            text=lambda _c: analysis.terms_text(result),
        ),
        fmt,
    )


@main.command(
    "cooccur",
    epilog="\b\nExamples:\n"
    '  searchlib cooccur "Sergey Lavrov"\n'
    '  searchlib cooccur "Aleppo convoy" --as query --kind person\n'
    "  searchlib cooccur Assad --date-from 2016 --format csv",
)
@click.argument("subject")
@filter_options
@click.option(
    "--as", "subject_kind", default=None,
    type=click.Choice(["person", "org", "location", "misc", "query"]),
    help="What SUBJECT is (default: an entity any article carries, else a query).",
)  # fmt: skip
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(["person", "org", "location", "misc"]),
    help="Only entities of this kind (repeatable). Default: person, org, location.",
)  # fmt: skip
@_limit_option(20)
@click.option(
    "--min-count", type=click.IntRange(1), default=1, show_default=True,
    help="Fewest shared articles an entity must have.",
)  # fmt: skip
@index_option
@output_option("text", "json", "jsonl", "csv")
@handle_errors
def cooccur_cmd(
    subject: str,
    subject_kind: str | None,
    kinds: tuple[str, ...],
    limit: int,
    min_count: int,
    index_dir: str | None,
    fmt: str,
    **options: Any,
) -> None:
    """The people, organisations and places that appear most with SUBJECT (an entity, or a
    query), with the shared articles and a G2 score."""
    from . import analysis

    with open_index(index_dir) as ix:
        result = analysis.cooccurrence(
            ix,
            subject,
            kind=subject_kind,  # type: ignore[arg-type]
            kinds=kinds or analysis.COOCCUR_KINDS,  # type: ignore[arg-type]
            limit=limit,
            min_count=min_count,
            **_filters(options),
        )
    output(
        present.Output(
            data=result,
            rows=analysis.rows(result),
            columns=["kind", "entity", "count", "score", "background"],
            text=lambda _c: analysis.cooccurrence_text(result),
        ),
        fmt,
    )


@main.command(
    "timeline",
    epilog="\b\nExamples:\n"
    "  searchlib timeline Aleppo Idlib --interval month\n"
    '  searchlib timeline "oil prices" opec --interval year --format csv > attention.csv',
)
@click.argument("queries", nargs=-1, required=True)
@filter_options
@click.option(
    "--interval", type=click.Choice(["year", "month", "day", "auto"]), default="month",
    show_default=True, help="The width of a period.",
)  # fmt: skip
@click.option(
    "--chart", type=click.Choice(["count", "share"]), default="count", show_default=True,
    help="What the terminal chart's bars show: articles, or their share of all articles.",
)  # fmt: skip
@index_option
@output_option("text", "json", "jsonl", "csv")
@color_option
@handle_errors
def timeline_cmd(
    queries: tuple[str, ...],
    interval: str,
    chart: str,
    index_dir: str | None,
    fmt: str,
    color: bool | None,
    **options: Any,
) -> None:
    """One series per QUERY: its articles per period and their share of all the archive's
    articles in the period (attention over time)."""
    from . import analysis

    with open_index(index_dir) as ix:
        result = analysis.timeline(
            ix,
            list(queries),
            interval=interval,  # type: ignore[arg-type]
            **_filters(options),
        )
    table = analysis.rows(result)
    output(
        present.Output(
            data=result,
            rows=table,
            columns=list(table[0]) if table else ["key", "start", "end", "total"],
            text=lambda c: analysis.timeline_text(result, color=c, share=chart == "share"),
        ),
        fmt,
        color,
    )


@main.command(
    "export",
    epilog="\b\nExamples:\n"
    "  searchlib export Aleppo --format csv > aleppo.csv\n"
    '  searchlib export "" --source reuters --format jsonl --fields id,date,title,url\n'
    "  searchlib export oil --date-from 1987-03 --sort index -o oil.csv",
)
@click.argument("query", default="")
@filter_options
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True,
    help="CSV (list values joined with '; ') or JSON Lines.",
)  # fmt: skip
@click.option(
    "--fields", "fields", multiple=True, metavar="NAMES",
    help="Columns, comma-separated or repeated (default: all): "
    "id,date,title,source,url,tags,people,orgs,locations,misc,related,body.",
)  # fmt: skip
@click.option(
    "--sort", type=click.Choice(["date", "index"]), default="date", show_default=True,
    help="Newest first (undated last), or in the order the articles were indexed.",
)  # fmt: skip
@click.option(
    "-o", "--output", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write to this file instead of stdout.",
)  # fmt: skip
@click.option(
    "--progress/--no-progress", default=None,
    help="A progress bar on stderr (default: when stderr is a terminal).",
)  # fmt: skip
@index_option
@handle_errors
def export_cmd(
    query: str,
    fmt: str,
    fields: tuple[str, ...],
    sort: str,
    out_path: Path | None,
    progress: bool | None,
    index_dir: str | None,
    **options: Any,
) -> None:
    """Write every article matching QUERY and the filters (no cap), streamed in constant
    memory."""
    from . import analysis

    names = analysis.check_fields(list(fields) if fields else None)
    show = progress if progress is not None else sys.stderr.isatty()
    with (
        open_index(index_dir) as ix,
        analysis.export(
            ix,
            query,
            sort=sort,  # type: ignore[arg-type]
            **_filters(options),
        ) as stream,
    ):
        target = out_path.open("w", encoding="utf-8", newline="") if out_path else None
        try:
            out: IO[str] = sys.stdout if target is None else target
            lines = analysis.export_lines(stream, format=fmt, fields=names)  # type: ignore[arg-type]
            if show:
                with click.progressbar(
                    length=stream.total, label="exporting", file=sys.stderr, show_pos=True
                ) as bar:
                    header = fmt == "csv"
                    for line in lines:
                        out.write(line)
                        if header:
                            header = False
                        else:
                            bar.update(1)
            else:
                for line in lines:
                    out.write(line)
            out.flush()
        finally:
            if target is not None:
                target.close()
    click.echo(f"exported {stream.total:,} articles", err=True)


def _cores() -> int:
    """The cores available: indexing's default number of processes."""
    from .pipeline import available_cores

    return available_cores()


__all__ = ["filter_options", "main", "search_options"]
