"""The dev server's reloader: polling watcher, warm supervisor, forked servers.

scripts/devserver.py is the entry point; docs in each module.
"""
