"""pytest: the notebooks here are made-up submissions for the grader, not notebooks for nbval to
run (`make test` collects tests/ with --nbval)."""
collect_ignore_glob = ["*.ipynb", "*/*.ipynb"]
