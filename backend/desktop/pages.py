"""The two pages the window shows before the UI: "starting" and "could not start".

Plain HTML strings, loaded without a server, so the window has content at once.
"""

from __future__ import annotations

import html

BACKGROUND = "#f6f7f9"

_STYLE = f"""
:root {{ color-scheme: light dark; }}
html, body {{ height: 100%; margin: 0; }}
body {{ display: flex; align-items: center; justify-content: center; background: {BACKGROUND};
  color: #1f2328; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans",
  "PingFang SC", "Microsoft YaHei", sans-serif; user-select: none; cursor: default; }}
main {{ text-align: center; max-width: 36em; padding: 2em; }}
h1 {{ font-size: 22px; font-weight: 600; margin: 18px 0 4px; letter-spacing: .02em; }}
p {{ margin: 4px 0; color: #656d76; }}
.spinner {{ width: 36px; height: 36px; margin: 0 auto; border-radius: 50%;
  border: 3px solid #d0d7de; border-top-color: #3b6cf6; animation: spin .9s linear infinite; }}
.mark {{ width: 40px; height: 40px; margin: 0 auto; border-radius: 10px; background: #d1242f;
  color: #fff; font: 700 26px/40px system-ui, sans-serif; }}
pre {{ text-align: left; white-space: pre-wrap; background: rgba(127,127,127,.12);
  padding: 10px 12px; border-radius: 6px; font-size: 13px; user-select: text; }}
@keyframes spin {{ to {{ transform: rotate(360deg); }} }}
@media (prefers-color-scheme: dark) {{
  body {{ background: #16181d; color: #e6e6e6; }} p {{ color: #9aa1aa; }}
  .spinner {{ border-color: #30363d; border-top-color: #6e9bff; }} }}
"""


def starting_page() -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>wow-rag</title>
<style>{_STYLE}</style></head><body><main>
<div class="spinner" role="progressbar" aria-label="Starting"></div>
<h1>wow-rag</h1><p>Starting… · 正在启动…</p>
</main></body></html>"""


def failed_page(detail: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>wow-rag</title>
<style>{_STYLE}</style></head><body><main>
<div class="mark">!</div>
<h1>wow-rag could not start · 无法启动</h1>
<pre>{html.escape(detail)}</pre>
<p>Close this window and start wow-rag again. If it keeps happening, the details above
help whoever looks into it.</p>
</main></body></html>"""
