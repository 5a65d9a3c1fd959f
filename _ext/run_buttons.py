"""Where a reader gets a chapter to run: the download menu's runnable-course zip, and the launch
buttons (Colab, Binder) only when the book names its repository.

- ``nnreg_run_zip`` (``sphinx: config`` in ``_config.yml``): the zip of the chapters with what they
  need to run, at the site's root (``make book`` puts the runnable course there, ``make
  student-book`` the student edition). Every page's download menu offers it next to the page's
  own notebook, which needs the helper package that the zip holds.
- Launch buttons: ``launch_buttons`` names Colab and Binder, and the theme would build their links
  from ``repository: url``; with no repository set there is nothing to open, so the buttons are
  dropped, as they were before the book had any. With one, they open the notebook of the page on
  the branch ``repository: branch`` (the ``colab`` branch that ``make colab`` writes).
Loaded by ``_config.yml`` (``sphinx: local_extensions``).
"""
from __future__ import annotations

LAUNCHERS = ("colab_url", "binderhub_url", "jupyterhub_url", "deepnote_url", "jupyterlite_url")


def drop_launchers_without_repository(app, config):
    options = config.html_theme_options
    if not str(options.get("repository_url") or "").strip():
        launch = dict(options.get("launch_buttons") or {})
        for key in LAUNCHERS:
            launch.pop(key, None)
        options["launch_buttons"] = launch


def offer_the_run_zip(app, pagename, templatename, context, doctree):
    name = app.config.nnreg_run_zip
    pathto = context.get("pathto")
    if not name or pathto is None:
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].insert(0, {
                "type": "link", "url": pathto(name, 1), "text": ".zip (to run)", "icon": "fas fa-file-archive",
                "tooltip": "The chapters with what they need to run: unzip, then python course.py install",
                "label": "download-run-zip-button",
            })


def setup(app):
    app.add_config_value("nnreg_run_zip", "", "html")
    app.connect("config-inited", drop_launchers_without_repository)
    app.connect("html-page-context", offer_the_run_zip, priority=600)  # after the theme's (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
