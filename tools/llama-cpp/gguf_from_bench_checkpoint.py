#!/usr/bin/env python3
"""Converts a bench checkpoint (`Kimi.Cluster.Bench checkpoint --format bf16`) to GGUF with
llama.cpp's own converter, for same-run comparisons with llama-server and llama-bench.

The bench checkpoint has no tokenizer files and transformers may not be installed (Debian does
not package it). So this runs llama.cpp's convert_hf_to_gguf.py with:
  - a stand-in `transformers` module whose Auto* loaders fail: the converter then reads
    config.json itself;
  - a synthetic byte-level BPE vocabulary of exactly vocab_size tokens in place of the model's
    tokenizer: id 0 "<s>" and id 1 "</s>" (control, as bos/eos in config.json), ids 2..96 the
    95 printable ASCII characters, the rest two-character printable strings. Every other token
    decodes to printable text (llama-server fails a request whose output is not valid UTF-8,
    and random weights pick any id), and ids map 1:1 to the model's, so the bench tool's token-id
    prompts mean the same to both servers;
  - torch's float8 dtype names aliased when the installed torch predates them (Debian's 1.13):
    the converter only names them in lookup tables, and a bf16 checkpoint never uses them.

usage: gguf_from_bench_checkpoint.py LLAMA_CPP_DIR CHECKPOINT_DIR OUTFILE [--outtype bf16]

LLAMA_CPP_DIR is a llama.cpp checkout (tested with upstream 82bb485, DeepseekV3ForCausalLM
converted as arch deepseek2). Needs python3 with torch, numpy and tqdm (Debian: python3-torch,
python3-numpy, python3-tqdm). See tools/llama-cpp/README.md.
"""
import sys
import types


def _stand_in_transformers():
    module = types.ModuleType("transformers")

    class _Unavailable:
        @classmethod
        def from_pretrained(cls, *args, **kwargs):
            raise ImportError(f"transformers is not installed: {cls.__name__}.from_pretrained")

    for name in ("AutoConfig", "AutoTokenizer", "AutoModel", "AutoProcessor", "AutoImageProcessor"):
        setattr(module, name, type(name, (_Unavailable,), {}))
    for name in ("PreTrainedTokenizer", "PreTrainedTokenizerFast"):
        setattr(module, name, type(name, (), {}))
    return module


def _byte_level_table():
    """GPT-2's byte-to-unicode table: byte-level BPE tokens are written in it."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    codes, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codes)))


def synthetic_vocabulary(vocab_size, gguf):
    """(tokens, token types, merges) of the synthetic vocabulary described above."""
    table = _byte_level_table()
    encode = lambda text: "".join(table[b] for b in text.encode("utf-8"))
    characters = [chr(c) for c in range(0x20, 0x7F)]
    tokens = ["<s>", "</s>"] + [encode(c) for c in characters]
    token_types = [gguf.TokenType.CONTROL] * 2 + [gguf.TokenType.NORMAL] * len(characters)
    merges = []
    for first in characters:
        for second in characters:
            if len(tokens) >= vocab_size:
                break
            tokens.append(encode(first + second))
            token_types.append(gguf.TokenType.NORMAL)
            merges.append(encode(first) + " " + encode(second))
    if len(tokens) != vocab_size:
        raise SystemExit(f"the synthetic vocabulary holds at most {len(tokens)} tokens; the checkpoint has {vocab_size}")
    return tokens, token_types, merges


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    llama_cpp, checkpoint, outfile, rest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    sys.path[:0] = [llama_cpp, f"{llama_cpp}/gguf-py"]
    sys.modules.setdefault("transformers", _stand_in_transformers())
    import torch
    for name, alias in (("float8_e4m3fn", torch.complex32), ("float8_e5m2", torch.complex64), ("float8_e8m0fnu", torch.complex128)):
        if not hasattr(torch, name):
            setattr(torch, name, alias)
    import gguf
    import convert_hf_to_gguf
    from conversion import get_model_class

    def set_vocab(self):
        bos, eos = self.hparams.get("bos_token_id", 0), self.hparams.get("eos_token_id", 1)
        if (bos, eos) != (0, 1):
            raise SystemExit(f"the synthetic vocabulary puts <s> at 0 and </s> at 1; config.json has bos {bos}, eos {eos}")
        tokens, token_types, merges = synthetic_vocabulary(self.hparams["vocab_size"], gguf)
        writer = self.gguf_writer
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre("default")
        writer.add_token_list(tokens)
        writer.add_token_types(token_types)
        writer.add_token_merges(merges)
        writer.add_bos_token_id(bos)
        writer.add_eos_token_id(eos)
        writer.add_add_bos_token(False)
        writer.add_add_eos_token(False)

    get_model_class("DeepseekV3ForCausalLM").set_vocab = set_vocab
    sys.argv = [sys.argv[0], checkpoint, "--outfile", outfile] + (rest or ["--outtype", "bf16"])
    convert_hf_to_gguf.main()


if __name__ == "__main__":
    main()
