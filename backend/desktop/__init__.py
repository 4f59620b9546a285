"""The desktop shell: the pywebview window, the server thread, and the JS bridge.

Modules: ``server`` (AppServer: container + uvicorn in a thread, server.json),
``window`` (DesktopWindow: "starting" page, boot, load the UI with the token, stay on
the app), ``bridge`` (DesktopApi, the page's ``window.pywebview.api``), ``folders``
(which dropped/chosen files to import), ``gui`` (can a window be shown here),
``webview_shim`` (pywebview's bridge under a strict Content-Security-Policy, no eval),
``console`` (one line for an expected failure),
``window_state``, ``pages``, ``system`` (open folders and links outside the app).

For the web UI: the JavaScript API of the desktop window
-----------------------------------------------------------
Only in the desktop window, ``window.pywebview.api`` exists; wait for the
``pywebviewready`` event on ``window`` (or check ``window.pywebview?.api?.info``).
Every method returns a Promise.

``info()``
    ``{desktop: true, data_dir, platform, extensions}``.
``choose_files()``
    Native "choose files" dialog: ``["/abs/path", ...]``, ``[]`` when cancelled.
``choose_folder()``
    Native "choose folder" dialog: ``"/abs/path"`` or ``null``.
``import_paths(kb_id, paths)``
    Import files and whole folders by path: nothing goes through HTTP. Folders are
    walked (supported types only; hidden files, system and tool folders skipped).
    Answers ``{documents: [Document], skipped, skipped_folders, failed: [{path, code,
    message}], truncated}`` or ``{error: {code, message}}`` (``not_found`` for an unknown
    knowledge base, ``not_ready`` while the app starts). Progress then arrives through
    ``/api/events`` as for uploads.
``open_data_dir()``
    Shows the data folder in the file manager (for the settings screen; the path
    itself is ``info().data_dir`` or ``GET /api/info``).
``open_external(url)``
    Opens an http(s)/mailto link in the system browser. Links to other sites are
    already sent there by the window; this is for code that opens URLs itself.

Native drops: when files or folders are dropped anywhere on the window, the window
resolves their real paths and dispatches ``wowrag:native-drop`` on ``window`` with
``event.detail.paths``. A desktop-aware UI listens for it and calls
``import_paths(currentKbId, paths)``; its own drop zone should then not also upload
the dropped ``File`` objects over HTTP when ``window.pywebview`` exists (or fall back to
that if no ``wowrag:native-drop`` arrives within a second).
"""
