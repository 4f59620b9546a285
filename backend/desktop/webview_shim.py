"""Make pywebview's JavaScript bridge work under the UI's Content-Security-Policy.

The UI (and the server) forbid ``eval``: ``script-src 'self'``, in the browser and in the
window alike. pywebview 6 uses eval in two places, and both are replaced here rather than
the policy weakened for the window:
  - ``_createApi`` (js/api.js) builds each ``window.pywebview.api`` stub with
    ``new Function(...)``; Qt logged ``EvalError: ... 'unsafe-eval'`` on every page load
    and no stub was made. The page script that pywebview injects gets, right after
    api.js, a ``_createApi`` that makes the same stubs as closures, so pywebview's own
    finish.js (the Qt web channel, ``pywebviewready``) then runs as written;
  - a method's return value comes back as ``_returnValuesCallbacks[...](...)`` through
    ``evaluate_js``, which wraps every statement in ``eval("...")``: that one statement
    runs without the wrapper (``run_js``), and only if the page that asked is still there:
    a value that comes back after the window moved on to another page is dropped (it
    was an "Uncaught TypeError" on the new page).
Also closes a race in pywebview's injection across page loads. Each load runs the page
script, then (later, from a thread) finish.js. The window shows a starting page and then
loads the app; under load the starting page's finish.js could run on the app page: before
its page script ("Cannot read properties of undefined (reading '_createApi')") or after,
a second time. Each injection now marks its page script with a nonce, and its finish.js
runs only on the page that carries that nonce; the app page's own injection follows.
Also tells the GUI backend that someone wants the paths of dropped files.
Written against pywebview 6.2's js/api.js, js/finish.js and util.load_js_files.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import webview

CREATE_API_JS = r"""
window.pywebview._createApi = function (funcList) {
  var pv = window.pywebview;
  funcList.forEach(function (element) {
    var funcName = element.func;
    var path = funcName.split('.');
    var last = path.pop();
    var holder = path.reduce(function (obj, prop) {
      obj[prop] = obj[prop] || {};
      return obj[prop];
    }, pv.api);
    holder[last] = function () {
      var args = Array.prototype.slice.call(arguments);
      var id = (Math.random() + '').substring(2);
      var promise = new Promise(function (resolve, reject) {
        pv._checkValue(funcName, resolve, reject, id);
      });
      pv._jsApiCallback(funcName, args, id);
      return promise;
    };
    pv._returnValuesCallbacks[funcName] = {};
  });
};
"""

# pywebview's statement that hands a bridge call's result back to the page.
RETURN_VALUE = re.compile(
    r'window\.pywebview\._returnValuesCallbacks\["([^"]*)"\]\["([^"]*)"\]\((.*)\)', re.DOTALL
)


def deliver_js(func_name: str, call_id: str, value: str) -> str:
    return (
        "(function () { var pv = window.pywebview;"
        f' var calls = pv && pv._returnValuesCallbacks["{func_name}"];'
        f' var done = calls && calls["{call_id}"];'
        f" if (done) done({value}); }})();"
    )


def install(window: webview.Window) -> None:
    """Call once, before ``webview.start``."""
    import webview.util

    if not getattr(webview.util.load_js_files, "_wowrag", False):
        load_js_files = webview.util.load_js_files

        def without_eval(*args: Any, **kwargs: Any) -> tuple[str, str]:
            scripts: Any = load_js_files(*args, **kwargs)  # annotated `str`, returns a pair
            page_script, finish_script = scripts
            nonce = secrets.token_hex(8)  # no '%': finish.js is %-formatted after this
            marked = f"{page_script}{CREATE_API_JS}\nwindow.pywebview._wowragLoad = '{nonce}';\n"
            only_here = (
                f"if (window.pywebview && window.pywebview._wowragLoad === '{nonce}') {{\n"
                f"{finish_script}\n}}\n"
            )
            return marked, only_here

        without_eval._wowrag = True  # type: ignore[attr-defined]
        webview.util.load_js_files = without_eval  # type: ignore[assignment]

    evaluate = window.evaluate_js

    def evaluate_js(script: str, callback: Any = None) -> Any:
        returned = RETURN_VALUE.fullmatch(script) if callback is None else None
        if returned:
            window.run_js(deliver_js(*returned.groups()))
            return None
        return evaluate(script, callback)

    window.evaluate_js = evaluate_js  # type: ignore[method-assign]
    from webview.dom import _dnd_state

    # Qt, WebView2, Cocoa and GTK note the real paths of dropped files only while a
    # listener is registered; DesktopApi.dropped_paths reads them.
    _dnd_state["num_listeners"] = int(_dnd_state["num_listeners"]) + 1  # type: ignore[call-overload]
