"""The Chinese edition (notebooks/zh/) kept in step with the English one.

Every cell of a zh notebook has the id of the English cell it stands for, in the same order.
Code cells are the English code (comments may be translated): `sync` copies the code over when it
differs. Each translated cell (markdown, or code with translated comments) records, in its
metadata, the English cell it translates and a hash of that cell's source at translation time:

    "metadata": {"translation": {"source": "<English cell id>", "sha": "<hash>"}}

`drift()` names every cell where the editions disagree: an English cell changed after its
translation, a cell added or removed in one edition only, code that differs. The glossary
(GLOSSARY.md) is checked by `glossary_problems()`: at a term's first use in an edition, its
counterpart stands beside it.

    python -m course_utils.editions sync     # copy code and figures, list stale translations
    python -m course_utils.editions check [NN]  # drift and glossary problems; exit 1 if any
    python -m course_utils.editions draft NN FILE.json  # lesson NN's cells, to translate
    python -m course_utils.editions apply FILE.json     # the translated cells into notebooks/zh/
    python -m course_utils.editions stamp NN [ID ...]   # mark translated cells as up to date
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

from course_utils.notebooks import NOTEBOOKS_DIR, REPO_ROOT, notebook_paths

EDITION = "zh"
ZH_DIR = NOTEBOOKS_DIR / EDITION
GLOSSARY = REPO_ROOT / "GLOSSARY.md"
BESIDE = 40  # characters: how close a term's counterpart must stand to count as "beside" it


def source_hash(text: str) -> str:
    """A short, stable hash of a cell's source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def code_without_comments(source: str) -> str:
    """Python code with its comments and blank lines removed, for comparing two editions' code.

    IPython lines (`%magic`, `!shell`) are kept as they are.
    """
    lines = [("#" + line if line.lstrip().startswith(("%", "!")) else line)
             for line in source.splitlines()]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line.split("#", 1)[0].rstrip() for line in lines if line.strip())
    kept = [(tok.type, tok.string) for tok in tokens
            if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.ENDMARKER)]
    return json.dumps(kept)


def zh_path(en_path: Path) -> Path:
    """The zh notebook that translates an English one."""
    return ZH_DIR / en_path.name


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, nb: dict) -> None:
    import nbformat

    path.write_text(nbformat.writes(nbformat.from_dict(nb)) + "\n", encoding="utf-8")


def _text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _first_words(text: str, n: int = 8) -> str:
    words = " ".join(text.split()[:n])
    return words if len(words) < 70 else words[:67] + "..."


def translation_of(cell: dict) -> dict:
    """The translation record of a zh markdown cell ({} when it has none)."""
    return cell.get("metadata", {}).get("translation", {})


def drift(en_path: Path, zh: Path | None = None) -> list[str]:
    """Where the zh edition of one lesson disagrees with the English, in plain words."""
    zh = zh or zh_path(en_path)
    if not zh.exists():
        return [f"{en_path.name}: no Chinese edition ({zh.relative_to(REPO_ROOT)} is missing)"]
    en_cells, zh_cells = _read(en_path)["cells"], _read(zh)["cells"]
    name = f"zh/{zh.name}"
    found = []
    en_ids = [c.get("id") for c in en_cells]
    zh_ids = [c.get("id") for c in zh_cells]
    by_id = {c.get("id"): c for c in en_cells}
    for i, cell in enumerate(en_cells):
        if cell.get("id") not in zh_ids:
            found.append(f"{name}: English cell {i} ({cell.get('id')}, {cell['cell_type']}: "
                         f"\"{_first_words(_text(cell))}\") is missing from the Chinese edition")
    for j, cell in enumerate(zh_cells):
        cid = cell.get("id")
        if cid not in by_id:
            found.append(f"{name}: cell {j} ({cid}) has no English counterpart (removed or "
                         "added in one edition only)")
            continue
        en = by_id[cid]
        if en["cell_type"] != cell["cell_type"]:
            found.append(f"{name}: cell {j} ({cid}) is {cell['cell_type']}, the English one "
                         f"is {en['cell_type']}")
        elif cell["cell_type"] == "code":
            if code_without_comments(_text(cell)) != code_without_comments(_text(en)):
                found.append(f"{name}: code cell {j} ({cid}) differs from the English code "
                             "(run `make notebooks` to copy it)")
            elif (_text(cell) != _text(en)
                  and translation_of(cell).get("sha") != source_hash(_text(en))):
                found.append(f"{name}: stale translation, code cell {j} ({cid}): the English "
                             "comments changed after theirs were translated")
            if _display_metadata(cell) != _display_metadata(en):
                found.append(f"{name}: code cell {j} ({cid}) is shown differently from the "
                             "English one (its self-check tag or collapsed state; run "
                             "`make notebooks`)")
        else:
            record = translation_of(cell)
            if record.get("source") != cid:
                found.append(f"{name}: markdown cell {j} ({cid}) does not record the English "
                             "cell it translates")
            elif record.get("sha") != source_hash(_text(en)):
                state = "is not translated yet" if not record.get("sha") else (
                    "changed after its translation")
                found.append(f"{name}: stale translation, cell {j} ({cid}): English cell "
                             f"\"{_first_words(_text(en))}\" {state}")
            if cell.get("attachments", {}) != en.get("attachments", {}):
                found.append(f"{name}: cell {j} ({cid}) does not carry the English cell's "
                             "figures (run `make notebooks`)")
    common = [c for c in zh_ids if c in by_id]
    if common != [c for c in en_ids if c in zh_ids]:
        found.append(f"{name}: cells are not in the English order")
    return found


DISPLAY_KEYS = ("tags", "jupyter", "cellView")  # how a code cell is shown: same in both editions


def _display_metadata(cell: dict) -> dict:
    metadata = cell.get("metadata", {})
    return {key: metadata[key] for key in DISPLAY_KEYS if key in metadata}


def _copy_display_metadata(en: dict, cell: dict) -> None:
    metadata = cell.setdefault("metadata", {})
    for key in DISPLAY_KEYS:
        metadata.pop(key, None)
    metadata.update(copy.deepcopy(_display_metadata(en)))


@dataclass
class SyncReport:
    """What `sync_lesson` did to one zh notebook."""

    code_copied: list[str]
    cells_added: list[str]
    cells_removed: list[str]
    stale: list[str]


def sync_lesson(en_path: Path, zh: Path | None = None) -> SyncReport:
    """Bring one zh notebook in step: English code and figures, English cell order.

    Code cells take the English code whenever it differs (translated comments are kept while the
    code is unchanged). A cell added in English is added here too, markdown in English and marked
    untranslated; a cell removed in English is removed here. Translations are never stamped as
    up to date: stale ones are listed.
    """
    zh = zh or zh_path(en_path)
    en_nb = _read(en_path)
    zh_nb = _read(zh)
    old = {c.get("id"): c for c in zh_nb["cells"]}
    report = SyncReport([], [], [], [])
    cells = []
    for en in en_nb["cells"]:
        cid = en.get("id")
        cell = old.pop(cid, None)
        if cell is None or cell["cell_type"] != en["cell_type"]:
            cell = copy.deepcopy(en)
            if cell["cell_type"] == "markdown":
                cell.setdefault("metadata", {})["translation"] = {"source": cid, "sha": ""}
            report.cells_added.append(cid)
        elif cell["cell_type"] == "code":
            untranslated = _text(cell) == _text(en) or not translation_of(cell)
            if (code_without_comments(_text(cell)) != code_without_comments(_text(en))
                    or (untranslated and _text(cell) != _text(en))):
                cell["source"] = copy.deepcopy(en["source"])  # new code: English comments
                cell.get("metadata", {}).pop("translation", None)
                report.code_copied.append(cid)
        else:
            if "attachments" in en:
                cell["attachments"] = copy.deepcopy(en["attachments"])
            else:
                cell.pop("attachments", None)
            record = cell.setdefault("metadata", {}).setdefault("translation", {})
            record.setdefault("source", cid)
            record.setdefault("sha", "")
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            _copy_display_metadata(en, cell)
        translated = cell["cell_type"] == "markdown" or _text(cell) != _text(en)
        if translated and translation_of(cell).get("sha") != source_hash(_text(en)):
            report.stale.append(cid)
        cells.append(cell)
    report.cells_removed = list(old)
    zh_nb["cells"] = cells
    zh_nb["metadata"] = copy.deepcopy(en_nb["metadata"])
    zh_nb["metadata"].pop("widgets", None)
    _write(zh, zh_nb)
    return report


def stamp(en_path: Path, zh: Path | None = None, cell_ids: list[str] | None = None) -> list[str]:
    """Record that the named (default: all translated) zh cells match today's English.

    A cell counts as translated when its text differs from the English text (for code: its
    comments); a markdown cell that is the same in both languages (a formula, a table of
    numbers) is stamped only when named.
    """
    zh = zh or zh_path(en_path)
    by_id = {c.get("id"): c for c in _read(en_path)["cells"]}
    zh_nb = _read(zh)
    stamped = []
    for cell in zh_nb["cells"]:
        cid = cell.get("id")
        if cid not in by_id or (cell["cell_type"] == "code"
                                and _text(cell) == _text(by_id[cid])):
            continue
        named = cell_ids is not None and cid in cell_ids
        translated = cell_ids is None and _text(cell) != _text(by_id[cid])
        if named or translated:
            cell.setdefault("metadata", {})["translation"] = {
                "source": cid, "sha": source_hash(_text(by_id[cid]))}
            stamped.append(cid)
    _write(zh, zh_nb)
    return stamped


def new_translation(en_path: Path) -> Path:
    """Start a zh notebook: the English cells, markdown marked untranslated."""
    zh = zh_path(en_path)
    if zh.exists():
        raise FileExistsError(f"{zh} exists; `sync` keeps it in step")
    ZH_DIR.mkdir(parents=True, exist_ok=True)
    nb = _read(en_path)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell.setdefault("metadata", {})["translation"] = {"source": cell["id"], "sha": ""}
    _write(zh, nb)
    return zh


def write_draft(en_path: Path, draft: Path) -> Path:
    """A JSON file to translate: per cell, the English text, its hash, and "zh" to fill in.

    Markdown cells take a translation; code cells may take one with translated comments (the
    code itself must stay the English code). Cells left with an empty "zh" are not changed.
    """
    cells = [{"id": c["id"], "type": c["cell_type"], "sha": source_hash(_text(c)),
              "en": _text(c), "zh": ""} for c in _read(en_path)["cells"]]
    draft.write_text(json.dumps({"lesson": en_path.name, "cells": cells}, indent=1,
                                ensure_ascii=False) + "\n", encoding="utf-8")
    return draft


def apply_draft(draft: Path) -> list[str]:
    """Put a filled-in draft into the zh notebook; each markdown cell is stamped with the hash of
    the English text it was translated from. Returns the ids of the cells written."""
    data = json.loads(draft.read_text(encoding="utf-8"))
    en_path = NOTEBOOKS_DIR / data["lesson"]
    zh = zh_path(en_path)
    if not zh.exists():
        new_translation(en_path)
    zh_nb = _read(zh)
    by_id = {c["id"]: c for c in zh_nb["cells"]}
    written, errors = [], []
    for entry in data["cells"]:
        text = entry.get("zh", "")
        cell = by_id.get(entry["id"])
        if not text.strip() or cell is None:
            continue
        if cell["cell_type"] == "code" and (
                code_without_comments(text) != code_without_comments(entry["en"])):
            errors.append(f"code cell {entry['id']}: only comments may change")
            continue
        cell.setdefault("metadata", {})["translation"] = {"source": entry["id"],
                                                          "sha": entry["sha"]}
        cell["source"] = _lines(text)
        written.append(entry["id"])
    if errors:
        raise ValueError("; ".join(errors))
    _write(zh, zh_nb)
    return written


# ---------------------------------------------------------------------------------------------
# The glossary


@dataclass(frozen=True)
class Term:
    """One glossary row: the English term, the Chinese term, the lesson that introduces it."""

    en: str
    zh: str
    lesson: str


def glossary(path: Path = GLOSSARY) -> list[Term]:
    """The rows of GLOSSARY.md's table."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d\d", cells[2]):
            terms.append(Term(*cells))
    if not terms:
        raise ValueError(f"{path} has no rows of the form | English | 中文 | NN |")
    return terms


_HIDDEN = [
    r"```.*?```",  # code blocks
    r"`[^`\n]*`",  # inline code
    r"\$\$.*?\$\$",  # display maths
    r"\$[^$\n]*\$",  # inline maths
    r"!\[[^\]]*\]\([^)]*\)",  # images
    r"\[[^\]]*\]\((?:\.\./)?(?:zh/)?\d\d_[^)]*\)",  # links to lessons: their titles
    r"\]\([^)]*\)",  # link targets
    r"<[^>\n]*>",  # html tags
]


def prose(cell_source: str, title_cell: bool = False) -> str:
    """A markdown cell's running text: code, maths, link targets and lesson titles blanked."""
    text = cell_source
    if title_cell:  # the notebook's own title line carries no glossary notes
        text = " " * len(text.split("\n", 1)[0]) + text[len(text.split("\n", 1)[0]):]
    for pattern in _HIDDEN:
        text = re.sub(pattern, lambda m: re.sub(r"\S", " ", m.group(0)), text, flags=re.S)
    return text


def _english_pattern(term: str) -> re.Pattern:
    words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", term))
    return re.compile(rf"(?<![\w-]){words}(?:s|es|d|ed|ing)?(?![\w-])", re.IGNORECASE)


def _chinese_pattern(term: str) -> re.Pattern:
    return re.compile(r"\s*".join(re.escape(ch) for ch in term.replace(" ", "")))


def _first_use(paths: list[Path], pattern: re.Pattern, longer: list[re.Pattern] = ()):
    """The first markdown cell that uses a term: (path, cell index, prose, matches), or None.

    A match inside a longer glossary term does not count (熵 inside 交叉熵), as in English
    "entropy" inside "cross-entropy" does not.
    """
    for path in paths:
        for i, cell in enumerate(_read(path)["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            text = prose(_text(cell), title_cell=i == 0)
            shadow = [m.span() for other in longer for m in other.finditer(text)]
            hits = [h for h in pattern.finditer(text)
                    if not any(a <= h.start() and h.end() <= b for a, b in shadow)]
            if hits:
                return path, i, text, hits
    return None


def glossary_problems(edition: str = "en", terms: list[Term] | None = None,
                      folder: Path | None = None, lesson: str | None = None) -> list[str]:
    """Terms whose first use in an edition lacks their counterpart, or comes in another lesson.

    The first markdown cell (in lesson order) that uses a term must be in the term's lesson, and
    must have the counterpart beside one of its uses (within a few words). With `lesson`, only
    that lesson is read: its own terms are checked, and later lessons' terms must not appear.
    """
    terms = terms if terms is not None else glossary()
    all_terms = list(terms)
    folder = folder or (ZH_DIR if edition == EDITION else NOTEBOOKS_DIR)
    paths = notebook_paths(folder)
    if lesson is not None:
        paths = [p for p in paths if p.name[:2] == lesson]
        terms = [t for t in terms if t.lesson >= lesson]
    found = []
    for term in terms:
        own, other = (term.en, term.zh) if edition == "en" else (term.zh, term.en)
        pattern = _english_pattern(own) if edition == "en" else _chinese_pattern(own)
        counterpart = (_chinese_pattern(other) if edition == "en"
                       else _english_pattern(other))
        longer = [] if edition == "en" else [
            _chinese_pattern(t.zh) for t in all_terms if own in t.zh and own != t.zh]
        first = _first_use(paths, pattern, longer)
        if first is None:
            if lesson is None or term.lesson == lesson:
                found.append(f"{edition}: '{own}' is never used (glossary: lesson {term.lesson})")
            continue
        path, i, text, hits = first
        where = path.name[:2]
        if where != term.lesson:
            found.append(f"{edition}: '{own}' is first used in lesson {where} (cell {i}), "
                         f"the glossary says lesson {term.lesson}")
            continue
        near = any(counterpart.search(text[max(0, h.start() - BESIDE):h.end() + BESIDE])
                   for h in hits)
        if not near:
            found.append(f"{edition}: first use of '{own}' in lesson {where} (cell {i}) has "
                         f"no '{other}' beside it")
    return found


# ---------------------------------------------------------------------------------------------


def lessons_with_translation() -> list[Path]:
    """The English lessons that have a zh notebook."""
    return [p for p in notebook_paths() if zh_path(p).exists()]


def _lesson(number: str) -> Path:
    matches = [p for p in notebook_paths() if p.name.startswith(f"{int(number):02d}_")]
    if not matches:
        raise SystemExit(f"no English lesson numbered {number}")
    return matches[0]


def main(argv: list[str]) -> int:
    usage = ("usage: python -m course_utils.editions sync | check [NN] | new NN | "
             "draft NN FILE.json | apply FILE.json | stamp NN [CELL_ID ...]")
    if argv == ["sync"]:
        from course_utils.notebooks import sync as sync_notebook

        stale_total = 0
        for en in lessons_with_translation():
            report = sync_lesson(en)
            sync_notebook(zh_path(en))
            for what, ids in (("code copied from English", report.code_copied),
                              ("cells added (markdown untranslated)", report.cells_added),
                              ("cells removed", report.cells_removed)):
                if ids:
                    print(f"zh/{en.name}: {what}: {', '.join(ids)}")
            for cid in report.stale:
                print(f"zh/{en.name}: stale translation of cell {cid}")
            stale_total += len(report.stale)
        missing = [p.name for p in notebook_paths() if not zh_path(p).exists()]
        if missing:
            print("no Chinese edition yet:", ", ".join(missing))
        print(f"{stale_total} stale translation(s)" if stale_total else "translations up to date")
        return 0
    if argv == ["check"]:
        found = [p for en in notebook_paths() for p in drift(en)]
        found += glossary_problems("en") + glossary_problems(EDITION)
        print("\n".join(found) or "editions in step; glossary followed")
        return 1 if found else 0
    if len(argv) == 2 and argv[0] == "check":
        en = _lesson(argv[1])
        number = en.name[:2]
        found = drift(en) + glossary_problems(EDITION, lesson=number)
        print("\n".join(found) or f"lesson {number}: in step with English; glossary followed")
        return 1 if found else 0
    if len(argv) == 2 and argv[0] == "new":
        print(new_translation(_lesson(argv[1])))
        return 0
    if len(argv) == 3 and argv[0] == "draft":
        print(write_draft(_lesson(argv[1]), Path(argv[2])))
        return 0
    if len(argv) == 2 and argv[0] == "apply":
        written = apply_draft(Path(argv[1]))
        print(f"wrote {len(written)} cell(s)")
        return 0
    if len(argv) >= 2 and argv[0] == "stamp":
        ids = argv[2:] or None
        stamped = stamp(_lesson(argv[1]), cell_ids=ids)
        print(f"stamped {len(stamped)} cell(s)")
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
