"""Make pywebview's JavaScript bridge work under the UI's Content-Security-Policy.

The UI (and the server) forbid ``eval``: ``script-src 'self'``. pywebview 6 builds the
``window.pywebview.api`` stubs with ``new Function(...)`` and hands results back through
``eval(...)``, so under that policy the stubs are never made and no promise settles.
Rather than weaken the policy, this module
  - rebuilds the stubs without eval after each page load (``API_JS``), finishing what
    pywebview's own ``finish.js`` could not: the Qt web channel and ``pywebviewready``;
  - runs the "here is your return value" statement as it is, without the eval wrapper;
  - tells the GUI backend that someone wants the paths of dropped files.
Written against pywebview 6.2's js/api.js and js/finish.js (names used:
``_jsApiCallback``, ``_checkValue``, ``_returnValuesCallbacks``, ``_QWebChannel``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import webview

API_JS = r"""
(function (names) {
  var pv = window.pywebview;
  if (!pv || !pv._jsApiCallback) return;
  var missing = names.filter(function (name) { return typeof pv.api[name] !== 'function'; });
  if (!missing.length) return;
  missing.forEach(function (name) {
    pv._returnValuesCallbacks[name] = pv._returnValuesCallbacks[name] || {};
    pv.api[name] = function () {
      var args = Array.prototype.slice.call(arguments);
      var id = (Math.random() + '').substring(2);
      var promise = new Promise(function (resolve, reject) {
        pv._checkValue(name, resolve, reject, id);
      });
      pv._jsApiCallback(name, args, id);
      return promise;
    };
  });
  function ready() { window.dispatchEvent(new CustomEvent('pywebviewready')); }
  if (pv.platform === 'qtwebengine' && !pv._QWebChannel && window.QWebChannel) {
    new QWebChannel(qt.webChannelTransport, function (channel) {
      pv._QWebChannel = channel;
      ready();
    });
  } else {
    ready();
  }
})(%s);
"""


def install(window: webview.Window) -> None:
    """Call once, before ``webview.start``."""
    evaluate = window.evaluate_js

    def evaluate_js(script: str, callback: Any = None) -> Any:
        if callback is None and script.startswith("window.pywebview._returnValuesCallbacks["):
            window.run_js(script)
            return None
        return evaluate(script, callback)

    window.evaluate_js = evaluate_js  # type: ignore[method-assign]
    from webview.dom import _dnd_state

    # Qt, WebView2, Cocoa and GTK note the real paths of dropped files only while a
    # listener is registered; DesktopApi.dropped_paths reads them.
    _dnd_state["num_listeners"] = int(_dnd_state["num_listeners"]) + 1  # type: ignore[call-overload]


def api_script(js_api: object) -> str:
    """The script that (re)creates ``window.pywebview.api`` for ``js_api``'s methods."""
    names = [
        name for name in dir(js_api) if not name.startswith("_") and callable(getattr(js_api, name))
    ]
    return API_JS % json.dumps(names)
