"""mkdocs hook: the committed result figures (``results/**/*.png``) are served beside the pages
as ``results-files/…``, and the pages' links ``../results/…`` (right on GitHub, where
``docs/`` sits beside ``results/``) point there, so that ``mkdocs build --strict`` checks them."""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

RESULTS = Path(__file__).resolve().parents[1] / "results"
SERVED = "results-files"


def on_files(files, config):
    for path in sorted(RESULTS.rglob("*.png")):
        files.append(File.generated(config, f"{SERVED}/{path.relative_to(RESULTS).as_posix()}",
                                    abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    up = "../" * page.file.src_uri.count("/")
    return markdown.replace("](../results/", f"]({up}{SERVED}/")
