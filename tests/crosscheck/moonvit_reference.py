"""Independent cross-check of Kimi K2.5's vision encoder (MoonViT + patch merger + projector), outside .NET.

Reads a checkpoint directory with checkpoint_reader.py (vision_tower.* and mm_projector.*, bf16 as
stored, decoded to float64) and config.json's vision_config, and runs the images in float64 torch
following the public references (vLLM kimi_k25_vit.py, SGLang kimi_k25.py, Moonshot's
modeling_kimi_k25.py), written from their math, not from the C# code:

* patch embedding: Conv2d(3, hidden, kernel = stride = patch_size) on each [3, p, p] patch;
* position embedding: pos_emb.weight [H, W, hidden] itself when the image grid is (H, W), else
  F.interpolate(mode="bicubic", align_corners=False) to the grid;
* 2D RoPE: a 512x512 freqs_cis table, complex slot 2i = column * f_i and 2i+1 = row * f_i,
  f_i = 1 / theta^(4i / head_dim), applied with view_as_complex to interleaved pairs of q and k;
* blocks: x += wo(attn(rope(wqkv(norm0(x))))); x += fc1(gelu_tanh(fc0(norm1(x)))), attention
  non-causal with scale head_dim^-0.5 over each image's own patches only (explicit softmax per
  image, not one mask over the batch);
* final_layernorm; per image view(t, h/2, 2, w/2, 2, C).permute(0, 1, 3, 2, 4, 5).mean(0) -> [tokens, 4, C];
* projector: pre_norm per 4-patch sub-vector, view(-1, 4C), proj.0, exact GELU, proj.2.

usage: moonvit_reference.py CHECKPOINT_DIR PIXELS_FILE GRIDS
  PIXELS_FILE: float32 little-endian [sum(h*w), 3*p*p], each image's patches row-major, each patch (c, y, x).
  GRIDS: "HxW,HxW,..." patch rows and columns of each image, in packing order.
Prints JSON {"patch_embeddings", "blocks": [...], "merged", "projected"}, each [rows][features], images
laid end to end; "merged" rows are [4*C], the four patch vectors side by side.
"""
import json, os, sys
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_reader  # noqa: E402

ROPE_THETA = 10000.0
ROPE_SIDE = 512
LN_EPS = 1e-5


def vision_weights(directory):
    config, raw = checkpoint_reader.read_checkpoint(directory)
    W = {n: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))
         for n, (dtype, a) in raw.items() if n.startswith(("vision_tower.", "mm_projector."))}
    for n, (dtype, _) in raw.items():
        if n.startswith(("vision_tower.", "mm_projector.")) and dtype != "BF16":
            raise ValueError(f"{n} is {dtype}; K2.5 stores its vision tensors as BF16")
    return config["vision_config"], W


def freqs_cis_table(head_dim):
    """[512, 512, head_dim/2] complex: (row, column) -> interleaved column/row rotations."""
    dim_range = torch.arange(0, head_dim, 4)[: head_dim // 4].to(torch.float64)
    freqs = 1.0 / (ROPE_THETA ** (dim_range / head_dim))
    flat = torch.arange(ROPE_SIDE * ROPE_SIDE, dtype=torch.float64)
    x_pos, y_pos = flat % ROPE_SIDE, torch.div(flat, ROPE_SIDE, rounding_mode="floor")
    x_cis = torch.polar(torch.ones(flat.shape[0], freqs.shape[0], dtype=torch.float64), torch.outer(x_pos, freqs))
    y_cis = torch.polar(torch.ones(flat.shape[0], freqs.shape[0], dtype=torch.float64), torch.outer(y_pos, freqs))
    return torch.cat([x_cis[..., None], y_cis[..., None]], dim=-1).reshape(ROPE_SIDE, ROPE_SIDE, -1)


def apply_rope(x, freqs_cis):
    """x [n, heads, head_dim] real; freqs_cis [n, head_dim/2] complex."""
    xc = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
    return torch.view_as_real(xc * freqs_cis[:, None, :]).flatten(-2)


def position_embedding(grid, h, w):
    if (h, w) == tuple(grid.shape[:2]):
        return grid.flatten(0, 1)
    resampled = F.interpolate(grid.permute(2, 0, 1).unsqueeze(0), size=(h, w), mode="bicubic", align_corners=False)
    return resampled.squeeze(0).permute(1, 2, 0).flatten(0, 1)


def attention(q, k, v, lengths):
    """q, k, v [n, heads, d]; full attention within each image's rows only."""
    outputs, start = [], 0
    for n in lengths:
        qi, ki, vi = (t[start:start + n].transpose(0, 1) for t in (q, k, v))  # [heads, n, d]
        scores = qi @ ki.transpose(-1, -2) * q.shape[-1] ** -0.5
        outputs.append((torch.softmax(scores, dim=-1) @ vi).transpose(0, 1))  # [n, heads, d]
        start += n
    return torch.cat(outputs, dim=0)


def block(x, W, p, heads, freqs_cis, lengths):
    n, hidden = x.shape
    h = F.layer_norm(x, (hidden,), W[p + "norm0.weight"], W[p + "norm0.bias"], LN_EPS)
    qkv = F.linear(h, W[p + "wqkv.weight"], W[p + "wqkv.bias"]).view(n, 3, heads, hidden // heads)
    q, k, v = qkv.unbind(dim=1)
    out = attention(apply_rope(q, freqs_cis), apply_rope(k, freqs_cis), v, lengths).reshape(n, hidden)
    x = x + F.linear(out, W[p + "wo.weight"], W[p + "wo.bias"])
    h = F.layer_norm(x, (hidden,), W[p + "norm1.weight"], W[p + "norm1.bias"], LN_EPS)
    h = F.gelu(F.linear(h, W[p + "mlp.fc0.weight"], W[p + "mlp.fc0.bias"]), approximate="tanh")
    return x + F.linear(h, W[p + "mlp.fc1.weight"], W[p + "mlp.fc1.bias"])


def merge(x, grids):
    out, start = [], 0
    for h, w in grids:
        item = x[start:start + h * w].view(1, h // 2, 2, w // 2, 2, x.shape[-1])
        out.append(item.permute(0, 1, 3, 2, 4, 5).mean(dim=0).reshape(-1, 4, x.shape[-1]))
        start += h * w
    return torch.cat(out, dim=0)  # [tokens, 4, C]


def forward(vc, W, pixels, grids):
    hidden, heads, patch = vc["vt_hidden_size"], vc["vt_num_attention_heads"], vc["patch_size"]
    trace = {}
    x = F.conv2d(pixels.view(-1, 3, patch, patch), W["vision_tower.patch_embed.proj.weight"],
                 W["vision_tower.patch_embed.proj.bias"], stride=patch).view(-1, hidden)
    grid = W["vision_tower.patch_embed.pos_emb.weight"]
    x = x + torch.cat([position_embedding(grid, h, w) for h, w in grids], dim=0)
    trace["patch_embeddings"] = x
    table = freqs_cis_table(hidden // heads)
    freqs_cis = torch.cat([table[:h, :w].reshape(h * w, -1) for h, w in grids], dim=0)
    lengths = [h * w for h, w in grids]
    trace["blocks"] = []
    for b in range(vc["vt_num_hidden_layers"]):
        x = block(x, W, f"vision_tower.encoder.blocks.{b}.", heads, freqs_cis, lengths)
        trace["blocks"].append(x)
    x = F.layer_norm(x, (hidden,), W["vision_tower.encoder.final_layernorm.weight"],
                     W["vision_tower.encoder.final_layernorm.bias"], LN_EPS)
    merged = merge(x, grids)
    trace["merged"] = merged.reshape(merged.shape[0], -1)
    y = F.layer_norm(merged, (hidden,), W["mm_projector.pre_norm.weight"], W["mm_projector.pre_norm.bias"],
                     vc["projector_ln_eps"]).view(merged.shape[0], -1)
    y = F.gelu(F.linear(y, W["mm_projector.proj.0.weight"], W["mm_projector.proj.0.bias"]))
    trace["projected"] = F.linear(y, W["mm_projector.proj.2.weight"], W["mm_projector.proj.2.bias"])
    return trace


def rows(t):
    return t.tolist()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    vc, W = vision_weights(sys.argv[1])
    grids = [tuple(int(v) for v in g.split("x")) for g in sys.argv[3].split(",")]
    pixels = torch.from_numpy(np.fromfile(sys.argv[2], dtype="<f4").astype(np.float64))
    with torch.no_grad():
        trace = forward(vc, W, pixels, grids)
    json.dump({"patch_embeddings": rows(trace["patch_embeddings"]), "blocks": [rows(b) for b in trace["blocks"]],
               "merged": rows(trace["merged"]), "projected": rows(trace["projected"])}, sys.stdout)
