"""Offline stand-ins: a made-up sentiment data set and a tiny GPT-2 pretrained on its text.

Both are built deterministically on first use into a cache folder and reused afterwards, so an
offline notebook still calls load_dataset(...) and from_pretrained(...) as it would online.

The data set is made to be about as hard as rotten_tomatoes, so that fine-tuning on it is not
perfect: reviews of 1 to 4 clauses and 0 to 3 neutral plot or cast sentences (with GPT-2-like
tokens a review, EOS and label average about 25 tokens and a third exceed 32, as in the real
data); negation ("not dull"), contrast where a later clause or an overall verdict decides
("the cast is warm , but the script is lazy"), irony ("what a masterpiece , if you enjoy
watching paint dry") and intensifiers; words that validation and test have and training does not
(HELD_OUT_WORDS); and NOISE_SHARE of labels flipped. Word order matters: a bag of words gets
only about three reviews in four right, while the rule that wrote the labels gets all of them
right but the flipped ones. Lesson 01's recipe fine-tunes the stand-in to about 85% on
validation (BERT-base gets 84-86% on the real data).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

STANDIN_VERSION = "v3"
SPLIT_SIZES = {"train": 4000, "validation": 500, "test": 500}
LABEL_NAMES = ["neg", "pos"]
SEED = 1234
NOISE_SHARE = 0.03  # share of each split whose label is flipped, as a careless annotator would
HELD_OUT_SHARE = 0.25  # of each open word list (adjectives, names, places): never in train
UNSEEN_SENTIMENT = 0.03  # in validation and test: chance that a drawn adjective is held out
UNSEEN_NEUTRAL = 0.2  # ... that a drawn name, place or character is held out
COMMON = 12  # negation meets the commonest adjectives only: "not funny", "never dull"
FILLERS_AFTER = 0.06  # share of neutral sentences put after the opinion rather than before

# Sentiment words, the most frequent first: a word is drawn with weight 1 / (rank + 3), so the
# tail is rare, as in real reviews. The last quarter of each list never appears in training.
POSITIVE = [
    "good", "great", "funny", "charming", "moving", "wonderful", "clever", "beautiful",
    "gripping", "touching", "smart", "delightful", "witty", "powerful", "engaging", "fresh",
    "brilliant", "warm", "thrilling", "heartfelt", "sharp", "stunning", "inventive", "riveting",
    "entertaining", "superb", "lovely", "enjoyable", "compelling", "excellent", "terrific",
    "tender", "lively", "affecting", "absorbing", "haunting", "playful", "poignant", "assured",
    "graceful", "dazzling", "memorable", "hilarious", "gorgeous", "thoughtful", "vivid",
    "satisfying", "original", "honest", "stirring", "elegant", "spirited", "uplifting",
    "resonant", "rousing", "nuanced", "captivating", "vibrant", "luminous", "sublime",
    "exquisite", "masterful", "exhilarating", "radiant", "joyous", "irresistible",
    "transcendent", "wistful", "sumptuous", "bracing", "trenchant", "buoyant",
]  # fmt: skip
NEGATIVE = [
    "bad", "dull", "boring", "terrible", "tedious", "predictable", "flat", "clumsy", "bland",
    "lifeless", "messy", "forgettable", "shallow", "silly", "weak", "awkward", "lazy",
    "painful", "tiresome", "stale", "hollow", "pointless", "confused", "overlong", "dreary",
    "sluggish", "tepid", "muddled", "plodding", "contrived", "incoherent", "listless",
    "mediocre", "sloppy", "clunky", "formulaic", "trite", "hackneyed", "insipid", "leaden",
    "witless", "joyless", "overwrought", "pretentious", "derivative", "limp", "inert", "vapid",
    "grating", "maudlin", "ponderous", "shrill", "banal", "aimless", "laughable", "tired",
    "drab", "flimsy", "monotonous", "cloying", "sappy", "turgid", "interminable", "lumbering",
    "mawkish", "stilted", "soporific", "vacuous", "torpid", "jejune", "enervating", "lugubrious",
]  # fmt: skip
INTENSIFIERS = [
    "very", "truly", "rather", "quite", "utterly", "remarkably", "genuinely", "thoroughly",
    "simply", "consistently", "surprisingly", "deeply", "wildly", "downright", "oddly",
    "frankly", "endlessly", "almost", "mostly", "often",
]  # fmt: skip
NEGATORS = ["not", "never", "hardly", "far from", "not at all", "anything but"]
SUBJECTS = [
    "the film", "this movie", "the script", "the acting", "the cast", "the plot", "the story",
    "the soundtrack", "the dialogue", "the ending", "the direction", "the lead performance",
    "the cinematography", "the pacing", "the humor", "the screenplay", "the lead actor",
    "the sequel", "the final act", "the premise", "the score", "the editing", "the first hour",
    "the romance", "the villain", "the supporting cast", "the action", "the twist",
    "the production design", "the second half", "the opening",
]  # fmt: skip
NOUNS = ["film", "movie", "comedy", "thriller", "drama", "debut", "ride", "story", "romance",
         "picture", "effort", "sequel", "adaptation", "mystery", "satire"]  # fmt: skip
PARTS = ["dialogue", "pacing", "ending", "script", "plot", "premise", "middle stretch",
         "score", "editing", "third act", "tone", "performance", "villain"]
PLURAL_PARTS = ["scenes", "moments", "jokes", "performances", "twists", "songs"]
POSITIVE_VERBS = ["shines", "soars", "sparkles", "works", "delivers", "succeeds", "clicks",
                  "grabs you", "holds you", "lands", "sings", "pays off", "hums along",
                  "builds beautifully", "keeps you guessing"]  # fmt: skip
NEGATIVE_VERBS = ["drags", "falls apart", "misfires", "fizzles", "stumbles", "goes nowhere",
                  "falls flat", "wears thin", "grinds on", "sags", "collapses", "plods along",
                  "overstays its welcome", "runs out of steam", "limps to the finish"]  # fmt: skip
POSITIVE_PHRASES = [
    "i loved every minute of it", "a joy from start to finish", "worth the price of admission",
    "you will leave the theater smiling", "one of the best films of the year",
    "it earns every one of its laughs", "i would happily watch it again",
    "a must for anyone who loves movies", "the time flies by", "it stays with you for days",
    "the audience cheered", "it deserves a big audience", "a small gem",
]  # fmt: skip
NEGATIVE_PHRASES = [
    "i wanted to walk out", "a waste of two hours", "not worth the price of admission",
    "you will be checking your watch", "one of the worst films of the year",
    "it never earns its laughs", "i would not watch it again", "a chore to sit through",
    "the time crawls by", "you will forget it by dinner", "the audience groaned",
    "it deserves to be forgotten", "a small disaster",
]  # fmt: skip
RECOMMEND = {1: ["see it", "do not miss it", "not to be missed", "highly recommended",
                 "worth seeing", "go see it"],
             0: ["skip it", "do not bother", "best avoided", "not recommended",
                 "not worth seeing", "wait for it on television"]}  # fmt: skip
SCORES = {1: ["seven", "eight", "nine", "ten"], 0: ["one", "two", "three", "four"]}
STARS = {1: ["four stars", "five stars", "four and a half stars"],
         0: ["one star", "two stars", "one and a half stars"]}  # fmt: skip
# Irony: praise that the rest of the sentence takes back (always negative).
PRAISE_NOUNS = ["masterpiece", "triumph", "treat", "thrill ride", "delight", "joy", "classic",
                "tour de force", "crowd pleaser", "revelation"]  # fmt: skip
DULL_PASTIMES = [
    "watching paint dry", "waiting for a bus", "reading the phone book", "filing your taxes",
    "sitting in traffic", "staring at a wall", "watching grass grow", "doing the dishes",
    "listening to a dial tone", "counting ceiling tiles", "sorting your socks",
    "waiting on hold",
]  # fmt: skip
# Neutral words, for filler sentences that add length and no sentiment.
FIRST_NAMES = [
    "tom", "anna", "jack", "maria", "sam", "julia", "ben", "nina", "paul", "emma", "leo",
    "clara", "max", "rosa", "hugh", "ellen", "oscar", "lena", "victor", "grace", "felix",
    "ruth", "ivan", "helen", "omar", "alice", "dev", "iris", "carl", "mae", "abel", "tess",
    "bruno", "ada", "rafe", "wren", "cosmo", "pilar", "tobias", "ines",
]  # fmt: skip
LAST_NAMES = [
    "baker", "moore", "hart", "keller", "stone", "reyes", "walsh", "novak", "bell", "shaw",
    "dunn", "price", "lang", "ford", "quinn", "marsh", "wolfe", "hale", "blake", "cruz",
    "grant", "lowe", "nash", "pike", "royce", "vance", "webb", "york", "sato", "okafor",
    "lindqvist", "moreau", "castellano", "brennan", "haldane", "oyelaran", "petrakis",
    "szabo", "achterberg", "villanueva",
]  # fmt: skip
PLACES = [
    "paris", "london", "new york", "rome", "tokyo", "texas", "berlin", "chicago", "boston",
    "mexico city", "dublin", "lagos", "ohio", "madrid", "seoul", "cairo", "vienna", "detroit",
    "lisbon", "mumbai", "oslo", "havana", "naples", "kyoto", "marseille", "montana",
    "reykjavik", "tbilisi", "valparaiso", "zanzibar", "galway", "patagonia",
]  # fmt: skip
PEOPLE = [
    "a retired detective", "a young teacher", "a single mother", "an aging boxer",
    "a small town sheriff", "a shy student", "a widowed farmer",
    "a con artist", "a failed musician", "a nurse", "a former soldier", "a stand up comic",
    "a night watchman", "a rookie cop", "a chef", "a ballet dancer", "a taxi driver",
    "a lighthouse keeper", "a beekeeper", "a cartographer", "a stonemason", "a glassblower",
    "a locksmith",
]  # fmt: skip
ACTIONS = [
    "wants one last job", "goes looking for a lost sister", "moves back home",
    "inherits a house", "falls in love", "takes a long road trip", "tries to win back a wife",
    "runs for mayor", "joins a band", "hides a secret", "plans a wedding",
    "starts a new life", "keeps a diary", "buys a boat", "opens a restaurant",
    "enters a contest", "loses a job", "meets an old friend",
]  # fmt: skip
GENRES = ["comedy", "thriller", "drama", "romance", "western", "musical", "documentary",
          "horror film", "heist movie", "war film", "biopic", "road movie", "period piece",
          "family film", "courtroom drama", "science fiction film"]  # fmt: skip
TOPICS = ["grief", "family", "money", "first love", "growing up", "a bank robbery",
          "a small town", "the music business", "a football team", "a long marriage",
          "two rival chefs", "a missing child", "an election", "a haunted house",
          "a stolen painting", "a chess prodigy"]  # fmt: skip
RUNTIMES = ["ninety minutes", "one hundred minutes", "two hours", "eighty minutes",
            "one hundred and twenty minutes", "almost three hours"]  # fmt: skip
SETTINGS = ["in a small town", "in a prison", "in a hospital", "in a kitchen", "on a train",
            "at a boarding school", "on a farm", "in a hotel", "in a newsroom", "on an island",
            "in a courtroom", "on a submarine"]  # fmt: skip


def cache_root() -> Path:
    """Where stand-ins are kept: $COURSE_CACHE, else ~/.cache/finetune-course."""
    root = os.environ.get("COURSE_CACHE") or Path.home() / ".cache" / "finetune-course"
    return Path(root) / "standins" / STANDIN_VERSION


def _held_out(words: list[str]) -> list[str]:
    """The tail of an open word list that only validation and test use."""
    return words[len(words) - round(len(words) * HELD_OUT_SHARE) :]


_OPEN_LISTS = [POSITIVE, NEGATIVE, FIRST_NAMES, LAST_NAMES, PLACES, PEOPLE]
_TAIL_WORDS = {w for items in _OPEN_LISTS for item in _held_out(items) for w in item.split()}
_HEAD_WORDS = {w for items in _OPEN_LISTS for item in items[: -len(_held_out(items))]
               for w in item.split()}  # fmt: skip
# Words that only validation and test reviews use.
HELD_OUT_WORDS = sorted(_TAIL_WORDS - _HEAD_WORDS)


class _Writer:
    """Draws the words and sentences of made-up reviews for one split.

    Training reviews use the head of each open word list; validation and test reviews draw from
    the held-out tail too (UNSEEN_SENTIMENT, UNSEEN_NEUTRAL), so they hold words training lacks.
    """

    def __init__(self, rng: random.Random, train: bool):
        self.rng, self.train = rng, train

    def pick(self, words: list[str], zipf: bool = False) -> str:
        """One item of `words`; of an open list, from its head in train, maybe its tail else."""
        rng = self.rng
        if any(words is open_list for open_list in _OPEN_LISTS):
            tail = len(_held_out(words))
            sentiment = words is POSITIVE or words is NEGATIVE
            unseen = UNSEEN_SENTIMENT if sentiment else UNSEEN_NEUTRAL
            if not self.train and rng.random() < unseen:
                return rng.choice(words[-tail:])
            words = words[:-tail]
        if zipf:  # the head of the list is common, its end rare
            return rng.choices(words, weights=[1 / (r + 3) for r in range(len(words))])[0]
        return rng.choice(words)

    # --- words ---------------------------------------------------------------------------
    def adj(self, label: int, common: bool = False) -> str:
        words = POSITIVE if label else NEGATIVE
        return self.rng.choice(words[:COMMON]) if common else self.pick(words, zipf=True)

    def intens(self) -> str:
        return self.pick(INTENSIFIERS) + " " if self.rng.random() < 0.35 else ""

    def subj(self) -> str:
        return self.pick(SUBJECTS)

    def name(self) -> str:
        return f"{self.pick(FIRST_NAMES)} {self.pick(LAST_NAMES)}"

    def noun_phrase(self, label: int) -> str:
        """'its clumsy dialogue': a part of the film, with a sentiment."""
        if self.rng.random() < 0.3:
            det, part = self.rng.choice(["some", "a few"]), self.pick(PLURAL_PARTS)
        else:
            det, part = self.rng.choice(["its", "the", "a"]), self.pick(PARTS)
        return f"{det} {self.intens()}{self.adj(label)} {part}"

    # --- one clause about one thing, with sentiment `label` ---------------------------------
    def clause(self, label: int) -> str:
        rng, subj = self.rng, self.subj()
        kind = rng.choices(range(9), weights=[10, 0.8, 2, 0.5, 0.3, 0.3, 1, 1.5, 1])[0]
        if kind == 0:
            return f"{subj} is {self.intens()}{self.adj(label)}"
        if kind == 1:  # negation flips the adjective
            return f"{subj} is {self.pick(NEGATORS)} {self.adj(1 - label, common=True)}"
        if kind == 2:
            return f"{subj} {self.pick(POSITIVE_VERBS if label else NEGATIVE_VERBS)}"
        if kind == 3:  # "fails to be" flips the adjective
            if label:
                return f"{subj} {rng.choice(['manages', 'never fails'])} to be {self.adj(1)}"
            if rng.random() < 0.5:
                return f"{subj} fails to be {self.adj(1)}"
            return f"{subj} manages to be {self.adj(0)}"
        if kind == 4:  # the first adjective of "more ... than ..." decides
            return f"{subj} is more {self.adj(label)} than {self.adj(1 - label)}"
        if kind == 5:  # "less" flips the adjective
            if rng.random() < 0.5:
                return f"{subj} could not be more {self.adj(label)}"
            return f"{subj} could not be less {self.adj(1 - label)}"
        if kind == 6:
            feel = {1: ["loved", "adored", "admired", "enjoyed", "did not hate"],
                    0: ["hated", "disliked", "could not stand", "was bored by", "did not enjoy",
                        "did not love"]}[label]  # fmt: skip
            return f"i {rng.choice(feel)} {subj}"
        if kind == 7:
            a, b = self.adj(label), self.adj(label)
            return f"{subj} is {a} and {self.intens()}{b}" if a != b else f"{subj} is {a}"
        verb = rng.choice(["seems", "feels", "looks", "sounds", "turns out"])
        return f"{subj} {verb} {self.intens()}{self.adj(label)}"

    # --- a sentence that sums up the film ------------------------------------------------
    def verdict(self, label: int) -> str:
        rng = self.rng
        kind = rng.choices(range(6), weights=[4, 2, 2, 1, 1, 2])[0]
        if kind == 0:
            start = rng.choice(["it is a", "a", "what a", "this is a"])
            return f"{start} {self.intens()}{self.adj(label)} {self.pick(NOUNS)}"
        if kind == 1:
            return self.pick(POSITIVE_PHRASES if label else NEGATIVE_PHRASES)
        if kind == 2:
            return self.pick(RECOMMEND[label])
        if kind == 3:
            return f"{self.pick(SCORES[label])} out of ten"
        if kind == 4:
            return self.pick(STARS[label])
        a, b = self.adj(label), self.adj(label)
        return f"a {a} , {b} {self.pick(NOUNS)}" if a != b else f"a {a} {self.pick(NOUNS)}"

    def irony(self) -> str:
        """Praise taken back: always negative."""
        rng, pastime = self.rng, self.pick(DULL_PASTIMES)
        praise, adj = self.pick(PRAISE_NOUNS), self.adj(1)
        kind = rng.randrange(5)
        if kind == 0:
            return f"what a {praise} , if you enjoy {pastime}"
        if kind == 1:
            return f"{self.subj()} is about as {adj} as {pastime}"
        if kind == 2:
            return f"{adj} , if your idea of fun is {pastime}"
        if kind == 3:
            return f"a real {praise} , for anyone who loves {pastime}"
        return f"{self.subj()} is so {adj} that i fell asleep twice"

    # --- neutral sentences: plot, cast, genre ---------------------------------------------
    def filler(self) -> str:
        rng = self.rng
        kind = rng.randrange(10)
        person, action = self.pick(PEOPLE), self.pick(ACTIONS)
        if kind == 0:
            return f"the story follows {person} who {action}"
        if kind == 1:
            return f"set in {self.pick(PLACES)} , it follows {person} who {action}"
        if kind == 2:
            return f"{self.name()} plays {person} who {action}"
        if kind == 3:
            return f"{self.name()} and {self.name()} share the lead"
        if kind == 4:
            return f"{self.name()} directs , and {self.name()} wrote it"
        if kind == 5:
            return f"it is a {self.pick(GENRES)} about {self.pick(TOPICS)}"
        if kind == 6:
            return f"the film runs {self.pick(RUNTIMES)} and was shot in {self.pick(PLACES)}"
        if kind == 7:
            return f"it is based on a novel by {self.name()}"
        if kind == 8:
            return f"most of it takes place {self.pick(SETTINGS)} outside {self.pick(PLACES)}"
        return f"{self.name()} returns as {person} from {self.pick(PLACES)}"

    # --- a whole review --------------------------------------------------------------------
    def opinion(self, label: int) -> tuple[str, str, str]:
        """(text, kind, deciding part) of the opinion part of a review with sentiment `label`."""
        rng = self.rng
        other = 1 - label
        kinds = ["plain", "verdict", "pair", "but", "although", "although_after", "despite",
                 "overall", "three", "irony"]  # fmt: skip
        kind = rng.choices(kinds, weights=[9, 4, 4, 3, 2, 0.4, 1.2, 1.5, 0.3, 0.8])[0]
        if kind == "irony" and label:
            kind = "pair"
        if kind == "plain":
            d = self.clause(label)
            return d, kind, d
        if kind == "verdict":
            d = self.verdict(label)
            return d, kind, d
        if kind == "pair":
            a, b = self.clause(label), rng.choice([self.clause, self.verdict])(label)
            return f"{a} {rng.choice([', and', ';', '.'])} {b}", kind, a
        if kind == "but":
            d = self.clause(label)
            return f"{self.clause(other)} , {rng.choice(['but', 'yet', 'but still'])} {d}", kind, d
        if kind == "although":
            d = rng.choice([self.clause, self.clause, self.verdict])(label)
            word = rng.choice(["although", "though", "while", "even though"])
            return f"{word} {self.clause(other)} , {d}", kind, d
        if kind == "although_after":  # the first clause decides
            d = self.clause(label)
            word = rng.choice(["although", "though", "even if", "even though"])
            return f"{d} , {word} {self.clause(other)}", kind, d
        if kind == "despite":
            d = rng.choice([self.clause, self.verdict])(label)
            word = rng.choice(["despite", "for all", "in spite of"])
            if rng.random() < 0.8:
                return f"{word} {self.noun_phrase(other)} , {d}", kind, d
            return f"{d} , {word} {self.noun_phrase(other)}", kind, d
        if kind == "overall":
            d = rng.choice([self.clause, self.verdict, self.verdict])(label)
            word = rng.choice(["still ,", "in the end ,", "overall ,", "all in all ,",
                               "on balance ,", "even so ,"])  # fmt: skip
            return f"{self.clause(other)} . {word} {d}", kind, d
        if kind == "three":
            d = self.clause(label)
            return f"{self.clause(other)} and {self.clause(other)} , but {d}", kind, d
        d = self.irony()
        return d, kind, d

    def review(self) -> tuple[str, int, str, str]:
        """(text, label, kind, deciding part): an opinion, 0 to 3 neutral sentences around it."""
        rng = self.rng
        label = rng.randrange(2)
        text, kind, decisive = self.opinion(label)
        parts = [text]
        for _ in range(rng.choices(range(4), weights=[5, 2, 2.5, 1.5])[0]):
            if rng.random() >= FILLERS_AFTER:
                parts.insert(0, self.filler())
            else:
                parts.append(self.filler())
        text = re.sub(r"\ba (?=[aeiou])", "an ", " . ".join(parts) + " .")
        return text, label, kind, re.sub(r"\ba (?=[aeiou])", "an ", decisive)


def _review_records(seed: int) -> dict[str, list[tuple[str, int, int, str, str]]]:
    """Per split: (text, label, clean label, kind, deciding part) of unique reviews.

    Train is written first, so its rows do not depend on the other splits' settings. In each
    split exactly round(NOISE_SHARE * size) labels, at random rows, are flipped.
    """
    rng = random.Random(seed)
    seen: set[str] = set()
    splits = {}
    for split, size in SPLIT_SIZES.items():
        writer = _Writer(rng, train=split == "train")
        records = []
        while len(records) < size:
            text, label, kind, decisive = writer.review()
            if text not in seen:
                seen.add(text)
                records.append([text, label, label, kind, decisive])
        for i in rng.sample(range(size), round(size * NOISE_SHARE)):
            records[i][1] = 1 - records[i][1]
        splits[split] = [tuple(r) for r in records]
    return splits


def make_sentiment_rows(seed: int = SEED, details: bool = False) -> dict[str, dict[str, list]]:
    """Deterministic train/validation/test splits of unique made-up reviews.

    Each split has the columns text and label; with details=True also clean_label (the label
    the review's words give, before NOISE_SHARE of them were flipped), kind (the opinion's
    structure: plain, verdict, pair, but, although, although_after, despite, overall, three,
    irony) and decisive (the part of the review that sets the clean label).
    """
    columns = ["text", "label", "clean_label", "kind", "decisive"]
    columns = columns if details else columns[:2]
    return {
        split: {name: [r[i] for r in records] for i, name in enumerate(columns)}
        for split, records in _review_records(seed).items()
    }


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != ".complete")


def _safetensors_problem(path: Path) -> str | None:
    """Why a .safetensors file cannot be whole (None if its header and length agree): it starts
    with an 8-byte header length, the JSON header, then the tensors' bytes."""
    size = path.stat().st_size
    try:
        with path.open("rb") as handle:
            length = int.from_bytes(handle.read(8), "little")
            if size < 8 + length:
                return f"{path.name} is cut short"
            header = json.loads(handle.read(length))
        ends = [entry["data_offsets"][1] for key, entry in header.items()
                if key != "__metadata__"]
    except (OSError, ValueError, AttributeError, KeyError, TypeError, IndexError):
        return f"{path.name} has no readable header"
    expected = 8 + length + max(ends, default=0)
    if expected != size:
        return f"{path.name} is {size:,} bytes, its header says {expected:,}"
    return None


def damage(folder: Path) -> str | None:
    """Why a finished stand-in folder is damaged, or None if it looks whole: a file missing or
    of another size than when it was built (recorded in .complete), or a weights file whose
    header and length disagree (also in folders built before sizes were recorded)."""
    recorded = (folder / ".complete").read_text(encoding="utf-8").splitlines()[1:]
    for line in recorded:
        size, _, name = line.partition(" ")
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != int(size):
            return f"{name} is {path.stat().st_size:,} bytes, it was built with {int(size):,}"
    for path in folder.rglob("*.safetensors"):
        problem = _safetensors_problem(path)
        if problem:
            return problem
    return None


def _build_once(name: str, build: Callable[[Path], None]) -> Path:
    """Return cache_root()/name, building it first if missing (atomically, via a temp folder),
    and again, with one line saying so, if it was damaged since."""
    target = cache_root() / name
    if (target / ".complete").exists():
        problem = damage(target)
        if problem is None:
            return target
        print(f"The stand-in {name!r} in {target} is damaged ({problem}): rebuilding it.")
        aside = target.with_name(f".{name}-damaged-{os.getpid()}")
        try:
            os.replace(target, aside)  # readers with open files keep them; new ones rebuild
        except OSError:
            pass  # another process moved it first
        shutil.rmtree(aside, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        build(tmp)
        sizes = "".join(f"{p.stat().st_size} {p.relative_to(tmp).as_posix()}\n"
                        for p in _files(tmp))
        (tmp / ".complete").write_text(f"{STANDIN_VERSION}\n{sizes}", encoding="utf-8")
        if target.exists():  # an incomplete earlier build
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first: use its copy
            if not (target / ".complete").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build_sentiment(folder: Path) -> None:
    import datasets

    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=LABEL_NAMES)}
    )
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        for split, columns in make_sentiment_rows().items():
            ds = datasets.Dataset.from_dict(columns, features=features)
            ds.to_parquet(str(folder / f"{split}.parquet"))
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()


def sentiment_dataset_dir() -> Path:
    """Folder of the stand-in for cornell-movie-review-data/rotten_tomatoes (parquet splits)."""
    return _build_once("sentiment", _build_sentiment)


def _gpt2_byte_alphabet() -> list[str]:
    """GPT-2's 256 byte symbols in GPT-2's own order (so id 0 is '!', as in GPT-2)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return [chr(c) for c in codes]


def _train_tokenizer(texts: list[str], vocab_size: int = 1500):
    """A byte-level BPE tokenizer laid out like GPT-2's: bytes, then merges, then EOS last."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Tokenizer

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Label words are tokenised on their own (no leading space), as the lesson does; repeated
    # often enough that each becomes a single token.
    bpe.train_from_iterator(texts + LABEL_NAMES * (len(texts) // 10 + 50), trainer=trainer)
    raw_merges = json.loads(bpe.to_str())["model"]["merges"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in raw_merges]
    vocab = {symbol: i for i, symbol in enumerate(_gpt2_byte_alphabet())}
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    tokenizer = GPT2Tokenizer(vocab=vocab, merges=merges, model_max_length=128)
    for word in LABEL_NAMES:
        if len(tokenizer(word, add_special_tokens=False)["input_ids"]) != 1:
            raise RuntimeError(f"label word {word!r} did not become a single token")
    return tokenizer


WEB_LINES = 2000


def _web_lines(seed: int = SEED, n: int | None = None) -> list[str]:
    """Text as on the web, with every word of the open lists (also those train never has):
    sentiment words of one sign together ("critics called it sublime , witty and warm ."), and
    lists of names and places."""
    rng = random.Random(seed + 1)
    n = WEB_LINES if n is None else n
    frames = ["{} , {} and {} .", "critics called it {} , {} and {} .", "{} and {} , even {} .",
              "people found it {} , {} and {} .", "words like {} , {} and {} ."]  # fmt: skip
    lines = []
    for i in range(n):
        if i % 4 == 3:
            names = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(3)]
            people = rng.sample(PEOPLE, 2)
            lines.append(f"with {names[0]} , {names[1]} and {names[2]} as {' and '.join(people)} .")
            lines.append(f"from {' , '.join(rng.sample(PLACES, 3))} and {rng.choice(PLACES)} .")
        else:
            words = POSITIVE if i % 2 else NEGATIVE
            lines.append(rng.choice(frames).format(*rng.sample(words, 3)))
    return lines


def pretraining_corpus(texts: list[str], seed: int = SEED) -> list[str]:
    """What the stand-in reads before any lesson fine-tunes it.

    Each review followed by EOS and one word, either a word of that review or (one time in five)
    a label word drawn at random, unrelated to the review's sentiment; and lines that use
    sentiment words of one sign together ("critics called it sublime , witty and warm ."), with
    every sentiment word, also those that the training split never has.

    This stands in for what GPT-2 picked up on the web: text is followed by words about it,
    "neg" and "pos" are ordinary words, and words of like meaning go together. It never pairs
    a review with its label, so before fine-tuning the stand-in is at chance on the task, as
    GPT-2 is.
    """
    rng = random.Random(seed)
    corpus = []
    for text in texts:
        words = [w for w in text.split() if w.isalpha() and len(w) > 3]
        target = rng.choice(LABEL_NAMES) if rng.random() < 0.2 or not words else rng.choice(words)
        corpus.append(f"{text}<|endoftext|>{target}")
    corpus += _web_lines(seed)
    rng.shuffle(corpus)
    return corpus


# The stand-in GPT-2: its size, its tokenizer's size and how long it is pretrained.
MODEL_SIZE = {"n_embd": 48, "n_layer": 2, "n_head": 4}
VOCAB_SIZE = 1500
PRETRAIN = {"epochs": 2, "block": 32, "batch": 32, "lr": 3e-3}


def _pretrain(model, tokenizer, texts: list[str]) -> None:
    """A few seconds of next-token training on pretraining_corpus(texts), packed in blocks."""
    import torch

    block, batch = PRETRAIN["block"], PRETRAIN["batch"]
    corpus = pretraining_corpus(texts)
    ids = [i for t in corpus for i in tokenizer(t)["input_ids"] + [tokenizer.eos_token_id]]
    blocks = torch.tensor(ids[: len(ids) // block * block]).view(-1, block)
    optimizer = torch.optim.AdamW(model.parameters(), lr=PRETRAIN["lr"])
    model.train()
    for _ in range(PRETRAIN["epochs"]):
        for rows in torch.randperm(len(blocks)).split(batch):
            loss = model(input_ids=blocks[rows], labels=blocks[rows]).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


def _build_tiny_gpt2(folder: Path) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    train_texts = make_sentiment_rows()["train"]["text"]
    tokenizer = _train_tokenizer(train_texts + _web_lines(), VOCAB_SIZE)
    eos = tokenizer.eos_token_id
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=128,
        **MODEL_SIZE,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,  # too small to need dropout
        bos_token_id=eos,
        eos_token_id=eos,
    )
    with torch.random.fork_rng():  # leave the caller's random state alone
        torch.manual_seed(SEED)
        model = GPT2LMHeadModel(config)
        _pretrain(model, tokenizer, train_texts)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def tiny_gpt2_dir() -> Path:
    """Folder of the stand-in for openai-community/gpt2 (model and tokenizer)."""
    return _build_once("tiny-gpt2", _build_tiny_gpt2)
