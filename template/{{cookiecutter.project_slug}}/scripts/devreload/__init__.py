"""The dev server's reloader: watchers, a warm supervisor, forked servers.

scripts/devserver.py is the entry point. Modules, by concern:
- settings.py: RELOADER_* variables; rules.py: which files and directories
  matter;
- snapshot.py: the record of watched files, and the ways to look again;
  polling.py and inotify.py: the two strategies; watchers.py: which ones
  each mode uses, and bursts of changes;
- modules.py: which imported modules are watched or preloaded, fork safety;
- supervisor.py: the loop; process.py: one server process's life;
  serve.py: what runs in it; debugger.py: the editor's debugger (debugpy),
  attached once for every server.
"""
