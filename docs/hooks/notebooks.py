"""MkDocs hook: the top-level notebooks/*.ipynb as offline pages, their TeX math as MathML."""

from __future__ import annotations

import html
import re
from pathlib import Path

from latex2mathml.converter import convert as latex_to_mathml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


# Before mkdocs-jupyter's own on_files (priority 0), which turns .ipynb files into pages.
@event_priority(100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add each notebook as notebooks/<name>.ipynb, read from the repository's notebooks/."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        files.append(
            File(
                f"notebooks/{path.name}",
                src_dir=str(NOTEBOOKS.parent),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


# nbconvert's page template loads MathJax and Mermaid from a CDN; the site must work offline and
# the notebooks have no Mermaid diagrams, so those scripts are dropped.
_NETWORK_SCRIPTS = re.compile(
    r'<script src=""> </script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r'|<script type="module">(?:(?!</script>).)*?mermaid.*?</script>',
    re.DOTALL,
)


# The notebooks' markdown cells write math as $...$ and $$...$$, which nbconvert leaves for MathJax
# to typeset in the browser. Converted to MathML at build time instead, the browser draws it
# itself, with no script. Only markdown cells are touched, and inline code in them is left alone.
_MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.DOTALL
)
_CODE_SPAN = re.compile(r"(<code>.*?</code>)", re.DOTALL)
_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.DOTALL)


def _typeset(match: re.Match[str]) -> str:
    display, inline = match.group(1), match.group(2)
    tex = html.unescape(display if display is not None else inline)
    return latex_to_mathml(tex, display="block" if display is not None else "inline")


def _typeset_cell(match: re.Match[str]) -> str:
    opening, body, closing = match.groups()
    pieces = _CODE_SPAN.split(body)  # odd indexes are code spans
    body = "".join(piece if i % 2 else _MATH.sub(_typeset, piece) for i, piece in enumerate(pieces))
    return opening + body + closing


# mkdocs-jupyter builds a notebook's table of contents from a Markdown copy of it, where a heading
# with code in it ("`no_grad`: ...") loses the code from its title and gets another anchor than the
# page's heading, so the link goes nowhere. The page's own headings, in the same order, are right.
_HEADING = re.compile(r'<h[1-6] id="([^"]+)">(.*?)<a class="anchor-link"', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _toc_from_headings(html_text: str, toc: list[AnchorLink]) -> None:
    headings = [
        (anchor, html.unescape(_TAG.sub("", inner)).strip())
        for anchor, inner in _HEADING.findall(html_text)
    ]
    items: list[AnchorLink] = []
    pending = list(reversed(toc))
    while pending:  # depth first, in page order
        item = pending.pop()
        items.append(item)
        pending += reversed(item.children)
    if len(items) != len(headings):
        return
    for item, (anchor, title) in zip(items, headings):
        item.id, item.title = anchor, title


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Strip the CDN scripts from a notebook page, turn its TeX math into MathML, fix its TOC."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html_text
    _toc_from_headings(html_text, list(page.toc))
    return _MARKDOWN_CELL.sub(_typeset_cell, _NETWORK_SCRIPTS.sub("", html_text))
