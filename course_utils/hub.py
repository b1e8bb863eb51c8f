"""Hub access: real Hugging Face names online, local stand-ins offline.

Offline means HF_HUB_OFFLINE=1, or no answer from the Hub within a few seconds. The probe runs
once per process, before transformers or datasets are imported by a notebook, and when it fails
it sets HF_HUB_OFFLINE=1 so that those libraries do not retry for half a minute.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from course_utils import switches

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 2.5

# Hub names that have a stand-in, and which stand-in they map to.
STANDIN_DATASETS = {
    "cornell-movie-review-data/rotten_tomatoes": "sentiment",
    "rotten_tomatoes": "sentiment",
}
MODEL_NAME = "openai-community/gpt2"
DATASET_NAME = "cornell-movie-review-data/rotten_tomatoes"
STANDIN_MODELS = {
    "openai-community/gpt2": "tiny-gpt2",
    "gpt2": "tiny-gpt2",
}

_offline: bool | None = None


def hub_endpoint() -> str:
    """The Hub's address (HF_ENDPOINT, as huggingface_hub reads it)."""
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


def hub_answers(timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True if the Hub answers an HTTP request within timeout_s seconds (DNS included)."""
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, not {timeout_s!r}.")
    answered = threading.Event()

    def probe() -> None:
        url = f"{hub_endpoint()}/api/models/openai-community/gpt2"
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout_s)
            answered.set()
        except urllib.error.HTTPError:
            answered.set()  # an HTTP error status is still an answer
        except Exception:
            pass

    # A thread bounds the wait: urllib's timeout does not cover a slow DNS lookup.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return answered.is_set()


def is_offline() -> bool:
    """Whether this process uses stand-ins; decided once, with one printed notice."""
    global _offline
    if _offline is None:
        if switches.hub_offline_requested():
            _offline = True
        else:
            start = time.perf_counter()
            _offline = not hub_answers()
            if _offline:
                os.environ["HF_HUB_OFFLINE"] = "1"
                waited = time.perf_counter() - start
                print(
                    f"Notice: the Hugging Face Hub ({hub_endpoint()}) did not answer within "
                    f"{waited:.1f} s, so this session works offline: {offline_sources()}. "
                    "If huggingface.co is blocked where you are, set HF_ENDPOINT to a mirror "
                    "(e.g. HF_ENDPOINT=https://hf-mirror.com) before starting Jupyter. "
                    "Set HF_HUB_OFFLINE=1 to skip this check."
                )
    return _offline


def hub_cache_dir() -> Path:
    """huggingface_hub's cache folder (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/...)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface"
    return Path(home) / "hub"


def datasets_cache_dir() -> Path:
    """datasets' cache folder (HF_DATASETS_CACHE, else HF_HOME/datasets, else ~/.cache/...)."""
    if os.environ.get("HF_DATASETS_CACHE"):
        return Path(os.environ["HF_DATASETS_CACHE"])
    home = os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface"
    return Path(home) / "datasets"


def in_local_cache(name: str, repo_type: str) -> bool:
    """True if this machine's Hugging Face caches can serve a Hub repository offline.

    A model: huggingface_hub's layout, `models--owner--name/refs/main` naming a revision whose
    `snapshots/<revision>/config.json` exists. A data set: what `load_dataset` prepared when it
    last ran online, `owner___name/<config>/<version>/<hash>/dataset_info.json` in datasets'
    cache (offline, load_dataset reads that copy, not the raw downloads).
    """
    if repo_type not in ("model", "dataset"):
        raise ValueError(f"repo_type must be 'model' or 'dataset', not {repo_type!r}.")
    if "/" not in name:
        return False
    if repo_type == "dataset":
        root = datasets_cache_dir() / name.replace("/", "___")
        return any(root.glob("*/*/*/dataset_info.json"))
    repo = hub_cache_dir() / f"models--{name.replace('/', '--')}"
    try:
        revision = (repo / "refs" / "main").read_text().strip()
    except OSError:
        return False
    return (repo / "snapshots" / revision / "config.json").is_file()


def offline_sources() -> str:
    """Which model and data set an offline session uses: the cached real ones or stand-ins."""
    model = "GPT-2 from your local cache" if in_local_cache(MODEL_NAME, "model") else (
        "the course's small stand-in model")
    data = "rotten_tomatoes from your local cache" if in_local_cache(DATASET_NAME, "dataset") \
        else "the course's made-up stand-in reviews"
    return f"{model}, {data}"


def _standin_path(name: str, table: dict[str, str], kind: str) -> str:
    from course_utils import standins

    if name not in table:
        known = ", ".join(sorted(table))
        raise ValueError(
            f"Offline, and there is no stand-in {kind} for {name!r}. "
            f"Stand-ins exist for: {known}. Connect to the internet to use other names."
        )
    builder = {"sentiment": standins.sentiment_dataset_dir, "tiny-gpt2": standins.tiny_gpt2_dir}
    return str(builder[table[name]]())


def _resolve(name: str, table: dict[str, str], kind: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, not {name!r}.")
    if Path(name).is_dir():  # a local folder is used as it is, online or not
        return name
    if not is_offline():
        return name
    # Offline, the real thing is used when it is in the local Hugging Face cache: with
    # HF_HUB_OFFLINE=1, from_pretrained and load_dataset read it from there.
    if in_local_cache(name, "dataset" if kind == "data set" else "model"):
        return name
    return _standin_path(name, table, kind)


def resolve_dataset(name: str) -> str:
    """What to pass to datasets.load_dataset: the Hub name online, a local folder offline."""
    return _resolve(name, STANDIN_DATASETS, "data set")


def resolve_model(name: str) -> str:
    """What to pass to from_pretrained: the Hub name online, a local folder offline."""
    return _resolve(name, STANDIN_MODELS, "model")


def is_standin(name_or_path: str | os.PathLike) -> bool:
    """True if a resolved name points at one of the course's stand-ins."""
    from course_utils.standins import cache_root

    try:
        Path(name_or_path).resolve().relative_to(cache_root().resolve())
    except ValueError:
        return False
    return True
