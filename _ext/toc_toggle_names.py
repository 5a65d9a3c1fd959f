"""Name the sidebar's expand/collapse toggles, so that a screen reader can say what they do.

pydata-sphinx-theme (under sphinx-book-theme) draws the toggle of a chapter with sections as a
`<summary>` that holds only a chevron icon: a button with no name (axe-core rule `summary-name`,
WCAG 4.1.2). This extension gives each such `<summary>` the name "Sections of <chapter title>".
Loaded by `_config.yml` (`sphinx: local_extensions`).
"""
from __future__ import annotations


def name_toggles(soup):
    """Add an aria-label to every text-less toggle of a theme-built table of contents."""
    for summary in soup.select("li.has-children > details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        link = summary.find_parent("li").find("a", recursive=False)
        title = link.get_text(" ", strip=True) if link else ""
        summary["aria-label"] = f"Sections of {title}" if title else "Sections"
    return soup


def wrap_toctree_function(app, pagename, templatename, context, doctree):
    generate = context.get("generate_toctree_html")
    if generate is None:  # another theme, or a page without a sidebar
        return

    def generate_named(*args, **kwargs):
        result = generate(*args, **kwargs)
        return name_toggles(result) if hasattr(result, "select") else result

    context["generate_toctree_html"] = generate_named


def setup(app):
    # after the theme has put generate_toctree_html into the page context (priority 500)
    app.connect("html-page-context", wrap_toctree_function, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
