"""The ``frontlens`` command: a thin layer over the library functions the web UI also calls.

Exit codes: 0 everything worked; 1 some inputs were rejected (the rest was stored); 2 usage
error (bad option, unknown id, database URL that cannot be opened).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from frontlens.config import Settings, get_settings
from frontlens.ingest import FORMATS, InputReport, ingest_inputs
from frontlens.ingest.pipeline import expand
from frontlens.model import Source
from frontlens.store.db import Store, StoreError, current_revision, head_revision, upgrade

app = typer.Typer(
    help="frontlens: a sourced, confidence-graded picture from public war reporting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
evidence_app = typer.Typer(help="Preserved originals: verify and show.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")

# Piped output (make demo, CI logs) gets a wide console instead of rich's 80-column default.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="FRONTLENS_DB",
        show_envvar=True,
        help="SQLAlchemy database URL (default: sqlite:///frontlens.db, in the current directory).",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def rate_eta(speed: float | None, remaining: float | None, unit: str) -> str:
    """"12.5 docs/s, ETA 0:04:10": the rate and the time left at that rate; dashes until two
    batches have been counted."""
    if not speed or speed <= 0:
        return f"– {unit}/s, ETA –:––:––"
    if remaining is None:
        return f"{speed:,.1f} {unit}/s"
    left = round(remaining / speed)
    return f"{speed:,.1f} {unit}/s, ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"


class RateEtaColumn(ProgressColumn):
    """Rate and ETA of a long run (rich's speed: the advances of the last 30 s over their
    span, so the model loading before the first batch does not lower the rate)."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        unit = str(task.fields.get("unit", self.unit))  # a task may count something else
        return Text(rate_eta(task.speed, task.remaining, unit), style="progress.remaining")


def _checked_settings(**overrides: object) -> Settings:
    """Settings, or one line per bad ``FRONTLENS_*`` value and exit 2 (not a traceback)."""
    from pydantic import ValidationError

    try:
        return get_settings(**overrides)
    except ValidationError as exc:
        for e in exc.errors():
            name = "FRONTLENS_" + "_".join(str(x) for x in e["loc"]).upper()
            err.print(f"error: {name}={str(e.get('input'))[:80]!r}: {e['msg']}", markup=False)
        raise typer.Exit(2) from None


@app.callback()
def main(ctx: typer.Context, db: DbOption = None) -> None:
    ctx.obj = _checked_settings(db=db)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else _checked_settings()


def _missing_sqlite(url: str) -> Path | None:
    """The file a SQLite URL names when it does not exist (else None: other databases, memory)."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:
        return None
    if not u.drivername.startswith("sqlite") or u.database in (None, "", ":memory:"):
        return None
    name = u.database
    if name.startswith("file:"):  # a URI filename (sqlite:///file:x.db?mode=ro&uri=true)
        name = name.removeprefix("file:").split("?", 1)[0].removeprefix("//")
        if name in ("", ":memory:"):
            return None
    path = Path(name)
    return None if path.exists() else path


def _refuse_missing(settings: Settings) -> None:
    """A command that only reads refuses a SQLite file that does not exist instead of creating
    an empty one (a mistyped --db would otherwise print nothing)."""
    missing = _missing_sqlite(settings.db)
    if missing is not None:
        err.print(f"error: no database at {missing} (--db / FRONTLENS_DB is {settings.db}). "
                  "Create one with `frontlens ingest PATH`, or point --db at an existing one "
                  "(`make demo` writes sqlite:///out/demo.db).", markup=False)
        raise typer.Exit(2)


def _open(settings: Settings, *, migrate: bool = True, read: bool = False) -> Store:
    """Open the store; ``read`` first refuses a missing SQLite file (``_refuse_missing``)."""
    if read:
        _refuse_missing(settings)
    try:
        return Store(settings.db, migrate=migrate, lock_timeout=settings.lock_timeout)
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc


def _dask_engine() -> Any:
    """``frontlens.extract.distributed`` once dask is known to be installed (it imports dask
    only inside its functions, so a missing extra would surface mid-run as a traceback)."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        err.print(f"error: --engine dask needs the dask extra (pip install 'frontlens[dask]'): "
                  f"{exc}", markup=False)
        raise typer.Exit(2) from exc
    from frontlens.extract import distributed

    return distributed


def _print_dashboard(link: str) -> None:
    err.print(f"dask dashboard: {link}", markup=False)


def _warn_unfused(store: Store) -> None:
    """Say so when records were extracted but fusion never ran (the picture would be empty)."""
    from sqlalchemy import func, select

    from frontlens.store import schema

    with store.engine.connect() as conn:
        claims = conn.execute(select(func.count()).select_from(schema.control_events)).scalar()
        events = conn.execute(select(func.count()).select_from(schema.events)).scalar()
    if claims and not events:
        err.print(f"warning: {claims} control claims are extracted but fusion has not run on "
                  "this database: run `frontlens fuse` first.", markup=False)
        return
    from frontlens.fuse.picture import fusion_staleness

    why = fusion_staleness(store)
    if why:
        err.print(f"warning: the picture is stale: {why}; run `frontlens extract` and "
                  "`frontlens fuse` to bring it up to date.", markup=False)


def _dump(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
def ingest(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories (walked) or http(s) URLs. URLs are fetched only when named "
            "here.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"Force a format: {', '.join(sorted(FORMATS))}.")
    ] = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow URLs on private or loopback addresses.")
    ] = False,
    date_: Annotated[
        str | None, typer.Option("--date", help="Publication date (YYYY-MM-DD) for the sources "
                                 "these inputs leave undated; dated ones keep theirs.")
    ] = None,
    engine: Annotated[str, typer.Option(
        help="local (this process) or dask (one task per input on a cluster).")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address; without it --engine dask starts a LocalCluster.")]
    = None,
    workers: Annotated[int | None, typer.Option(min=1, max=256,
                                                help="LocalCluster size (--engine dask).")]
    = None,
    json_out: JsonFlag = False,
) -> None:
    """Store news articles, feeds, Telegram exports, X posts and GeoJSON map layers.

    Re-ingesting the same content stores nothing new. Each input is one transaction: a rejected
    input is reported on stderr and leaves the database as it was; the others are stored.
    """
    settings = _settings(ctx)
    if allow_private:
        settings = settings.model_copy(update={"allow_private": True})
    if fmt is not None and fmt not in FORMATS:
        err.print(
            f"error: unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}", markup=False
        )
        raise typer.Exit(2)
    if engine not in ("local", "dask") or ((scheduler or workers) and engine != "dask"):
        err.print("error: --engine is local or dask; --scheduler and --workers need "
                  "--engine dask", markup=False)
        raise typer.Exit(2)
    default_date = None
    if date_ is not None:
        from datetime import date as date_type

        try:
            default_date = date_type.fromisoformat(date_) if len(date_) == 10 else None
        except ValueError:
            default_date = None
        if default_date is None:
            err.print(f"error: --date {date_!r} is not a date like 2022-09-10", markup=False)
            raise typer.Exit(2)
    store = _open(settings)
    total = sum(1 for _ in expand(inputs))
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        RateEtaColumn("inputs"),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )

    def on_input(report: InputReport) -> None:
        for line in ([report.error] if report.error else []) + report.item_errors:
            progress.console.print(f"error: {line}", markup=False)
        progress.update(task, advance=1, description=report.origin[-50:])

    with progress:
        task = progress.add_task("", total=total)
        records = progress.add_task("records", total=None, unit="records")
        if engine == "dask":
            batch = _dask_engine().run_ingest_dask(
                store, inputs, settings, scheduler=scheduler, workers=workers, fmt_name=fmt,
                default_date=default_date, on_input=on_input,
                on_start=_print_dashboard)
        else:
            batch = ingest_inputs(store, inputs, settings, fmt_name=fmt, on_input=on_input,
                                  on_records=lambda n: progress.update(records, advance=n),
                                  default_date=default_date)
    store.close()
    if json_out:
        _dump(
            {
                "added": batch.added,
                "skipped": batch.skipped,
                "errors": batch.errors,
                "inputs": [r.__dict__ for r in batch.inputs],
            }
        )
    else:
        rejected = sum(1 for r in batch.inputs if r.error)
        out.print(
            f"{len(batch.inputs)} inputs: {batch.added} records stored, "
            f"{batch.skipped} already present, {rejected} inputs rejected, "
            f"{sum(len(r.item_errors) for r in batch.inputs)} items rejected"
        )
    raise typer.Exit(batch.exit_code)


@app.command()
def sources(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Option(help="article, text, feed_item, telegram, tweet")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="ISO 639-1 code, e.g. uk")] = None,
    outlet: Annotated[str | None, typer.Option(help="Exact outlet or channel name")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    json_out: JsonFlag = False,
) -> None:
    """List stored sources, newest first."""
    store = _open(_settings(ctx), read=True)
    rows = store.list_sources(limit=limit, offset=offset, kind=kind, language=lang, outlet=outlet)
    if json_out:
        _dump([s.model_dump(mode="json", exclude={"text"}) for s in rows])
        return
    table = Table("id", "published", "kind", "lang", "outlet", "title / text", box=None)
    for s in rows:
        snippet = (s.title or s.text).replace("\n", " ")[:70]
        when = s.published_at.strftime("%Y-%m-%d %H:%M") if s.published_at else "-"
        table.add_row(s.id, when, s.kind, s.language or "-", (s.outlet or "-")[:30], snippet)
    out.print(table)


@app.command()
def show(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(help="A source id or a unique prefix of one.")],
    json_out: JsonFlag = False,
) -> None:
    """Show one source in full: metadata and text."""
    store = _open(_settings(ctx), read=True)
    found = store.find_sources(source_id)
    if len(found) != 1:
        why = "no source" if not found else "more than one source"
        err.print(f"error: {why} with id {source_id!r}", markup=False)
        raise typer.Exit(2)
    src: Source = found[0]
    if json_out:
        _dump(src.model_dump(mode="json"))
        return
    for key, value in src.model_dump(exclude={"text"}).items():
        if value not in (None, [], {}, ""):
            out.print(f"[bold]{key}[/bold]: ", end="")
            out.print(str(value), markup=False)
    out.print()
    out.print(src.text, markup=False)


@app.command()
def stats(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """Counts per record type (and sources per kind and language)."""
    store = _open(_settings(ctx), read=True)
    counts = store.counts()
    if json_out:
        _dump(counts)
        return
    table = Table("records", "count", box=None)
    for name, n in counts.items():
        table.add_row(name, str(n))
    out.print(table)
    for col in ("kind", "language"):
        by = store.source_counts_by(col)
        out.print(f"sources by {col}: " + ", ".join(f"{k} {n}" for k, n in by.items()))


@app.command()
def extract(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(
        help="Only sources published on or after this date (YYYY-MM-DD).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, max=10000)] = 64,
    engine: Annotated[str, typer.Option(
        help="local (this process, or --workers processes) or dask (a cluster).")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:8786); without it --engine dask starts a "
        "LocalCluster of --workers processes (default: one per core).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Extract places, control events, equipment, statements, area claims and times.

    Incremental: only sources not yet processed by the current extractor version are read (a
    version bump re-extracts). Sources that cannot be processed are marked with the reason.
    Places are resolved with the front line of the stored control maps (the layer of each
    source's date) and each channel's usual area from its earlier extracted posts.
    """
    if engine not in ("local", "dask"):
        err.print(f"error: --engine {engine!r}: local or dask", markup=False)
        raise typer.Exit(2)
    if scheduler and engine != "dask":
        err.print("error: --scheduler needs --engine dask", markup=False)
        raise typer.Exit(2)
    from frontlens.extract.pipeline import EXTRACTOR_NAME, EXTRACTOR_VERSION, run_extract

    settings = _settings(ctx)
    since_dt = _parse_day(since, "--since")
    store = _open(settings)
    total = store.count_pending(EXTRACTOR_NAME, EXTRACTOR_VERSION, since_dt)
    progress = Progress(TextColumn("[bold]extract"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), RateEtaColumn("docs"),
                        TextColumn("{task.description}"), console=err, transient=True,
                        disable=not err.is_terminal)

    def on_batch(n: int) -> None:
        progress.update(task, advance=n, description="")

    with progress:
        # the language models load before the first batch (~15 s): say so, not a still 0/N
        task = progress.add_task("loading models, then the first batch…", total=total)
        if engine == "dask":
            report = _dask_engine().run_extract_dask(
                store, scheduler=scheduler, workers=workers if workers > 1 else None,
                since=since_dt, batch_size=batch_size, lock_timeout=settings.lock_timeout,
                on_batch=on_batch, on_start=_print_dashboard)
        else:
            report = run_extract(store, since=since_dt, workers=workers,
                                 batch_size=batch_size, on_batch=on_batch)
    if json_out:
        _dump(report.__dict__)
        return
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.by_status.items())) or "none"
    out.print(f"{report.processed} sources processed ({statuses}), {report.records} records "
              f"stored by {EXTRACTOR_NAME} {EXTRACTOR_VERSION}")
    for line in report.problems[:20]:
        err.print(f"note: {line}", markup=False)
    if len(report.problems) > 20:
        err.print(f"note: … and {len(report.problems) - 20} more (see `frontlens stats`)")


def _parse_day(value: str | None, flag: str) -> Any:
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        if len(value.strip()) != 10:
            raise ValueError(value)
        return datetime.fromisoformat(value.strip()).replace(tzinfo=UTC)
    except ValueError as exc:
        err.print(f"error: {flag} {value!r} is not a date (YYYY-MM-DD)", markup=False)
        raise typer.Exit(2) from exc


@app.command()
def geoparse(
    text: Annotated[str | None, typer.Argument(help="Text to geoparse, or - for stdin.")] = None,
    lang: Annotated[str | None, typer.Option(help="en, uk or ru (default: detected).")] = None,
    date: Annotated[str | None, typer.Option(help="Publication date, YYYY-MM-DD.")] = None,
    jsonl: Annotated[Path | None, typer.Option(
        "--jsonl", help="Batch: one JSON object per line with id, text, optional lang, date.",
        exists=True, dir_okay=False)] = None,
    control: Annotated[Path | None, typer.Option(
        help="A folder of dated GeoJSON control maps: dated texts prefer namesakes near the "
             "front line of their date (issue 14).", exists=True, file_okay=False)] = None,
) -> None:
    """Print the places found in a text as JSON, without storing anything."""
    from frontlens.extract.places import geoparse as run_geoparse

    if control is not None:
        from frontlens.resolve import frontline

        frontline.use(frontline.Front.from_geojson(sorted(control.glob("*.geojson"))))

    if jsonl is not None:
        bad = 0
        with jsonl.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                item: Any = None
                try:
                    item = json.loads(line)
                    if not isinstance(item, dict):
                        raise ValueError("the line is not a JSON object")
                    text_n = item.get("text")
                    if not isinstance(text_n, str) or not text_n.strip():
                        raise ValueError('no "text" (a non-empty string) on this line')
                    places = run_geoparse(text_n, lang=item.get("lang"),
                                          published=_day(item.get("date"), strict=False))
                    row = {"id": item.get("id"), "places": places}
                except (ValueError, TypeError, typer.BadParameter) as exc:
                    bad += 1
                    err.print(f"error: {jsonl}:{n}: {exc}", markup=False)
                    row = {"id": item.get("id") if isinstance(item, dict) else None,
                           "line": n, "error": str(exc)}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        if bad:
            raise typer.Exit(1)
        return
    if text is None or text == "-":
        text = sys.stdin.read()
    if not text.strip():
        err.print("error: no text to geoparse (give it as an argument, or - for stdin)",
                  markup=False)
        raise typer.Exit(1)
    _dump(run_geoparse(text, lang=lang, published=_day(date)))


def _day(value: Any, *, strict: bool = True) -> Any:
    """A YYYY-MM-DD option value ("2022-09-12garbage" is not one); ``strict=False`` reads the
    day of a timestamp too (dates inside geoparse --jsonl lines)."""
    from datetime import date as date_type

    if not value:
        return None
    text = str(value).strip()
    try:
        if len(text) != 10 and (strict or text[10:11] not in ("T", " ")):
            raise ValueError(text)
        text = text[:10]
        return date_type.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@app.command("eval")
def eval_news(
    dataset: Annotated[Path, typer.Argument(help="Gold JSON Lines (news schema).",
                                            exists=True, dir_okay=False)],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")]
    = None,
    md_path: Annotated[Path | None, typer.Option("--md", help="Write the Markdown report.")]
    = None,
    rules_only: Annotated[bool, typer.Option(
        "--rules-only", help="Score the rules alone, without the learned decision layer.")]
    = False,
) -> None:
    """Score the extractor against a gold file: P/R/F per section and geocoding accuracy."""
    from frontlens.evaluate.news import evaluate, markdown

    report = evaluate(dataset, learned=not rules_only)
    if json_path:
        json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str),
                             encoding="utf-8")
    if md_path:
        md_path.write_text(markdown(report), encoding="utf-8")
    table = Table("section", "P", "R", "F1", "gold", "pred", box=None)
    for key in ("places", "control_events", "equipment", "statements", "area_claims"):
        s = report[key]
        table.add_row(key, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                      str(s["n_gold"]), str(s["n_pred"]))
    out.print(table)
    out.print(f"geocoding: {report['geocoding']}", markup=False)
    c = report["control_events"]["detail"]
    out.print(f"control: change-of-hands recall {c['recall_change_of_hands']}, new_controller "
              f"{c['new_controller_accuracy']}, actor {c['actor_accuracy']}, status "
              f"{c['status_accuracy']}, event date {c['event_date_accuracy']}; speaker precision "
              f"{report['statements']['detail']['speaker_precision']}; places resolved "
              f"precision {report['places']['detail']['resolved_precision']}, weapons as places "
              f"{report['places']['detail']['weapons_as_places']}", markup=False)


@app.command("eval-fusion")
def eval_fusion_cmd(
    datasets: Annotated[list[Path], typer.Argument(help="Gold JSON Lines (news schema).",
                                                   exists=True, dir_okay=False)],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")]
    = None,
    maps_dir: Annotated[Path | None, typer.Option(
        "--maps", help="Folder of control-map GeoJSON layers: also report map agreement.",
        exists=True, file_okay=False)] = None,
    print_json: Annotated[bool, typer.Option(
        "--print-json", help="Print the JSON report instead of the tables.")] = False,
) -> None:
    """Cross-document fusion of control claims: pairwise precision and recall on gold data."""
    from frontlens.evaluate.fusion import eval_fusion

    report = eval_fusion(datasets, maps_dir)
    if json_path:
        json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if print_json:
        _dump({k: v for k, v in report.items() if k != "rules"})
        return
    pw = report["pairwise"]
    out.print(f"{report['n_docs']} documents; gold claims matched to a record: "
              f"{report['n_claims_matched']}, unmatched: {report['n_claims_unmatched']}",
              markup=False)
    table = Table("pairs of claims fused together", "P", "R", "F1", "gold", "predicted", "true",
                  box=None)
    table.add_row("", f"{pw['precision']:.3f}", f"{pw['recall']:.3f}", f"{pw['f1']:.3f}",
                  str(pw["gold_pairs"]), str(pw["pred_pairs"]), str(pw["true_pairs"]))
    out.print(table)
    events = report.get("fusion", {}).get("events", {})
    out.print("events: " + ", ".join(f"{k} {v}" for k, v in events.items()), markup=False)
    m = report.get("map_agreement")
    if m:
        share = "n/a" if m["share_agree"] is None else f"{m['share_agree']:.3f}"
        out.print(f"map agreement: {m['n_agree']} of {m['n_checked']} checkable claims agree "
                  f"({share}); " + ", ".join(f"{k} {v}" for k, v in m["verdicts"].items()),
                  markup=False)
        per = Table("action", "claims", "checked", "agree", "share", box=None)
        for action, row in sorted(m.get("per_action", {}).items()):
            per.add_row(action, str(row["n"]), str(row["checked"]), str(row["agree"]),
                        "" if row["share_agree"] is None else f"{row['share_agree']:.3f}")
        out.print(per)


@app.command("eval-picture")
def eval_picture_cmd(
    datasets: Annotated[list[Path], typer.Argument(help="Gold JSON Lines (news schema).",
                                                   exists=True, dir_okay=False)],
    maps_dir: Annotated[Path, typer.Option(
        "--maps", help="Folder of control-map GeoJSON layers (one per day).",
        exists=True, file_okay=False)],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")]
    = None,
    month: Annotated[str | None, typer.Option(
        "--month", help="Only documents published in this month (YYYY-MM).")] = None,
) -> None:
    """Fuse the documents and score the as-of picture against the map on every layer day."""
    from frontlens.evaluate.picture import eval_picture, summary

    report = eval_picture(datasets, maps_dir, month)
    if json_path:
        json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    out.print(summary(report), markup=False)


@app.command("eval-geoparse")
def eval_geoparse_cmd(
    path: Annotated[Path, typer.Argument(
        help="GeoWebNews-format XML (GWN.xml), or a short-post set (corpus/posts/posts.jsonl).",
        exists=True, dir_okay=False)],
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON report.")]
    = None,
    print_json: Annotated[bool, typer.Option(
        "--print-json", help="Print the JSON report instead of the table.")] = False,
    split: Annotated[str | None, typer.Option(
        help="Posts only: train, dev or test (default: all).")] = None,
    control: Annotated[Path | None, typer.Option(
        help="Posts only: a folder of dated GeoJSON control maps; turns the front-line prior "
             "on.", exists=True, file_okay=False)] = None,
    channel: Annotated[bool, typer.Option(
        "--channel", help="Posts only: turn the channel prior on (each outlet's usual area "
                          "from its other posts in the split).")] = False,
) -> None:
    """Geoparsing benchmark: toponym P/R/F, acc@161 km, mean/median error, AUC; with peers.

    On a short-post set (.jsonl): the named place within 25 km, acc@161 km and the misses by
    kind (namesake chosen, unresolved, not found)."""
    if path.suffix == ".jsonl":
        from frontlens.evaluate.posts import eval_posts

        rep = eval_posts(path, split, control, channel=channel)
        if json_path:
            json_path.write_text(json.dumps(rep, ensure_ascii=False, indent=2),
                                 encoding="utf-8")
        if print_json:
            _dump(rep)
            return
        b = rep["breakdown"]
        out.print(f"posts {rep['n']} ({rep['split']}, front prior "
                  f"{'on' if rep['front_prior'] else 'off'}, channel prior "
                  f"{'on' if rep['channel_prior'] else 'off'}): within 25 km "
                  f"{rep['within_25km']:.3f}, acc@161km {rep['acc_161km']:.3f}; namesake "
                  f"{b['namesake']}, unresolved {b['unresolved']}, not found {b['not_found']}",
                  markup=False)
        return
    from frontlens.evaluate.geoparse import eval_geoparse

    report = eval_geoparse(path)
    if json_path:
        json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if print_json:
        _dump(report)
        return
    table = Table("run", "P", "R", "F1", "acc@161km", "median km", "AUC", "n", box=None)

    def cell(v: Any, fmt: str = ".3f") -> str:
        return "" if v is None else format(v, fmt) if isinstance(v, float) else str(v)

    rows = [("frontlens, end to end", report["end_to_end"]),
            ("frontlens, gold toponyms", report["gold_toponyms"]),
            *((f"peer: {k}", v) for k, v in report.get("peers", {}).items())]
    for name, r in rows:
        table.add_row(name, cell(r.get("precision")), cell(r.get("recall")), cell(r.get("f1")),
                      cell(r.get("acc_161km")), cell(r.get("median_km"), ".1f"),
                      cell(r.get("auc")), cell(r.get("n")))
    out.print(table)


RECORD_TYPES = {
    "control": "ControlEvent", "equipment": "EquipmentLoss", "statements": "Statement",
    "area": "AreaClaim", "mentions": "Mention",
}


@app.command()
def records(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(RECORD_TYPES)}.")],
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 20,
    json_out: JsonFlag = False,
) -> None:
    """List extracted records with the sentence that supports each one."""
    import frontlens.model as m

    if kind not in RECORD_TYPES:
        err.print(f"error: unknown record type {kind!r}; one of {', '.join(RECORD_TYPES)}",
                  markup=False)
        raise typer.Exit(2)
    model = getattr(m, RECORD_TYPES[kind])
    store = _open(_settings(ctx), read=True)
    rows = store.list_records(model, limit=limit)
    if json_out:
        _dump([r.model_dump(mode="json") for r in rows])
        return
    texts = {s.id: s.text for s in store.sources_by_id({r.source_id for r in rows})}
    for rec in rows:
        fields = rec.model_dump(exclude={"id", "source_id", "start", "end", "extractor",
                                         "extractor_version"})
        head = ", ".join(f"{k}={v}" for k, v in fields.items() if v not in (None, [], "", False))
        out.print(f"[bold]{rec.id}[/bold] ", end="")
        out.print(head, markup=False)
        quote = texts.get(rec.source_id, "")[rec.start : rec.end].replace("\n", " ")
        out.print(f"    {rec.source_id}[{rec.start}:{rec.end}] “{quote[:300]}”", markup=False,
                  style="dim")


@app.command()
def formats() -> None:
    """List the input formats ingest recognises."""
    for fmt in sorted(FORMATS.values(), key=lambda f: f.name):
        out.print(f"{fmt.name:10} {fmt.description}")


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create the database or migrate it to the latest schema."""
    settings = _settings(ctx)
    store = _open(settings, migrate=False)
    before = current_revision(store.engine)
    try:
        upgrade(store.engine, revision)
    except Exception as exc:
        err.print(f"error: migration failed: {exc}", markup=False)
        raise typer.Exit(2) from exc
    after = current_revision(store.engine)
    out.print(f"schema {before or 'empty'} -> {after} (head {head_revision()})")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the latest one."""
    store = _open(_settings(ctx), migrate=False)
    out.print(f"current {current_revision(store.engine) or 'empty'}, head {head_revision()}")


# -- evidence (frontlens.store.evidence): preserved originals --------------------------------------


def _evidence_root(settings: Settings) -> Path:
    from frontlens.store.evidence import evidence_dir

    root = evidence_dir(settings.db, settings.evidence_dir)
    if root is None:
        err.print("error: this database keeps no originals: set FRONTLENS_EVIDENCE_DIR "
                  "(a PostgreSQL store has no folder of its own)", markup=False)
        raise typer.Exit(2)
    return root


@evidence_app.command("verify")
def evidence_verify(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """Re-hash every preserved original; exit 1 when one is missing or changed."""
    from frontlens.store.evidence import verify

    settings = _settings(ctx)
    store = _open(settings, read=True)
    root = _evidence_root(settings)
    with store.engine.connect() as conn:
        n, problems = verify(conn, root)
    if json_out:
        _dump({"checked": n, "folder": str(root), "problems": problems})
    else:
        for line in problems:
            err.print(f"mismatch: {line}", markup=False)
        out.print(f"{n} originals checked in {root}: {len(problems)} missing or changed")
    raise typer.Exit(1 if problems else 0)


@evidence_app.command("show")
def evidence_show(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Source id (a unique prefix is enough).")],
    json_out: JsonFlag = False,
) -> None:
    """What is preserved for one source: its original input and its media, with hashes."""
    from sqlalchemy import select

    from frontlens.store import schema
    from frontlens.store.evidence import path_for

    settings = _settings(ctx)
    store = _open(settings, read=True)
    found = store.find_sources(source)
    if len(found) != 1:
        err.print(f"error: {'no' if not found else 'more than one'} source with id {source!r}",
                  markup=False)
        raise typer.Exit(1)
    src = found[0]
    shas = [src.meta.get("evidence", {}).get("sha256"),
            *src.meta.get("media_sha256", {}).values()]
    root = _evidence_root(settings)
    with store.engine.connect() as conn:
        rows = {r.sha256: r for r in conn.execute(
            select(schema.evidence).where(schema.evidence.c.sha256.in_([x for x in shas if x])))}
    named = {sha: src.meta.get("media_dhash", {}).get(name)  # photos' perceptual hashes
             for name, sha in src.meta.get("media_sha256", {}).items()}
    items = [{"sha256": sha, "kind": r.kind, "size": r.size, "origin": r.origin,
              "captured_at": r.captured_at.isoformat(), "http_status": r.http_status,
              "dhash": r.dhash or named.get(sha),
              "path": str(path_for(root, sha)), "present": path_for(root, sha).is_file()}
             for sha in shas if sha and (r := rows.get(sha)) is not None]
    if json_out:
        _dump({"source": src.id, "origin": src.origin, "evidence": items})
        return
    if not items:
        out.print(f"{src.id}: no original preserved (ingested before evidence was kept, or "
                  "with FRONTLENS_EVIDENCE_MAX_BYTES=0)")
        return
    out.print(f"{src.id} ({src.origin})")
    for it in items:
        dhash = f"  dhash {it['dhash']}" if it["dhash"] else ""
        out.print(f"  {it['kind']:5} sha256 {it['sha256']}{dhash}  {it['size']:,} bytes  "
                  f"captured {it['captured_at']}  {'present' if it['present'] else 'MISSING'}  "
                  f"{it['origin']}", markup=False)


@evidence_app.command("dhash")
def evidence_dhash(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """Give every kept photo without a perceptual hash (kept before photos were hashed) its
    dHash, read from the preserved file; videos and unreadable files are counted and left.
    When any photo was hashed, fusion is marked stale: the next ``frontlens fuse`` rebuilds,
    so reports of one photo count once."""
    from frontlens.store.evidence import backfill_dhashes

    settings = _settings(ctx)
    store = _open(settings)
    root = _evidence_root(settings)
    with store.transaction() as conn:
        done = backfill_dhashes(conn, root)
    if json_out:
        _dump({"folder": str(root), **done.__dict__})
        return
    out.print(f"{done.hashed} photo(s) hashed in {root}; {done.not_images} not images "
              f"(videos, unreadable), {done.missing} missing (run `frontlens evidence verify`)")
    if done.hashed:
        out.print("fusion marked stale: the next `frontlens fuse` rebuilds, so reports of one "
                  "photo count once")


# -- fusion (frontlens.fuse): thin commands over run_fusion / explain / picture / contradictions --


@app.command()
def fuse(
    ctx: typer.Context,
    json_out: JsonFlag = False,
    full: Annotated[bool, typer.Option("--full", help="Rebuild everything, not only the "
                                       "places new sources touch.")] = False,
    engine: Annotated[str, typer.Option(
        help="local (this process) or dask: a rebuild's partitions (by place, equipment type, "
        "statement) on a cluster; incremental runs stay local.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:8786); without it --engine dask starts a "
        "LocalCluster of --workers processes (default: one per core).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=256,
                                                help="LocalCluster workers.")] = None,
) -> None:
    """Fuse stored mentions into graded events, contradictions and the control timeline.

    Incremental: only the places, equipment types and statements that sources ingested or
    extracted since the last run touch are recomputed (the same rows a rebuild writes); the
    first run, a changed reliability table or fusion code, or ``--full`` rebuild everything.
    One transaction either way.
    """
    from frontlens.fuse.confidence import ReliabilityTableError
    from frontlens.fuse.picture import run_fusion

    if engine not in ("local", "dask") or ((scheduler or workers) and engine != "dask"):
        err.print("error: --engine is local or dask; --scheduler and --workers need "
                  "--engine dask", markup=False)
        raise typer.Exit(2)
    store = _open(_settings(ctx))
    try:
        if engine == "dask":
            report = _dask_engine().run_fusion_dask(store, scheduler=scheduler,
                                                    workers=workers, full=full,
                                                    on_start=_print_dashboard)
        else:
            report = run_fusion(store, full=full)
    except ReliabilityTableError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    if json_out:
        _dump(report.__dict__)
        return
    rc = report.recomputed
    out.print(f"{report.mode}: {rc.get('places', 0)} places, {rc.get('equipment', 0)} "
              f"equipment types, {rc.get('statements', 0)} statements recomputed from "
              f"{report.records.get('sources', 0)} sources", markup=False)
    out.print(f"{sum(report.events.values())} events "
              f"({', '.join(f'{k} {v}' for k, v in sorted(report.events.items()))}), "
              f"{report.evidence} evidence links, "
              f"{sum(report.contradictions.values())} contradictions, "
              f"{sum(report.duplicates.values())} copies, {report.states} control states "
              f"in {report.seconds:.1f} s", markup=False)
    out.print("grades: " + ", ".join(f"{k} {v}" for k, v in sorted(report.graded.items())),
              markup=False)
    for note in report.notes:
        err.print(f"note: {note}", markup=False)


@app.command()
def explain(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="An event id or a unique prefix of one.")],
) -> None:
    """Why an event has its grade, citing the sentence behind every piece of evidence."""
    from frontlens.fuse.picture import UnknownEvent
    from frontlens.fuse.picture import explain as explain_event

    store = _open(_settings(ctx), read=True)
    try:
        out.print(explain_event(store, event_id), markup=False)
    except UnknownEvent as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc


@app.command()
def picture(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="Date, YYYY-MM-DD.")],
    json_out: JsonFlag = False,
) -> None:
    """Who holds which settlement as of a date, with grade and sources (run `fuse` first)."""
    from frontlens.fuse.picture import picture as control_picture

    day = _day(as_of)
    if day is None:
        raise typer.BadParameter("--as-of needs a date, YYYY-MM-DD")
    store = _open(_settings(ctx), read=True)
    _warn_unfused(store)
    rows = control_picture(store, day)
    if json_out:
        _dump(rows)
        return
    table = Table("place", "controller", "since", "grade", "score", "disputed", "lat", "lon",
                  "sources", box=None)
    for r in rows:
        table.add_row(r["place"], r["controller"], str(r["since"]), r["grade"],
                      f"{r['score']:.2f}", "yes" if r["disputed"] else "",
                      "" if r["lat"] is None else f"{r['lat']:.4f}",
                      "" if r["lon"] is None else f"{r['lon']:.4f}", str(len(r["sources"])))
    out.print(table)


@app.command()
def contradictions(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 1000,
    json_out: JsonFlag = False,
) -> None:
    """Pairs of reports that cannot both be true, each with its cited sentence."""
    from frontlens.fuse.picture import list_contradictions

    store = _open(_settings(ctx), read=True)
    rows = list_contradictions(store, limit=limit)
    if json_out:
        _dump(rows)
        return
    for r in rows:
        out.print(f"[bold]{r['kind']}[/bold] ", end="")
        out.print(r["reason"], markup=False)
        for side in ("a", "b"):
            out.print(f"    {r[side + '_source_id']} ({r[side + '_outlet'] or '-'}) "
                      f"“{r[side + '_quote']}”", markup=False, style="dim")


@app.command()
def mapdiff(
    ctx: typer.Context,
    date_from: Annotated[str, typer.Option("--from", help="First layer date, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Second layer date, YYYY-MM-DD.")],
    top: Annotated[int, typer.Option(min=0, help="Settlements to list per direction.")] = 20,
    json_out: JsonFlag = False,
) -> None:
    """Area that changed hands between two control-map layers (km², equal-area), the
    settlements inside it, and the area claims made in that period beside it."""
    from frontlens.fuse import maps

    d1, d2 = _parse_day(date_from, "--from").date(), _parse_day(date_to, "--to").date()
    store = _open(_settings(ctx), read=True)
    try:
        diff = maps.mapdiff(store, d1, d2)
    except maps.MapError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    claims = store.area_claims_between(d1, d2)
    gaps = maps.gaps_in(diff, store.mentioned_place_ids())
    result: dict[str, Any] = {
        "from": str(d1), "to": str(d2),
        "layers": [str(diff.layer1.layer_date), str(diff.layer2.layer_date)],
        "projection": diff.projection,
        "to_free_km2": round(diff.to_free_km2, 1),
        "to_occupied_km2": round(diff.to_occupied_km2, 1),
        "transitions_km2": diff.transitions_km2,
        "redrawn_km2": round(diff.redrawn_km2, 1),
        "settlements_to_free": [s.__dict__ for s in diff.settlements_to_free[:top]],
        "settlements_to_occupied": [s.__dict__ for s in diff.settlements_to_occupied[:top]],
        "n_settlements_to_free": len(diff.settlements_to_free),
        "n_settlements_to_occupied": len(diff.settlements_to_occupied),
        "coverage_gaps": [{"direction": d, **g.__dict__} for d, g in gaps[:top]],
        "n_coverage_gaps": len(gaps),
        "area_claims": [
            {**c.model_dump(mode="json", include={"id", "source_id", "value_km2", "qualifier",
                                                  "claimant", "claimed_by"}),
             "published": str(when) if when else None, "sentence": sentence}
            for c, when, sentence in claims
        ],
    }
    if json_out:
        _dump(result)
        return
    out.print(f"Map {result['layers'][0]} → {result['layers'][1]} ({diff.projection}):")
    out.print(f"  occupied → Ukrainian-held: {result['to_free_km2']:,.0f} km², "
              f"{result['n_settlements_to_free']} settlements")
    out.print(f"  Ukrainian-held → occupied: {result['to_occupied_km2']:,.0f} km², "
              f"{result['n_settlements_to_occupied']} settlements")
    if diff.settlements_to_free:
        out.print("  largest retaken: " + ", ".join(
            s.name for s in diff.settlements_to_free[:top]), markup=False)
    out.print(f"Coverage gaps: {len(gaps)} of these settlements are named by no stored source"
              + (": " + ", ".join(g.name for _, g in gaps[:top]) if gaps else ""), markup=False)
    out.print(f"Area claims published {d1} … {d2}: {len(claims)}")
    for c, when, sentence in claims:
        q = {"more_than": "more than ", "about": "about ", "up_to": "up to ",
             "less_than": "less than "}.get(c.qualifier, "")
        out.print(f"  {when or '?'}  {q}{c.value_km2:,.0f} km²  ({c.claimant or c.claimed_by}) "
                  f"“{sentence[:160]}”", markup=False)


MAPCHECK_VERDICTS = {
    "agree": "the map shows the side the claim says holds the place",
    "disagree": "the map shows the other side on every day checked: listed below",
    "n/a": "the claim names no holder (fighting, shelling, an advance): nothing to check",
    "unlocated": "the place has no coordinates (not resolved to the gazetteer)",
    "undated": "the claim has no event date",
    "no_layer": "no map layer covers the claim's days",
}


@app.command()
def mapcheck(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option(min=0, max=30, help="Days after the claim.")] = 3,
    json_out: JsonFlag = False,
) -> None:
    """Cross-check every extracted control claim against the map layer of its day and the
    following days; print agreement statistics and the claims the map contradicts."""
    from frontlens.fuse import maps
    from frontlens.model import ControlEvent

    store = _open(_settings(ctx), read=True)
    events = store.list_records(ControlEvent, limit=10_000_000)
    if not maps.list_layers(store):
        err.print("error: no map layers stored (ingest GeoJSON control maps first)")
        raise typer.Exit(2)
    checks = maps.cross_check(store, events, horizon_days=horizon)
    stats = maps.agreement_stats(checks)
    rows = [{"event_id": c.event.id, "place": c.event.place_name, "action": c.event.action,
             "date": str(c.event.event_date) if c.event.event_date else None,
             "expected": c.expected, "verdict": c.verdict,
             "agree_day": str(c.agree_day) if c.agree_day else None} for c in checks]
    if json_out:
        _dump({"stats": stats.__dict__, "claims": rows})
        return
    out.print(f"{stats.n_events} claims checked against the map layers "
              f"(the claim's day and {horizon} day(s) after):", markup=False)
    for verdict, n in sorted(stats.verdicts.items(), key=lambda kv: -kv[1]):
        out.print(f"  {verdict:9} {n:6}  {MAPCHECK_VERDICTS.get(verdict, '')}", markup=False)
    out.print(f"agreement (agree / (agree + disagree)): {stats.share_agree}, "
              f"n checked {stats.n_checked}", markup=False)
    wrong = [c for c in checks if c.verdict == "disagree"]
    if wrong:
        out.print("claims the map contradicts (check the sentence, then the place it was "
                  "resolved to; `frontlens explain EVENT` shows the fused event):", markup=False)
    sources = {s.id: s for s in store.sources_by_id({c.event.source_id for c in wrong})}
    for c in wrong:
        ev = c.event
        src = sources.get(ev.source_id)
        sentence = " ".join(src.text[ev.start:ev.end].split())[:200] if src else ""
        out.print(f"  {ev.place_name} {ev.action} {ev.event_date} (says {c.expected}; the map "
                  f"does not) {ev.id}\n      “{sentence}” — {src.outlet if src else '?'}, "
                  f"{ev.source_id}", markup=False)



# -- reports (frontlens.report): ledgers, the daily brief and exports ---------------------------

EXPORT_FORMATS = ("geojson", "acled", "ledger", "jsonl")
GEOJSON_CONTENT = ("events", "timelines")
LEDGERS = ("equipment", "claims")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(EXPORT_FORMATS)}.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write; - for stdout.")],
    md_out: Annotated[bool, typer.Option("--md", help="ledger: Markdown instead of CSV.")]
    = False,
    what: Annotated[str, typer.Option(
        "--what", help="geojson: events (fused control events) or timelines (control states).")]
    = "events",
    items: Annotated[bool, typer.Option(
        "--items", help="ledger: one dated row per counted item instead of one per type.")]
    = False,
    since: Annotated[str | None, typer.Option(
        "--from", help="geojson/acled: events dated on or after (timelines: states in force "
        "on or after); ledger: items first published on or after. YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(
        "--to", help="geojson/acled/ledger: the same, on or before. YYYY-MM-DD.")] = None,
) -> None:
    """Export fused events (GeoJSON, ACLED CSV), the equipment ledger or every record (JSONL)."""
    from frontlens.report import export as ex

    if fmt not in EXPORT_FORMATS:
        err.print(f"error: unknown format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}",
                  markup=False)
        raise typer.Exit(2)
    if what not in GEOJSON_CONTENT:
        err.print(f"error: --what {what!r}; one of {', '.join(GEOJSON_CONTENT)}", markup=False)
        raise typer.Exit(2)
    d1, d2 = _day(since), _day(until)
    if fmt != "ledger" and items:
        err.print("error: --items applies to --format ledger", markup=False)
        raise typer.Exit(2)
    if fmt == "jsonl" and (d1 or d2):
        err.print("error: --from and --to do not apply to --format jsonl (every record)",
                  markup=False)
        raise typer.Exit(2)
    store = _open(_settings(ctx), read=True)
    fh = sys.stdout if str(output) == "-" else None
    try:
        if fh is None:
            fh = output.open("w", encoding="utf-8", newline="")
        if fmt == "geojson":
            stats = ex.write_geojson(store, fh, what, since=d1, until=d2)
        elif fmt == "acled":
            stats = ex.write_acled(store, fh, since=d1, until=d2)
        elif fmt == "ledger":
            stats = ex.write_ledger(store, fh, markdown=md_out, items=items, since=d1,
                                    until=d2)
        else:
            stats = ex.write_jsonl(store, fh)
    except OSError as exc:
        err.print(f"error: cannot write {output}: {exc}", markup=False)
        raise typer.Exit(2) from exc
    finally:
        if fh is not None and fh is not sys.stdout:
            fh.close()
        store.close()
    skipped = f", {stats.skipped} left out ({stats.reason})" if stats.skipped else ""
    err.print(f"{fmt}: {stats.written} written to {output}{skipped}", markup=False)


@app.command()
def ledger(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(LEDGERS)}.")],
    since: Annotated[str | None, typer.Option("--from", help="Published on or after, YYYY-MM-DD.")]
    = None,
    until: Annotated[str | None, typer.Option("--to", help="Published on or before, YYYY-MM-DD.")]
    = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 100,
    compare: Annotated[Path | None, typer.Option(
        "--compare", help="equipment: diff against an Oryx daily-count table (scarnecchia "
        "daily_count.csv) for the --from/--to period.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Equipment losses Oryx-style (each item once) or the claims ledger (who said what)."""
    from dataclasses import asdict

    from frontlens.report.ledgers import FATES, claims_ledger, equipment_ledger

    if kind not in LEDGERS:
        err.print(f"error: unknown ledger {kind!r}; one of {', '.join(LEDGERS)}", markup=False)
        raise typer.Exit(2)
    d1, d2 = _day(since), _day(until)
    if compare is not None and kind != "equipment":
        err.print("error: --compare applies to the equipment ledger", markup=False)
        raise typer.Exit(2)
    store = _open(_settings(ctx), read=True)
    if compare is not None:
        _ledger_compare(store, compare, d1, d2, json_out)
        return
    if kind == "equipment":
        rows = equipment_ledger(store, since=d1, until=d2)[:limit]
        if json_out:
            _dump([asdict(r) | {"country": r.country, "oryx_section": r.oryx_section,
                                "oryx_type": r.oryx_type} for r in rows])
            return
        table = Table("side", "category", "type", "Oryx type", *FATES, "total", "sources",
                      box=None)
        for r in rows:
            table.add_row(r.country, r.category, r.type, r.oryx_type or "-",
                          *(str(getattr(r, f)) for f in FATES), str(r.total),
                          str(len(r.source_ids)))
        out.print(table)
        return
    claims = claims_ledger(store, since=d1, until=d2, limit=limit)
    if json_out:
        _dump([asdict(c) for c in claims])
        return
    for c in claims:
        when = c.published_at.strftime("%Y-%m-%d %H:%M") if c.published_at else "undated"
        flag = " [against interest]" if c.against_interest else ""
        out.print(f"{when} {c.speaker or 'unnamed'}"
                  + (f" ({c.role})" if c.role else "")
                  + f", {c.side}, {'quoted' if c.direct else 'reported'} ({c.cue or '-'}){flag}: "
                  f"“{c.quote[:300]}”", markup=False)
        out.print(f"    {c.outlet or '-'} {c.url or ''} {c.source_id}[{c.start}:{c.end}]",
                  markup=False, style="dim")


def _ledger_compare(store: Store, path: Path, since: Any, until: Any, json_out: bool) -> None:
    """Print ledger − Oryx per country and Oryx section and fate for the period."""
    from frontlens.report.ledgers import (
        ORYX_FATES,
        compare_with_oryx,
        equipment_items,
        read_oryx_daily,
    )

    try:
        with path.open(encoding="utf-8", newline="") as fh:
            oryx = read_oryx_daily(fh, since, until)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err.print(f"error: cannot read Oryx table {path}: {exc}", markup=False)
        raise typer.Exit(2) from exc
    diffs = compare_with_oryx(equipment_items(store, since=since, until=until), oryx)
    if json_out:
        _dump([{"country": d.country, "section": d.section, "ledger": d.ledger,
                "oryx": d.oryx, "diff": d.diff} for d in diffs])
        return
    period = f"{since or 'start'} to {until or 'end'}"
    out.print(f"ledger vs Oryx ({path.name}), items first published {period}; "
              "cells are ledger/Oryx, diff is ledger − Oryx", markup=False)
    table = Table("country", "Oryx section", *ORYX_FATES, "diff", box=None)
    differing = 0
    for d in diffs:
        delta = d.diff
        differing += any(delta[f] for f in ORYX_FATES)
        cells = [f"{d.ledger[f]}/{d.oryx[f]}" for f in ORYX_FATES]
        change = ", ".join(f"{f} {delta[f]:+d}" for f in ORYX_FATES if delta[f]) or "same"
        table.add_row(d.country, d.section, *cells, change)
    out.print(table)
    out.print(f"{differing} of {len(diffs)} sections differ", markup=False)


@app.command()
def brief(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    until: Annotated[str, typer.Option("--to", help="Last day (inclusive), YYYY-MM-DD.")],
    html_path: Annotated[Path | None, typer.Option("--html", help="Write self-contained HTML.")]
    = None,
    md_path: Annotated[Path | None, typer.Option("--md", help="Write Markdown.")] = None,
) -> None:
    """Daily brief: changes of control, equipment losses, key statements and contradictions,
    each with its citations (run `fuse` first). Prints Markdown when no file is given."""
    from frontlens.report.brief import build_brief, render_html, render_markdown

    d1, d2 = _day(since), _day(until)
    if d1 is None or d2 is None or d1 > d2:
        err.print(f"error: --from {since} is after --to {until}", markup=False)
        raise typer.Exit(2)
    store = _open(_settings(ctx), read=True)
    _warn_unfused(store)
    b = build_brief(store, d1, d2)
    try:
        if html_path:
            html_path.write_text(render_html(b), encoding="utf-8")
        if md_path:
            md_path.write_text(render_markdown(b), encoding="utf-8")
    except OSError as exc:
        err.print(f"error: cannot write: {exc}", markup=False)
        raise typer.Exit(2) from exc
    if not html_path and not md_path:
        sys.stdout.write(render_markdown(b))
    else:
        err.print(f"brief {d1} – {d2}: {len(b.changes)} changes of control, "
                  f"{len(b.equipment)} equipment lines, {len(b.statements)} statements, "
                  f"{len(b.contradictions)} contradictions", markup=False)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def watch(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(
        help="Feeds and pages (http(s) URLs, fetched every cycle), files and folders (walked; "
        "a new or changed file is read).", show_default=False)],
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds from one cycle's start to "
                                            "the next.")] = 300.0,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    log: Annotated[Path | None, typer.Option(help="Append status and error lines to this "
                                             "file too.")] = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow URLs on private or loopback addresses.")
    ] = False,
) -> None:
    """Live mode: at an interval, ingest what is new among the inputs, extract and fuse it
    incrementally; one status line per cycle. Only the listed URLs are fetched, with the
    fetcher's limits. `frontlens serve` on the same database shows each cycle's picture."""
    from frontlens.watch import Watcher

    settings = _settings(ctx)
    if allow_private:
        settings = settings.model_copy(update={"allow_private": True})
    store = _open(settings)

    def say(line: str) -> None:
        (err if line.startswith("error:") else out).print(line, markup=False)
        if log is not None:
            with log.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    watcher = Watcher(store, list(inputs), settings, log=say)
    try:
        watcher.run(interval, cycles=1 if once else None)
    except KeyboardInterrupt:
        say("watch: stopped")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind; non-loopback is read-only "
                                           "unless a token is set.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="FRONTLENS_API_TOKEN",
        help="Bearer token for writes (POST /api/ingest, /api/fuse); none: writes refused.")]
    = None,
    access_log: Annotated[bool, typer.Option(
        "--access-log/--no-access-log", envvar="FRONTLENS_ACCESS_LOG",
        help="Log one line per request (off by default: formatting and writing it is server "
             "CPU time spent on every request under load).")] = False,
) -> None:
    """Serve the JSON API under /api (docs at /docs) and the dashboard at /.

    uvicorn parses HTTP with httptools (C) rather than h11 (pure Python) when it is installed
    (a dependency): on a small machine the parser's time per request is server time the
    clients wait for."""
    import importlib.util

    import uvicorn

    from frontlens.serve import create_app

    settings = _settings(ctx)
    if token:
        settings = settings.model_copy(update={"api_token": token})
    if not settings.api_token:  # nothing can be written: an empty new database helps no one
        _refuse_missing(settings)
    read_only = not is_loopback(host) and not settings.api_token
    try:
        api = create_app(settings, read_only=read_only)
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    mode = ("read-only (non-loopback address, no token)" if read_only
            else "writes need the bearer token" if settings.api_token
            else "writes refused (no token)")
    err.print(f"frontlens API on http://{host}:{port}/api (docs /docs); {mode}", markup=False)
    _warn_unfused(api.state.store)  # the dashboard would show an empty or old picture
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    uvicorn.run(api, host=host, port=port, log_level="info", proxy_headers=False, http=http,
                access_log=access_log)


def run() -> None:
    """The ``frontlens`` command: the Typer app, with database failures that can strike any
    command mid-way (another process holds the lock, the disk is full, the file is read-only
    or damaged) reported as one line and exit 2 instead of a traceback. Each command writes
    in transactions, so what was stored before stays as it was."""
    from sqlalchemy.exc import DBAPIError

    try:
        app()
    except DBAPIError as exc:
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split("(Background on")[0]
                          .split())[:300]
        hint = ""
        if "locked" in detail:
            hint = (" — another frontlens process is writing; retry when it is done, or raise "
                    "FRONTLENS_LOCK_TIMEOUT")
        err.print(f"error: database: {detail}{hint}. Nothing was lost: the interrupted step "
                  "was rolled back.", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    run()
