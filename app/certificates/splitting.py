"""Cutting one PDF of many certificates into one PDF each (used by single and bulk rendering)."""
import io

import pikepdf


def split_pages(pdf: bytes, counts: list[int] | None = None,
                titles: list[str] | None = None) -> list[bytes]:
    """Cut a PDF into one PDF per ``counts[i]`` pages (default: one per page), keeping its
    metadata and PDF/A output intent; ``titles`` name each part."""
    with pikepdf.open(io.BytesIO(pdf)) as source:
        counts = counts or [1] * len(source.pages)
        metadata, intents = source.Root.get("/Metadata"), source.Root.get("/OutputIntents")
        if intents is not None and not intents.is_indirect:  # copy_foreign takes indirect ones
            intents = source.make_indirect(intents)
        language = source.Root.get("/Lang")
        parts, page = [], 0
        for number, count in enumerate(counts):
            with pikepdf.new() as part:
                part.pages.extend(source.pages[page:page + count])
                page += count
                if intents is not None:
                    part.Root.OutputIntents = part.copy_foreign(intents)
                if language is not None:
                    part.Root.Lang = language
                if metadata is not None:
                    part.Root.Metadata = part.copy_foreign(metadata)
                for key, value in source.docinfo.items():
                    part.docinfo[key] = value
                if titles:
                    _retitle(part, titles[number], xmp=metadata is not None)
                out = io.BytesIO()
                part.save(out, min_version=source.pdf_version)
                parts.append(out.getvalue())
        return parts


def _retitle(part: "pikepdf.Pdf", title: str, xmp: bool) -> None:
    if xmp:  # PDF/A wants the XMP title and the document info title to agree
        with part.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
            meta["dc:title"] = title
    else:
        part.docinfo["/Title"] = title
