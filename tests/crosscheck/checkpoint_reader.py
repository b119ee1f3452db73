"""Independent reader of a Hugging Face DeepSeek-V3 / Kimi K2 / K2.5 checkpoint directory (numpy only).

Reads config.json and the safetensors file(s) (single model.safetensors or sharded with
model.safetensors.index.json) and returns the text model's tensors in float64 under their
unprefixed names, dequantizing the two released quantized layouts from the documented formulas,
with no code shared with the C# writer:

* compressed-tensors "pack-quantized" INT4 (Kimi K2-Thinking / K2.5): <m>.weight_packed I32
  [out, in/8], word k of a row holding inputs 8k..8k+7 least significant nibble first, each
  nibble q + 8; <m>.weight_scale [out, ceil(in/group)]; <m>.weight_shape I32 [2] = [out, in].
  <m>.weight = q * scale.
* FP8 block (DeepSeek-V3 / Kimi K2-Instruct): <m>.weight F8_E4M3 [out, in] and
  <m>.weight_scale_inv F32 [ceil(out/b0), ceil(in/b1)]; <m>.weight = e4m3 * scale_inv of its block.

usage: checkpoint_reader.py digest CHECKPOINT_DIR
  prints {name: sha256 of the float64 little-endian values} for every text tensor, so a test can
  compare another implementation's dequantized values bit for bit.
"""
import hashlib, json, os, struct, sys
import numpy as np


def e4m3_decode(codes):
    """E4M3FN bytes to float64: 1 sign, 4 exponent bits (bias 7), 3 mantissa bits, subnormals, S.1111.111 NaN."""
    b = codes.astype(np.int64)
    e, m = (b >> 3) & 0xF, b & 7
    magnitude = np.where(e == 0, m / 8.0 * 2.0 ** -6, (1 + m / 8.0) * np.exp2(e - 7.0))
    magnitude = np.where((e == 15) & (m == 7), np.nan, magnitude)
    return np.where(b & 0x80, -magnitude, magnitude)


def _decode(dtype, shape, raw):
    if dtype == "BF16":
        a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    elif dtype == "F16":
        a = np.frombuffer(raw, "<f2").astype(np.float64)
    elif dtype == "F32":
        a = np.frombuffer(raw, "<f4").astype(np.float64)
    elif dtype == "I32":
        a = np.frombuffer(raw, "<i4").astype(np.int64)
    elif dtype == "F8_E4M3":
        a = e4m3_decode(np.frombuffer(raw, np.uint8))
    else:
        raise ValueError(f"unsupported dtype {dtype}")
    return a.reshape(shape)


def read_safetensors(path):
    """{name: (dtype, decoded array)} of one file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = (e["dtype"], _decode(e["dtype"], tuple(e["shape"]), data[begin:end]))
    return out


def dequant_int4(packed, scale, shape, group_size):
    rows, cols = packed.shape[0], packed.shape[1] * 8
    if shape is not None and [int(v) for v in shape] != [rows, cols]:
        raise ValueError(f"weight_shape {list(shape)} disagrees with weight_packed {list(packed.shape)}")
    # ceil(in/group) groups a row, the last one shorter where the group does not divide in (compressed-tensors' cdiv).
    if scale.shape != (rows, -(-cols // group_size)):
        raise ValueError(f"weight_scale {scale.shape} does not fit [{rows}, {cols}] in groups of {group_size}")
    words = packed.astype(np.int64) & 0xFFFFFFFF
    nibbles = (words[:, :, None] >> (4 * np.arange(8))) & 0xF  # [rows, cols/8, 8]: input 8k+j
    q = nibbles.reshape(rows, cols) - 8
    return q * np.repeat(scale, group_size, axis=1)[:, :cols]


def dequant_fp8(weight, scale_inv, block):
    rows, cols = weight.shape
    b0, b1 = block
    if scale_inv.shape != (-(-rows // b0), -(-cols // b1)):
        raise ValueError(f"weight_scale_inv {scale_inv.shape} does not fit [{rows}, {cols}] in {b0}x{b1} blocks")
    return weight * np.repeat(np.repeat(scale_inv, b0, axis=0), b1, axis=1)[:rows, :cols]


def _scheme(q):
    """('int4', group) / ('fp8', block) / (None, None), refusing what this reader does not implement."""
    if not q:
        return None, None
    if q.get("quant_method") == "fp8":
        if q.get("fmt", "e4m3") != "e4m3":
            raise ValueError(f"fp8 fmt {q.get('fmt')}")
        return "fp8", tuple(q["weight_block_size"])
    if q.get("quant_method") == "compressed-tensors":
        groups = list(q["config_groups"].values())
        w = groups[0]["weights"]
        if (len(groups) != 1 or q.get("format") != "pack-quantized" or w.get("num_bits") != 4 or w.get("type") != "int"
                or not w.get("symmetric") or w.get("strategy") != "group" or groups[0].get("input_activations")):
            raise ValueError(f"unsupported compressed-tensors config {json.dumps(q)}")
        return "int4", int(w["group_size"])
    raise ValueError(f"unsupported quant_method {q.get('quant_method')}")


def read_checkpoint(directory):
    """(config.json dict, {stored name: (dtype, decoded array)}) of every tensor in a checkpoint directory."""
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    raw = {}
    for fn in files:
        raw.update(read_safetensors(os.path.join(directory, fn)))
    return config, raw


def load(directory):
    """(text config dict, {unprefixed name: float64 array}) of a checkpoint directory."""
    config, raw = read_checkpoint(directory)
    text = config.get("text_config", config)
    prefix = "language_model." if "text_config" in config else ""
    text_raw = {n[len(prefix):]: v for n, v in raw.items() if n.startswith(prefix)}  # vision stand-ins skipped
    scheme, arg = _scheme(text.get("quantization_config"))

    W = {}
    for name, (dtype, a) in text_raw.items():
        if name.endswith((".weight_scale", ".weight_shape", ".weight_scale_inv")):
            continue  # consumed with their weight
        if name.endswith(".weight_packed"):
            if scheme != "int4":
                raise ValueError(f"{name} without an INT4 quantization_config")
            m = name[:-len("_packed")]
            shape = text_raw.get(m + "_shape", (None, None))[1]
            W[m] = dequant_int4(a, text_raw[m + "_scale"][1], shape, arg)
        elif dtype == "F8_E4M3":
            if scheme != "fp8" or name + "_scale_inv" not in text_raw:
                raise ValueError(f"{name} is F8_E4M3 without an fp8 quantization_config and weight_scale_inv")
            W[name] = dequant_fp8(a, text_raw[name + "_scale_inv"][1], arg)
        else:
            W[name] = a.astype(np.float64)
    return text, W


def digest(W):
    return {n: hashlib.sha256(np.ascontiguousarray(W[n], dtype="<f8").tobytes()).hexdigest() for n in sorted(W)}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "digest":
        sys.exit(__doc__)
    json.dump(digest(load(sys.argv[2])[1]), sys.stdout)
