#!/usr/bin/env python3
"""An independent reference for Kimi's tokenizer, written from the algorithm (no tiktoken).

Reads one JSON request on stdin:
  {"model": "<dir>/tiktoken.model", "special_tokens": {"[BOS]": 300, ...},
   "pretokenize": ["text", ...], "encode": [{"text": "...", "allow_special": true}, ...],
   "decode": [[ids], ...], "classes": true}
and writes {"pretokenize": [[pieces]], "encode": [[ids]], "decode": ["text"], "classes": {...}} on
stdout; "classes" lists, per character class of the pattern, the code points it matches.
Pre-tokenization uses tokenization_kimi.py's pattern, unchanged, through the `regex` module.
Encoding splits on special tokens first (as Hugging Face's tokenizer does), then cuts each
stretch of ordinary text where tokenization_kimi.py cuts it (runs over 25,000 characters).
"""
import base64
import heapq
import json
import unicodedata
import sys

import regex

PAT_STR = "|".join([
    r"""[\p{Han}]+""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
# tokenization_kimi.py hands pat_str to tiktoken, whose Rust engine (fancy-regex) reads `&&` as
# class intersection. Python regex does so only in VERSION1; in its default VERSION0 `&&[` is
# literal text and no word would ever match. VERSION1 otherwise switches on full case folding,
# which the contractions cannot tell apart from the simple folding of the Rust engine.
PATTERN = regex.compile(PAT_STR, flags=regex.V1)


def load_ranks(path):
    ranks = {}
    with open(path, "rb") as f:
        for line in f.read().splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    return ranks


def byte_pair_encode(piece, ranks):
    """Merges the adjacent pair of lowest rank (the leftmost of equals) until none is a token.

    A heap of candidate pairs over a linked list of parts, so a piece of 25,000 bytes costs
    n log n rather than n^2; a candidate is stale once either of its parts has changed.
    """
    if piece in ranks:
        return [ranks[piece]]
    n = len(piece)
    end = list(range(1, n + 1))          # end[start]: where the part starting at start ends
    prev = list(range(-1, n - 1))
    alive = [True] * n
    heap = []

    def push(start):
        stop = end[start]
        if stop < n:
            rank = ranks.get(piece[start:end[stop]])
            if rank is not None:
                heapq.heappush(heap, (rank, start, stop, end[stop]))

    for i in range(n - 1):
        push(i)
    while heap:
        rank, start, stop, stop_end = heapq.heappop(heap)
        if not alive[start] or end[start] != stop or not alive[stop] or end[stop] != stop_end:
            continue
        end[start] = stop_end
        alive[stop] = False
        if stop_end < n:
            prev[stop_end] = start
        if prev[start] >= 0:
            push(prev[start])
        push(start)
    ids, i = [], 0
    while i < n:
        ids.append(ranks[piece[i:end[i]]])
        i = end[i]
    return ids


def long_run_slices(text):
    """tokenization_kimi.py's cuts before tiktoken: windows of 400,000 characters, and inside
    each a new slice wherever a run of whitespace or of non-whitespace (str.isspace) would grow
    past 25,000 characters."""
    for window_start in range(0, len(text), 400_000):
        window = text[window_start:window_start + 400_000]
        start, run, run_is_space = 0, 0, window[0].isspace()
        for i, ch in enumerate(window):
            if ch.isspace() != run_is_space:
                run, run_is_space = 1, ch.isspace()
            else:
                run += 1
                if run > 25_000:
                    yield window[start:i]
                    start, run = i, 1
        yield window[start:]


def encode_ordinary(text, ranks):
    ids = []
    for text_slice in long_run_slices(text):
        for piece in PATTERN.findall(text_slice):
            ids.extend(byte_pair_encode(piece.encode("utf-8"), ranks))
    return ids


def next_special(text, start, specials):
    """Leftmost special token at or after start; the longest of those starting there."""
    best = None
    for token in specials:
        at = text.find(token, start)
        if at >= 0 and (best is None or at < best[0] or (at == best[0] and len(token) > len(best[1]))):
            best = (at, token)
    return best


def encode(text, allow_special, ranks, specials):
    ids, position = [], 0
    while allow_special:
        found = next_special(text, position, specials)
        if found is None:
            break
        at, token = found
        ids.extend(encode_ordinary(text[position:at], ranks))
        ids.append(specials[token])
        position = at + len(token)
    ids.extend(encode_ordinary(text[position:], ranks))
    return ids


def decode(ids, ranks, specials):
    by_id = {rank: token for token, rank in ranks.items()}
    by_id.update({i: s.encode("utf-8") for s, i in specials.items()})
    return b"".join(by_id[i] for i in ids).decode("utf-8", errors="replace")


CLASSES = {
    "letter": r"\p{L}", "number": r"\p{N}", "han": r"\p{Han}", "space": r"\s",
    "upper_part": r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]",
    "lower_part": r"[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]",
}


def class_ranges(pattern):
    """The code points (surrogates left out) the pattern's class matches, as [first, last] ranges."""
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    points = sorted(ord(m.group()) for m in regex.finditer(pattern, text, flags=regex.V1))
    ranges = []
    for c in points:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return ranges


def assigned_ranges():
    """Code points this Python's Unicode database has assigned: the C# side compares only those,
    since Debian's python3 and python3-regex may know an older Unicode than the .NET runtime."""
    ranges = []
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF or unicodedata.category(chr(c)) == "Cn":
            continue
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return ranges


def knows_all(text):
    return all(unicodedata.category(ch) != "Cn" for ch in text)


def main():
    request = json.load(sys.stdin)
    ranks = load_ranks(request["model"]) if "model" in request else {}
    specials = request.get("special_tokens", {})
    reply = {
        "pretokenize": [PATTERN.findall(t) for t in request.get("pretokenize", [])],
        "known": [knows_all(t) for t in request.get("pretokenize", [])],
        "encode_known": [knows_all(e["text"]) for e in request.get("encode", [])],
        "encode": [encode(e["text"], e["allow_special"], ranks, specials) for e in request.get("encode", [])],
        "decode": [decode(ids, ranks, specials) for ids in request.get("decode", [])],
    }
    if request.get("classes"):
        reply["classes"] = {name: class_ranges(pattern) for name, pattern in CLASSES.items()}
        reply["assigned"] = assigned_ranges()
    json.dump(reply, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
