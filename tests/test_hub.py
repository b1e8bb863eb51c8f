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


def _fake_hub_cache(root: Path, repo_type: str, name: str, files: dict[str, Path | bytes]):
    """Lay files out as huggingface_hub caches a download: refs/main -> snapshots/<rev>/."""
    repo = root / f"{repo_type}s--{name.replace('/', '--')}"
    revision = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    for relative, content in files.items():
        target = repo / "snapshots" / revision / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return repo


def _prepared_dataset_cache(cache: Path, parquet_dir: Path) -> None:
    """What load_dataset leaves in datasets' cache after loading rotten_tomatoes online:
    cornell-movie-review-data___rotten_tomatoes/default/0.0.0/<hash>/ with arrow files."""
    from datasets.packaged_modules.parquet.parquet import Parquet

    files = {s: str(parquet_dir / f"{s}.parquet") for s in ("train", "validation", "test")}
    builder = Parquet(cache_dir=str(cache), dataset_name="rotten_tomatoes", data_files=files,
                      hash="0123456789abcdef")
    builder.download_and_prepare()
    root = cache / "rotten_tomatoes"
    (config,) = [p for p in root.iterdir() if p.is_dir()]
    config.rename(root / "default")  # the Hub data set's config name
    root.rename(cache / "cornell-movie-review-data___rotten_tomatoes")


def test_offline_uses_the_real_model_and_data_when_cached(tmp_path):
    # A learner who once ran the course online has GPT-2 and rotten_tomatoes in the cache; we
    # stand in for them with the stand-ins' files, laid out as huggingface_hub lays them out.
    from course_utils import standins

    cache = tmp_path / "hub"
    model_dir = standins.tiny_gpt2_dir()
    _fake_hub_cache(cache, "model", "openai-community/gpt2",
                    {p.name: p for p in model_dir.iterdir() if p.is_file()})
    _prepared_dataset_cache(tmp_path / "datasets", standins.sentiment_dataset_dir())
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache),
           "HF_DATASETS_CACHE": str(tmp_path / "datasets"), "COURSE_CACHE": str(tmp_path / "c")}
    code = (
        "from course_utils import hub\n"
        "m = hub.resolve_model('openai-community/gpt2')\n"
        "d = hub.resolve_dataset('cornell-movie-review-data/rotten_tomatoes')\n"
        "print('RESOLVED', m, d, hub.is_standin(m), hub.is_standin(d))\n"
        "print('SOURCES', hub.offline_sources())\n"
        "from datasets import load_dataset\n"
        "from transformers import AutoModelForCausalLM\n"
        "print('ROWS', len(load_dataset(d)['train']))\n"
        "print('LAYERS', AutoModelForCausalLM.from_pretrained(m).config.n_layer)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert ("RESOLVED openai-community/gpt2 cornell-movie-review-data/rotten_tomatoes "
            "False False") in out
    assert "GPT-2 from your local cache" in out and "rotten_tomatoes from your local cache" in out
    assert f"ROWS {standins.SPLIT_SIZES['train']}" in out
    assert not (tmp_path / "c").exists()  # no stand-in was built


def test_offline_without_a_cache_says_it_uses_the_standins(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "empty"))
    assert not hub.in_local_cache("openai-community/gpt2", "model")
    assert "stand-in model" in hub.offline_sources() and "stand-in reviews" in hub.offline_sources()
    with pytest.raises(ValueError, match="repo_type"):
        hub.in_local_cache("openai-community/gpt2", "space")


def test_notice_names_the_endpoint_it_tried_and_how_to_use_a_mirror(tmp_path):
    listener, endpoint = _silent_endpoint()
    listener.close()
    out = _run_setup(endpoint, tmp_path)
    notice = next(line for line in out.splitlines() if line.startswith("Notice:"))
    assert f"({endpoint})" in notice
    assert "HF_ENDPOINT" in notice and "mirror" in notice
