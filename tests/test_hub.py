"""Hub access: stand-ins offline, Hub names online, and a quick fallback when the Hub is silent."""

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course_utils import hub

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    monkeypatch.setattr(hub, "_offline", True)


def test_offline_names_resolve_to_standins(offline, tmp_path):
    path = hub.resolve_dataset("cornell-movie-review-data/rotten_tomatoes")
    assert Path(path).is_relative_to(tmp_path)
    assert hub.is_standin(path)
    assert sorted(p.name for p in Path(path).glob("*.parquet")) == [
        "test.parquet",
        "train.parquet",
        "validation.parquet",
    ]


def test_offline_unknown_name_says_what_exists(offline):
    with pytest.raises(ValueError, match="no stand-in model for 'meta-llama/Llama-3.2-1B'"):
        hub.resolve_model("meta-llama/Llama-3.2-1B")


def test_local_folders_pass_through(offline, tmp_path):
    assert hub.resolve_model(str(tmp_path)) == str(tmp_path)


def test_online_names_pass_through(monkeypatch):
    monkeypatch.setattr(hub, "_offline", False)
    assert hub.resolve_model("openai-community/gpt2") == "openai-community/gpt2"
    assert not hub.is_standin("openai-community/gpt2")


@pytest.mark.parametrize("bad", ["", None, 3])
def test_bad_names_give_clear_errors(bad):
    with pytest.raises(ValueError, match="non-empty string"):
        hub.resolve_dataset(bad)


def _serve(handler_cls):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_probe_sees_an_answering_hub(monkeypatch):
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = _serve(NotFound)
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        assert hub.hub_answers(timeout_s=2.0)  # an error status is still an answer
    finally:
        server.shutdown()


def _silent_endpoint():
    """A port that accepts connections and never answers: a Hub that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def _run_setup(endpoint, cache):
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_ENDPOINT=endpoint, COURSE_CACHE=str(cache))
    code = (
        "import os, time; import course_utils; t = time.perf_counter(); "
        "env = course_utils.setup(); print('ELAPSED', time.perf_counter() - t); "
        "print('OFFLINE', env.offline, os.environ.get('HF_HUB_OFFLINE'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("kind", ["hangs", "refuses"])
def test_fallback_without_hub_is_quick_and_says_so_once(kind, tmp_path):
    listener, endpoint = _silent_endpoint()
    if kind == "refuses":
        listener.close()  # nothing listens on the port any more: connection refused
    try:
        out = _run_setup(endpoint, tmp_path)
    finally:
        listener.close()
    elapsed = float(out.split("ELAPSED")[1].split()[0])
    assert elapsed < 5.0, f"fallback took {elapsed:.1f} s"
    assert out.count("Notice: the Hugging Face Hub") == 1
    assert "OFFLINE True 1" in out  # later imports of datasets/transformers see offline mode
    assert "hub: offline (stand-ins)" in out


def test_offline_switch_skips_the_probe(monkeypatch):
    monkeypatch.setattr(hub, "_offline", None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "hub_answers", lambda *a, **k: pytest.fail("probed the Hub"))
    start = time.perf_counter()
    assert hub.is_offline()
    assert time.perf_counter() - start < 0.1
