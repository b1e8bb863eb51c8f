"""The Chinese edition stays in step with the English one: code shared, translations not stale,
cells neither added nor removed in one edition only, the glossary followed in both."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from course_utils import editions
from course_utils import notebooks as nbtools

ENGLISH = nbtools.notebook_paths()
CHINESE = nbtools.notebook_paths(editions.ZH_DIR)
REPO_ROOT = Path(__file__).resolve().parents[1]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _save_cells(path: Path, cells: list[dict]) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"] = cells
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.fixture
def pair(tmp_path):
    """A lesson and a complete, up-to-date translation of it (every markdown cell 'translated')."""
    en = tmp_path / ENGLISH[-1].name
    shutil.copy(ENGLISH[-1], en)
    zh = tmp_path / "zh" / en.name
    zh.parent.mkdir()
    shutil.copy(en, zh)
    cells = _cells(zh)
    for cell in cells:
        if cell["cell_type"] == "markdown":
            english = _source(cell)
            cell["source"] = "译文 " + english
            cell["metadata"]["translation"] = {"source": cell["id"],
                                               "sha": editions.source_hash(english)}
    _save_cells(zh, cells)
    return en, zh


def test_an_up_to_date_translation_has_no_drift(pair):
    assert editions.drift(*pair) == []


def test_an_english_change_makes_its_translation_stale_and_is_named(pair):
    en, zh = pair
    cells = _cells(en)
    target = next(c for c in cells[2:] if c["cell_type"] == "markdown")
    target["source"] = _source(target) + "\nOne more sentence."
    _save_cells(en, cells)
    found = editions.drift(en, zh)
    assert len(found) == 1 and "stale translation" in found[0] and target["id"] in found[0]


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_a_cell_added_or_removed_in_one_edition_only_is_named(pair, edition):
    en, zh = pair
    path = en if edition == "en" else zh
    cells = _cells(path)
    added = nbformat.v4.new_markdown_cell("A new paragraph.", id="added01")
    removed = cells.pop(3)
    _save_cells(path, cells[:5] + [dict(added)] + cells[5:])
    found = " | ".join(editions.drift(en, zh))
    assert "added01" in found and removed["id"] in found


def test_code_must_equal_the_english_code_but_comments_may_be_translated(pair):
    en, zh = pair
    cells = _cells(zh)
    code = next(c for c in cells[2:] if c["cell_type"] == "code" and "#" in _source(c))
    english = _source(code)
    code["source"] = "# 这是一条注释\n" + english.replace("# ", "# 中文注释 ")
    _save_cells(zh, cells)
    assert editions.stamp(en, zh, [code["id"]]) == [code["id"]]
    assert editions.drift(en, zh) == []  # comments only, translated from today's English
    # The English comments change: the translated ones are stale, and named.
    english_cells = _cells(en)
    for cell in english_cells:
        if cell["id"] == code["id"]:
            cell["source"] = english.replace("# ", "# Reworded: ", 1)
    _save_cells(en, english_cells)
    found = editions.drift(en, zh)
    assert len(found) == 1 and "English comments changed" in found[0] and code["id"] in found[0]
    # The code itself differs: named as such.
    cells = _cells(zh)
    for cell in cells:
        if cell["id"] == code["id"]:
            cell["source"] = english.replace("=", "= 1 +", 1)
    _save_cells(zh, cells)
    found = editions.drift(en, zh)
    assert len(found) == 1 and "differs from the English code" in found[0]
    assert code["id"] in found[0]


def test_sync_copies_code_adds_cells_and_lists_what_is_stale(pair):
    en, zh = pair
    cells = _cells(en)
    code = next(c for c in cells[2:] if c["cell_type"] == "code")
    code["source"] = _source(code) + "\nprint('changed in English')"
    cells.insert(4, dict(nbformat.v4.new_markdown_cell("New English text.", id="newtext1")))
    _save_cells(en, cells)
    report = editions.sync_lesson(en, zh)
    assert report.code_copied == [code["id"]]
    assert report.cells_added == ["newtext1"] and report.stale == ["newtext1"]
    synced = {c["id"]: c for c in _cells(zh)}
    assert "changed in English" in _source(synced[code["id"]])
    found = editions.drift(en, zh)
    assert len(found) == 1 and "not translated yet" in found[0]  # sync never stamps


def test_stamp_marks_translated_cells_and_draft_round_trips(pair, tmp_path, monkeypatch):
    en, zh = pair
    cells = _cells(zh)
    for cell in cells:
        cell.get("metadata", {}).pop("translation", None)
    _save_cells(zh, cells)
    assert editions.drift(en, zh)
    stamped = editions.stamp(en, zh)
    assert len(stamped) == sum(c["cell_type"] == "markdown" for c in cells)
    assert editions.drift(en, zh) == []


def test_apply_draft_writes_translations_with_the_hash_they_were_made_from(tmp_path,
                                                                           monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    en = notebooks / ENGLISH[-1].name
    shutil.copy(ENGLISH[-1], en)
    monkeypatch.setattr(editions, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(editions, "ZH_DIR", notebooks / "zh")
    draft = editions.write_draft(en, tmp_path / "draft.json")
    data = json.loads(draft.read_text(encoding="utf-8"))
    for entry in data["cells"]:
        if entry["type"] == "markdown":
            entry["zh"] = "译文 " + entry["en"]
    draft.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    editions.apply_draft(draft)
    zh = notebooks / "zh" / en.name
    assert editions.drift(en, zh) == []
    # Code in a draft may change its comments only.
    code = next(e for e in data["cells"] if e["type"] == "code")
    code["zh"] = code["en"] + "\nx = 1"
    draft.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="only comments may change"):
        editions.apply_draft(draft)


def _lesson_folder(tmp_path, texts: dict[str, str]) -> Path:
    """Notebooks NN_x.ipynb holding one markdown cell each, after a title cell."""
    for number, text in texts.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {number} · title with learning rate"),
                    nbformat.v4.new_markdown_cell(text)]
        nbformat.write(nb, tmp_path / f"{number}_lesson.ipynb")
    return tmp_path


TERMS = [editions.Term("learning rate", "学习率", "01"), editions.Term("momentum", "动量", "02")]


def test_glossary_accepts_counterparts_beside_the_first_use(tmp_path):
    folder = _lesson_folder(tmp_path, {
        "01": "The learning rate (学习率) sets the step; `momentum` in code does not count.",
        "02": "Momentum (动量) keeps a running direction. The learning rate again.",
    })
    assert editions.glossary_problems("en", TERMS, folder) == []


def test_glossary_names_a_missing_counterpart_and_an_early_use(tmp_path):
    folder = _lesson_folder(tmp_path, {
        "01": "The learning rate sets the step, and momentum helps.",
        "02": "Momentum (动量) keeps a running direction.",
    })
    found = " | ".join(editions.glossary_problems("en", TERMS, folder))
    assert "first use of 'learning rate' in lesson 01 (cell 1) has no '学习率'" in found
    assert "'momentum' is first used in lesson 01" in found


def test_glossary_in_chinese(tmp_path):
    folder = _lesson_folder(tmp_path, {"01": "学习率（learning rate）决定步长。",
                                       "02": "动量（momentum）。"})
    assert editions.glossary_problems("zh", TERMS, folder) == []
    folder = _lesson_folder(tmp_path, {"01": "学习率决定步长。", "02": "动量（momentum）。"})
    assert editions.glossary_problems("zh", TERMS, folder) == [
        "zh: first use of '学习率' in lesson 01 (cell 1) has no 'learning rate' beside it"]


def test_the_glossary_parses_and_the_english_edition_follows_it():
    terms = editions.glossary()
    assert len(terms) >= 50
    assert len({t.en.lower() for t in terms}) == len(terms)
    assert editions.glossary_problems("en") == []


def test_code_without_comments_ignores_comments_only():
    a = "x = 1  # one\n# a note\ny = '# not a comment'\n"
    b = "x = 1  # 一\n# 注释\n\ny = '# not a comment'\n"
    assert editions.code_without_comments(a) == editions.code_without_comments(b)
    assert editions.code_without_comments(a) != editions.code_without_comments(
        a.replace("'# not", "'#not"))


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.name)
def test_the_chinese_edition_is_in_step(path):
    """Every lesson has a zh notebook; no translation is stale, no cell added or removed in one
    edition only, and the code is the English code."""
    assert editions.drift(path) == []


def test_the_chinese_edition_follows_the_glossary():
    assert editions.glossary_problems(editions.EDITION) == []


def test_zh_badges_open_the_zh_notebooks():
    for path in CHINESE:
        title = _source(_cells(path)[0])
        assert f"/notebooks/zh/{path.name})" in title, path.name


def test_a_self_check_cell_is_collapsed_in_both_editions(pair):
    en, zh = pair
    cells = _cells(en)
    code = next(c for c in cells[2:] if c["cell_type"] == "code")
    code["metadata"].update(tags=["self-check"], jupyter={"source_hidden": True},
                            cellView="form")
    _save_cells(en, cells)
    found = editions.drift(en, zh)
    assert len(found) == 1 and "shown differently" in found[0] and code["id"] in found[0]
    editions.sync_lesson(en, zh)
    synced = {c["id"]: c for c in _cells(zh)}
    assert synced[code["id"]]["metadata"]["tags"] == ["self-check"]
    assert editions.drift(en, zh) == []
