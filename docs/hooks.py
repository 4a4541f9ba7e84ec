"""MkDocs hooks: the pages that live outside ``docs/`` join the site, and the docstrings' Sphinx roles read well.

The tutorials' executed notebooks (``notebooks/*.ipynb``, rendered by mkdocs-jupyter), the paper-check report
with its figures (``paper_checks/report/``) and ``BENCHMARKS.md`` are added to the site's files under the paths
below, so the navigation refers to them like any page and their relative links (the report's figures) resolve.
Nothing is copied into ``docs/``, so nothing can go stale there.

The numpydoc docstrings cross-reference with Sphinx roles (``:class:`~implicit_bias.flow.FlowSolution```), which
mkdocstrings renders as text; each becomes a cross-reference that autorefs turns into a link when the object is
documented on the site, and into plain code otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent

#: site directory -> (repository directory, file patterns)
EXTERNAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "notebooks": ("notebooks", ("*.ipynb",)),
    "paper-checks": ("paper_checks/report", ("report.md", "*/*.png")),
}
#: site path -> repository file
SINGLE_FILES: dict[str, str] = {"benchmarks.md": "BENCHMARKS.md"}


def external_files() -> Iterator[tuple[str, Path]]:
    """``(site path, repository file)`` of every page and figure added to the site."""
    for site_dir, (repo_dir, patterns) in EXTERNAL.items():
        for pattern in patterns:
            for path in sorted((ROOT / repo_dir).glob(pattern)):
                yield f"{site_dir}/{path.relative_to(ROOT / repo_dir).as_posix()}", path
    for site_path, repo_file in SINGLE_FILES.items():
        yield site_path, ROOT / repo_file


def _file(config: MkDocsConfig, site_path: str, path: Path) -> File:
    if site_path == path.relative_to(ROOT).as_posix():
        # a real source directory (the repository), as mkdocs-jupyter's notebook pages need one
        return File(site_path, src_dir=str(ROOT), dest_dir=config.site_dir,
                    use_directory_urls=config.use_directory_urls)
    return File.generated(config, site_path, abs_src_path=str(path))


@event_priority(100)  # before mkdocs-jupyter turns .ipynb files into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    for site_path, path in external_files():
        files.append(_file(config, site_path, path))
    return files


_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):<code>(~?)([\w.]+)(\(\))?</code>")


def _reference(m: re.Match[str]) -> str:
    short, name, call = m.groups()
    title = name.rsplit(".", 1)[-1] if short else name
    return f'<autoref identifier="{name}" optional><code>{title}{call or ""}</code></autoref>'


def on_page_content(html: str, **kwargs: object) -> str:
    return _ROLE.sub(_reference, html)
