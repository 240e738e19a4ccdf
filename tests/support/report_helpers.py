"""A generated student for the progress report, and a headless Chromium that renders it.

The renderer drives Debian's `chromium` over the DevTools protocol: it records console
messages, exceptions and every network request while the page loads, reads the DOM
back, and takes screenshots. The README's screenshot is made with it too:

    python tests/report_helpers.py docs/report.png    # from decks/sample-misses.csv
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "decks" / "sample-misses.csv"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
SUBJECTS = ["Pathology", "Pharmacology", "Physiology", "Microbiology", "Immunology", "Biochemistry"]
SYSTEMS = ["Cardiovascular", "Renal/Urinary", "Respiratory", "Gastrointestinal", "Endocrine", "Nervous System"]
REASONS = ["knowledge gap", "misread the question", "ran out of time", "changed my answer", "guessed"]


def miss_log(now: datetime, *, questions: int = 90, seed: int = 3) -> str:
    """A Qbank log over the 10 weeks before `now`: misses, some repeated, some correct,
    one topic named like markup."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["qid", "source", "date", "subject", "system", "topic", "result", "objective", "reason"])
    for q in range(questions):
        topic = HOSTILE if q % 9 == 0 else f"Topic {q % 23}"
        when = (now - timedelta(days=70 - q * 60 // questions)).date()
        row = [str(50000 + q), "uworld", when.isoformat(), SUBJECTS[q % 6], SYSTEMS[(q // 2) % 6], topic]
        writer.writerow([*row, "incorrect", f"Objective {q}", REASONS[q % 5]])
        if q % 4 == 0:  # repeated later: a second miss or a correct answer
            later = (when + timedelta(days=rng.randint(5, 20))).isoformat()
            writer.writerow([row[0], "uworld", later, *row[3:], rng.choice(["incorrect", "correct"]), "", ""])
    return out.getvalue()


def add_reviews(db: Path, now: datetime, *, seed: int = 5, recall: float = 0.86) -> int:
    """Review answers for every card from its first miss until `now`, at growing intervals;
    cards are then replayed from the log. Returns the answers added."""
    from srs import settings as settings_mod
    from srs.schedule.replay import rebuild_all
    from srs.store import open_store
    from srs.timing import to_iso

    rng = random.Random(seed)
    rows = []
    with open_store(db) as store:
        for question_id in store.question_ids():
            events = store.events(question_id)
            misses = [e for e in events if e.kind == "qbank" and e.result != "correct"]
            if not misses:
                continue
            at, interval = misses[0].at, 1.0
            while True:
                at = at + timedelta(days=interval, hours=rng.uniform(-3, 3))
                if at >= now:
                    break
                rating = 1 if rng.random() > recall else rng.choice([2, 3, 3, 3, 4])
                interval = 1.0 if rating == 1 else interval * rng.uniform(1.8, 2.8)
                key = f"review|gen|{question_id}|{len(rows)}"
                rows.append(
                    (question_id, to_iso(at), "review", None, rating, rng.randint(4000, 30000), key, to_iso(at))
                )
        with store.write():
            store.insert_events(rows)
            rebuild_all(store, settings_mod.load(store).scheduler())
    return len(rows)


def fit_parameters(db: Path, now: datetime) -> None:
    """Store fitted FSRS parameters (a fixed, valid set): the report then shows the fit."""
    from synthetic import TRUE_PARAMETERS

    from srs.schedule.parameters import CONFIG_KEY, FittedParameters
    from srs.store import open_store

    with open_store(db) as store, store.write():
        store.set_config(CONFIG_KEY, FittedParameters(TRUE_PARAMETERS, fitted_at=now, reviews=1234).to_json())


def generated_student(db: Path, now: datetime, *, log: str | None = None) -> None:
    """A student with misses, reviews, an exam date and fitted parameters, in `db`."""
    from click.testing import CliRunner
    from srs_cli.main import cli

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "misses.csv"
        path.write_text(log if log is not None else miss_log(now), encoding="utf-8")
        runner = CliRunner()
        for args in (
            ["import", str(path)],
            ["config", "set", "timezone", "America/Chicago"],
            ["config", "set", "high-yield-retention", "0.95"],  # the tier is opt-in: this student uses it
            ["config", "set", "exam-date", (now + timedelta(days=40)).date().isoformat()],
        ):
            done = runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
            assert done.exit_code == 0, done.output
    add_reviews(db, now)
    fit_parameters(db, now)


def assessments(today: date) -> tuple[list, list]:
    """Self-assessment scores and score-report bands, as the readiness records will give them."""
    from srs.report.data import BandCell, ScorePoint

    scores = [
        ScorePoint(today - timedelta(days=42), "NBME", "26", 58.0),
        ScorePoint(today - timedelta(days=28), "NBME", "27", 61.0),
        ScorePoint(today - timedelta(days=14), "UWSA", "1", 66.0),
        ScorePoint(today - timedelta(days=3), "NBME", "28", 68.0),
    ]
    areas = ["Cardiovascular", "Renal/Urinary", "Respiratory", "Pharmacology", HOSTILE]
    order = ["lower", "borderline", "same", "higher"]
    bands = [
        BandCell(f"{s.kind} {s.form}", area, order[min(3, (i + j) // 2)])
        for i, s in enumerate(scores)
        for j, area in enumerate(areas)
    ]
    return scores, bands


# -- the browser ------------------------------------------------------------------------------------


def chromium() -> str | None:
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


@dataclass
class Rendered:
    console: list[str] = field(default_factory=list)  # console messages of level error or warning
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for, itself included
    dom: dict = field(default_factory=dict)  # what the page's DOM holds (see PROBE)
    screenshots: list[Path] = field(default_factory=list)


PROBE = """(() => {
  const charts = {};
  for (const el of document.querySelectorAll('[id^="chart-"]')) {
    const svg = el.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    charts[el.id.slice(6)] = {
      empty: el.hasAttribute('data-empty'),
      marks: svg ? svg.querySelectorAll('path, rect, line, text, circle').length : 0,
      width: box ? box.width : 0, height: box ? box.height : 0,
    };
  }
  return JSON.stringify({
    title: document.title,
    text: document.body.textContent,
    cells: [...document.querySelectorAll('td.area')].map(e => e.textContent),
    labels: [...document.querySelectorAll('svg text')].map(e => e.textContent),
    images: document.querySelectorAll('img').length,
    scripts: document.querySelectorAll('script').length,
    widest: document.documentElement.scrollWidth,
    charts,
  });
})()"""


class DevTools:
    """One page of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, binary: str, profile: Path) -> None:
        import websocket

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--disable-default-apps", "--mute-audio", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helpers (renderer, crash handler) in one group, stopped together
        )  # fmt: skip
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [t for t in json.load(answer) if t["type"] == "page"]
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, **params: object) -> dict:
        self.next_id += 1
        wanted = self.next_id
        self.socket.send(json.dumps({"id": wanted, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.events.append(json.loads(self.socket.recv()))

    def close(self) -> None:
        try:
            if hasattr(self, "socket"):
                self.socket.close()
        finally:
            # the whole group: a helper process left running keeps writing to the profile while
            # it is deleted ("Directory not empty: 'Default'", seen in CI)
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=10)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self._group_alive():
                time.sleep(0.05)

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.process.pid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


def render(page: Path, shots: Path, *, binary: str | None = None, width: int = 1200) -> Rendered:
    """Load `page` and report what happened; screenshots (desk, dark, phone) go to `shots`."""
    binary = binary or chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed")
    shots.mkdir(parents=True, exist_ok=True)
    result = Rendered()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        tools = DevTools(binary, Path(profile))
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.send(f"{domain}.enable")
            tools.send("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False)
            tools.send("Page.navigate", url=page.resolve().as_uri())
            tools.wait_for("Page.loadEventFired")
            result.dom = json.loads(
                tools.send("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"]["value"]
            )
            result.screenshots.append(_shot(tools, shots / "report.png"))
            tools.send("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
            result.screenshots.append(_shot(tools, shots / "report-dark.png"))
            tools.send("Emulation.setEmulatedMedia", features=[])
            tools.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
            phone = json.loads(tools.send("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"]["value"])
            result.dom["phone_widest"] = phone["widest"]
            result.screenshots.append(_shot(tools, shots / "report-phone.png", full=False))
            tools.send("Runtime.evaluate", expression="1")  # collect events still in flight
        finally:
            tools.close()
    for event in tools.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            result.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            result.console.append(params["entry"]["text"])
        elif method == "Runtime.exceptionThrown":
            result.exceptions.append(params["exceptionDetails"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            result.requests.append(params["request"]["url"])
    return result


def _shot(tools: DevTools, path: Path, *, full: bool = True) -> Path:
    params: dict[str, object] = {"format": "png"}
    if full:
        metrics = tools.send("Page.getLayoutMetrics")["cssContentSize"]
        params["clip"] = {"x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"], "scale": 1}
        params["captureBeyondViewport"] = True
    path.write_bytes(base64.b64decode(tools.send("Page.captureScreenshot", **params)["data"]))
    return path


def sample_report(html: Path, now: datetime) -> None:
    """The report of the bundled sample log (with generated reviews and example scores)."""
    from srs import settings as settings_mod
    from srs.report.data import gather
    from srs.report.html import page
    from srs.store import open_store

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sample.db"
        generated_student(db, now, log=SAMPLE.read_text(encoding="utf-8"))
        with open_store(db) as store:
            settings = settings_mod.load(store)
            scores, bands = assessments(settings.day_rule().day_of(now))
            report = gather(store, settings, now, scores=scores, bands=[b for b in bands if b.area != HOSTILE])
    html.write_text(page(report), encoding="utf-8")


if __name__ == "__main__":
    from srs.timing import UTC

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        sample_report(out, datetime(2026, 11, 24, 18, tzinfo=UTC))  # the sample log ends on 22 Nov 2026
        done = render(out, Path(folder) / "shots", width=1100)
        shutil.copy(done.screenshots[0], target)
    print(f"wrote {target}")
