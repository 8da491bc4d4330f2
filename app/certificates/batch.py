"""Many certificates at once, for the bulk issue job: every individual PDF plus one merged
print file, on all cores.

Most of a certificate is the same for everyone in a group (same course, second language and
hours): the wording, course title, dates, logos and signatures. A layout with layers
(layout.yaml ``layers: true``) lets each group's *background* be laid out once, and only the
*person* layer (name, affiliation, number, QR code) once per certificate, many pages per
document; qpdf (pikepdf) then puts each person page onto its background and cuts the chunk
into individual PDFs. Layouts without layers are laid out whole, many pages per document.

The certificates are read in this process (it has the database); worker processes are forked,
so they share the loaded fonts, layouts and facts without pickling (app.pdf holds its render
lock across a fork, so none is forked mid-render).
"""
import io
import logging
import multiprocessing
import os
import threading
import traceback
import warnings
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import wait
from pathlib import Path

import pikepdf
from werkzeug.utils import secure_filename

from ..pdf import render_document, write_document
from .fitting import fit_pages
from .layouts import load_layout
from .splitting import split_pages
from .rendering import Facts, build_context, facts, pdf_options, render_pages

log = logging.getLogger(__name__)

MERGED = "certificates.pdf"
_batch: dict = {}  # what forked workers inherit: facts, groups, paths, chunks, options
_one_at_a_time = threading.Lock()  # two jobs in one process's threads take turns
_PERSONAL = dict(name="", native_name="", position="", organisation="", country="", number="",
                 verify_url="", status="valid")


def render_batch(certificates, verify_url_for: Callable, out_dir: str | Path, *, workers: int = 2,
                 chunk: int = 25, progress: Callable[[int, int], None] | None = None
                 ) -> tuple[Path, list[Path]]:
    """Write ``<number>.pdf`` for each certificate and the merged ``certificates.pdf`` into
    ``out_dir``; return (merged path, individual paths in order). ``progress(done, total)`` is
    called as chunks finish."""
    with _one_at_a_time:
        return _render_batch(certificates, verify_url_for, Path(out_dir), workers, chunk, progress)


def _render_batch(certificates, verify_url_for, out_dir: Path, workers: int, chunk: int,
                  progress) -> tuple[Path, list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    found = [facts(c, verify_url_for(c)) for c in certificates]
    paths = [out_dir / name for name in file_names(certificates)]
    merged = out_dir / MERGED
    if not found:
        return merged, []
    backgrounds: dict[str, int] = {}
    layered = len({one.layout for one in found}) == 1 and load_layout(found[0].layout).layers
    groups = [backgrounds.setdefault(_background_key(one), len(backgrounds)) if layered else -1
              for one in found]
    firsts = {group: index for index, group in reversed(list(enumerate(groups))) if group >= 0}
    chunks = [(start, min(start + chunk, len(found))) for start in range(0, len(found), chunk)]
    workers = min(workers, len(chunks)) if "fork" in multiprocessing.get_all_start_methods() else 1
    if workers > 1:
        _warm([found[index] for index in {*firsts.values(), 0}])
    shares = [sorted(firsts)[k::workers] for k in range(workers)]  # backgrounds per task
    _batch.update(found=found, groups=groups, firsts=firsts, paths=paths, chunks=chunks,
                  shares=shares, options=pdf_options(found), folder=out_dir, background={})
    tasks = [[("background", k) for k, share in enumerate(shares) if share],
             [("chunk", index) for index in range(len(chunks))]]
    try:
        if workers > 1:
            parts = _in_workers(workers, tasks, progress, len(found))
        else:
            parts = []
            for task in tasks[0]:
                _run(task)
            for task in tasks[1]:
                parts.append(_run(task))
                if progress:
                    progress(chunks[task[1]][1], len(found))
        join(parts, merged)
    finally:
        for opened in _batch.get("background", {}).values():
            if opened is not None:
                opened.close()
        _batch.clear()
        for leftover in out_dir.glob(".part-*.pdf"):
            leftover.unlink(missing_ok=True)
    return merged, paths


def _warm(samples: list[Facts]) -> None:
    """Load here, before forking, what every worker needs (each language's CLDR data, the
    fonts' character maps): loaded once, and never mid-load in another thread at the fork."""
    for one in samples:
        phrases = build_context(load_layout(one.layout), one)["t"]
        for key in phrases:
            phrases[key]


def file_names(certificates) -> list[str]:
    """``<number>.pdf`` per certificate, safe on any disk and unique within the batch."""
    names, seen = [], set()
    for certificate in certificates:
        name = secure_filename(f"{certificate.number}.pdf") or f"certificate-{certificate.id}.pdf"
        while name in seen or name == MERGED:
            name = f"{name[:-4]}-{certificate.id or len(seen)}.pdf"
        seen.add(name)
        names.append(name)
    return names


def _background_key(one: Facts) -> str:
    """Certificates with equal keys share a background: their facts but the person's."""
    return repr(replace(one, **_PERSONAL))


def _part(kind: str, index: int) -> Path:
    return _batch["folder"] / f".part-{kind}-{index:05d}.pdf"


def _run(task: tuple[str, int]) -> Path:
    kind, index = task
    return _render_backgrounds(index) if kind == "background" else _render_chunk(index)


def _render_backgrounds(share: int) -> Path:
    """Lay out the backgrounds of some groups as one document, one page per group."""
    groups = _batch["shares"][share]
    found = [replace(_batch["found"][_batch["firsts"][group]], **_PERSONAL) for group in groups]
    placed = _fitted(found, "background")
    path = _part("background", share)
    if placed is not None:
        path.write_bytes(write_document(placed[0][0].copy([page for _doc, page in placed]),
                                        **_batch["options"]))
    return path


def _fitted(found: list[Facts], layer: str):
    """(document, page) per certificate of one ``layer``, text shrunk to fit (as the whole page
    would have it: each region fits on its own), or None if one takes more than a page."""
    layout = load_layout(found[0].layout)
    return fit_pages(lambda contexts: render_document(layout.render(contexts, layer),
                                                      css=layout.css),
                     [build_context(layout, one) for one in found])


def _render_chunk(index: int) -> Path:
    """One chunk: its person layer stacked on the backgrounds (or whole pages), written once,
    then cut into the individual PDFs."""
    start, end = _batch["chunks"][index]
    found: list[Facts] = _batch["found"][start:end]
    groups = _batch["groups"][start:end]
    data = _stacked(found, groups) if min(groups) >= 0 else None
    if data is None:  # no layers, or a page that would not fit: whole pages
        pages = render_pages(found)
        document = pages[0][0].copy([page for _doc, doc_pages in pages for page in doc_pages])
        data, counts = write_document(document, **_batch["options"]), \
            [len(doc_pages) for _doc, doc_pages in pages]
    else:
        counts = [1] * len(found)
    path = _part("chunk", index)
    path.write_bytes(data)
    title = load_layout(found[0].layout).wording("title", found[0].overrides.get("title"))
    titles = [f"{title.localize('en').text or 'Certificate'} – {one.name}" for one in found]
    for target, content in zip(_batch["paths"][start:end], split_pages(data, counts, titles)):
        target.write_bytes(content)
    return path


def _stacked(found: list[Facts], groups: list[int]) -> bytes | None:
    placed = _fitted(found, "person")
    if placed is None:
        return None
    person = placed[0][0].copy([page for _doc, page in placed])
    with pikepdf.open(io.BytesIO(write_document(person, **_batch["options"]))) as pdf:
        forms = {}
        for page, group in zip(pdf.pages, groups):
            if group not in forms:
                forms[group] = _background_form(pdf, group)
                if forms[group] is None:
                    return None
            page.add_underlay(forms[group], pikepdf.Rectangle(*page.mediabox))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _background_form(pdf: "pikepdf.Pdf", group: int):
    """The group's background page as a Form XObject of ``pdf`` (read once per process)."""
    share = next(k for k, groups in enumerate(_batch["shares"]) if group in groups)
    cache = _batch["background"]
    if share not in cache:
        path = _part("background", share)
        cache[share] = pikepdf.open(path) if path.exists() else None
    source = cache[share]
    if source is None:
        return None
    page = source.pages[_batch["shares"][share].index(group)]
    return pdf.copy_foreign(page.as_form_xobject())


def join(parts: list[Path], merged: Path) -> None:
    """Join chunk PDFs into one, in order (the first one's metadata stays)."""
    if len(parts) == 1:
        os.replace(parts[0], merged)
        return
    with pikepdf.open(parts[0]) as whole:
        for part in parts[1:]:
            with pikepdf.open(part) as more:
                whole.pages.extend(more.pages)
        whole.save(merged)


# --- Workers --------------------------------------------------------------------------------

def _in_workers(count: int, phases: list[list[tuple]], progress, total: int) -> list[Path]:
    """Run the phases' tasks on ``count`` forked workers, one phase after the other."""
    context = multiprocessing.get_context("fork")
    tasks, results = context.SimpleQueue(), context.SimpleQueue()
    with warnings.catch_warnings():  # app.pdf holds its lock across the fork: nothing is mid-render
        warnings.filterwarnings("ignore", r".*multi-threaded.*fork\(\)", DeprecationWarning)
        processes = [context.Process(target=_work, args=(tasks, results), daemon=True)
                     for _ in range(count)]
        for process in processes:
            process.start()
    parts: dict[int, Path] = {}
    done = 0
    try:
        for phase in phases:
            for task in phase:
                tasks.put(task)
            waiting = set(phase)
            while waiting:
                alive = [process for process in processes if process.is_alive()]
                if results.empty():
                    if not alive:
                        raise RuntimeError("A certificate worker stopped before its work was done")
                    wait([results._reader, *(process.sentinel for process in alive)], timeout=5)
                    continue
                task, outcome = results.get()
                if isinstance(outcome, str):
                    raise RuntimeError(f"Certificate {task[0]} {task[1]} failed:\n{outcome}")
                waiting.discard(task)
                if task[0] == "chunk":
                    parts[task[1]] = outcome
                    start, end = _batch["chunks"][task[1]]
                    done += end - start
                    if progress:
                        progress(done, total)
        for _ in processes:
            tasks.put(None)
    except BaseException:
        for process in processes:
            process.kill()
        raise
    finally:
        for process in processes:
            process.join()
    return [parts[index] for index in sorted(parts)]


def _work(tasks, results) -> None:
    """A worker: run tasks until told to stop; report each path or the error's traceback."""
    while (task := tasks.get()) is not None:
        try:
            results.put((task, _run(task)))
        except Exception:  # reported to the parent, which raises it
            results.put((task, traceback.format_exc()))
