"""Text rules benchmark: X weighted-length parsing, Orkesteri vs the PyPI `twitter-text-parser`.

Both parse the same inputs: every text of the twitter-text conformance corpus
(../shared/conformance/twitter-text: extract.yml, validate.yml, tlds.yml). Prints texts/s for
each and the ratio; `--json` prints {"orkesteri_per_s", "peer_per_s", "ratio", "texts"}.

    .venv/bin/pip install twitter-text-parser PyYAML   # `make test` installs PyYAML
    .venv/bin/python bench/text_rules.py [--json] [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "conformance" / "twitter-text"


def texts_in(node: Any) -> Iterator[str]:
    """Every `text` value of a conformance file, however deeply its sections nest."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from texts_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts_in(item)


def corpus() -> list[str]:
    texts: list[str] = []
    for name in ("extract.yml", "validate.yml", "tlds.yml"):
        with open(CORPUS / name, encoding="utf-8") as f:
            texts.extend(texts_in(yaml.safe_load(f)))
    return texts


def rate(parse: Callable[[str], object], texts: list[str], seconds: float) -> float:
    """Texts per second: the best of three timed runs over the whole corpus."""
    best = 0.0
    for _ in range(3):
        done, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            for text in texts:
                parse(text)
            done += len(texts)
        best = max(best, done / elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=2.0, help="per timed run")
    args = parser.parse_args()
    try:
        import twitter_text
    except ImportError:
        print("Install the peer first: .venv/bin/pip install twitter-text-parser", file=sys.stderr)
        return 2
    from orkesteri.lib.text import twitter

    texts = corpus()
    config = twitter.load_config("v3")
    ours = rate(lambda t: twitter.parse_tweet(t, config), texts, args.seconds)
    peer = rate(twitter_text.parse_tweet, texts, args.seconds)
    result = {
        "orkesteri_per_s": round(ours),
        "peer_per_s": round(peer),
        "ratio": round(ours / peer, 2),
        "texts": len(texts),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"corpus: {len(texts)} texts from {CORPUS}")
        print(f"orkesteri            {result['orkesteri_per_s']:>10,} texts/s")
        print(f"twitter-text-parser  {result['peer_per_s']:>10,} texts/s")
        print(f"ratio                {result['ratio']:>10}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
