"""MkDocs hook: the site works with no network and tells no one it was read. A page that would
load a script, a style sheet, a font or an image from another host fails the build."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

# What a browser fetches by itself when it renders a page; plain links (<a href>) are fine.
_FETCHED = re.compile(
    r"""<(?:script|img|iframe|source|video|audio)\b[^>]*?\ssrc\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*?\shref\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|@import\s+["']((?:https?:)?//[^"']+)""",
    re.IGNORECASE,
)


def external_fetches(text: str) -> list[str]:
    """Every address on another host that a browser would fetch to render `text`."""
    return [next(g for g in match.groups() if g) for match in _FETCHED.finditer(text)]


def on_post_page(output: str, page: Page, config: Any) -> str:
    found = external_fetches(output)
    if found:
        raise PluginError(f"{page.file.src_uri}: the page would fetch {', '.join(found)}")
    return output


def on_post_build(config: Any) -> None:
    """The theme's own style sheets and scripts too (a font `@import`, say)."""
    site = Path(config["site_dir"])
    for path in sorted([*site.rglob("*.css"), *site.rglob("*.js")]):
        found = external_fetches(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            raise PluginError(f"{path.relative_to(site)} would fetch {', '.join(found[:3])}")
