"""HTML to PDF for the documents the books print: the annual report, the fee invoices.

One HTML document, styled with CSS for print (``@page`` size, margins, page numbers in
the margin boxes), becomes a PDF through WeasyPrint. The same HTML is what the browser
shows and prints, so a document has one set of templates.

WeasyPrint is imported only when a PDF is asked for: it needs Pango from the system
(Debian: ``libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`` and a font such as
``fonts-dejavu-core``; ``.ci/run`` installs them), and every other command works without.
Without them, :func:`html_to_pdf` raises :class:`TypesettingUnavailable` saying what to install.

The commands write a document with ``atomic_file.write_atomically``: into a temporary file
beside the target, then renamed over it, so a reader never sees half a file and a failure
leaves the old file as it was.

>>> pdf = html_to_pdf('<!DOCTYPE html><html lang="sv"><body><p>Årsredovisning</p></body></html>')
>>> pdf[:5]
b'%PDF-'
"""

from __future__ import annotations

#: Debian packages WeasyPrint needs besides its Python wheels (named in README and .ci/run).
SYSTEM_PACKAGES: tuple[str, ...] = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core")


class TypesettingUnavailable(Exception):
    """WeasyPrint cannot be loaded (its system libraries are missing); the message says what to install."""


def html_to_pdf(document: str) -> bytes:
    """The PDF of a self-contained HTML ``document`` (styles inline).

    Nothing outside the document is fetched: no file, no network, whatever URL the
    text holds, so a document made from the books' texts shows nothing else.
    """
    try:
        from weasyprint import HTML, URLFetcher  # imported here: it loads Pango through cffi
    except (ImportError, OSError) as error:
        raise TypesettingUnavailable(
            "PDF kan inte skapas: WeasyPrint saknar systembibliotek "
            f"({error}). Installera dem: apt-get install {' '.join(SYSTEM_PACKAGES)}"
        ) from error
    no_fetching = URLFetcher(allowed_protocols=())
    pdf = HTML(string=document, url_fetcher=no_fetching).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


__all__ = ["SYSTEM_PACKAGES", "TypesettingUnavailable", "html_to_pdf"]
