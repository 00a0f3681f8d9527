"""`orkesteri check-text`: measure a text with a network's rules, or a JSON Lines batch."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orkesteri.lib.text import measure
from orkesteri.networks.registry import text_networks, text_rules


def check(network: str, text: str) -> dict[str, Any]:
    return {"network": network, **measure(text, text_rules(network)).as_dict()}


class Command(BaseCommand):
    help = (
        "Measure a post's text with a network's rules: length in the network's unit, the "
        "limit, whether it fits, entities and problems. Exit status 1 when it does not fit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="?", help="the text, or - to read it from stdin")
        parser.add_argument("--network", choices=text_networks(), help="the network's slug")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--batch",
            action="store_true",
            help='read JSON Lines {"network": …, "text": …} from stdin; print one result per line',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"]:
            if options["text"] is not None or options["network"]:
                raise CommandError("--batch reads everything from stdin: give no TEXT or --network")
            if not self._batch():
                sys.exit(1)
            return
        if not options["network"]:
            raise CommandError(f"give --network (one of: {', '.join(text_networks())})")
        text = options["text"]
        if text is None:
            raise CommandError("give the TEXT to check, or - to read it from stdin")
        if text == "-":
            text = sys.stdin.read()
        result = check(options["network"], text)
        self.stdout.write(
            json.dumps(result, ensure_ascii=False) if options["json"] else _human(result)
        )
        if not result["ok"]:
            sys.exit(1)

    def _batch(self) -> bool:
        """One output line per input line, in order; a bad line gets an error object."""
        all_ok = True
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                result = check(*_parse_line(line))
            except ValueError as e:
                result = {"line": number, "ok": False, "error": str(e)}
            all_ok = all_ok and result["ok"]
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        return all_ok


def _parse_line(line: str) -> tuple[str, str]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e.msg}") from None
    if not isinstance(item, dict):
        raise ValueError('expected an object {"network": …, "text": …}')
    network, text = item.get("network"), item.get("text")
    if network not in text_networks():
        raise ValueError("network must be one of: " + ", ".join(text_networks()))
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    return network, text


def _human(result: dict[str, Any]) -> str:
    lines = [
        f"{result['network']}: {result['length']} / {result['limit']} — "
        + ("fits" if result["ok"] else "does not fit")
    ]
    lines += [
        f"  {e['type']} {e['value']!r} at {e['start']}–{e['end']}" for e in result["entities"]
    ]
    lines += [f"  problem: {p}" for p in result["problems"]]
    return "\n".join(lines)
