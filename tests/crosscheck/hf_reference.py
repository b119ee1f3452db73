"""Independent cross-check of the model math, outside .NET.

Writes a random checkpoint in the Hugging Face layout with its own writer (sharded, tensors in
another order than the project's writer, an extra MTP-style layer to be ignored, optionally the
K2.5 multimodal nesting), then greedy-decodes it with the Hugging Face modeling_deepseek math in
torch float64 (rope de-interleaved then rotate_half, as HF does) and prints the tokens and the
top-5 log-probabilities as JSON.

usage: hf_reference.py {k2|ds|k25} CHECKPOINT_DIR PROMPT_IDS(comma-separated) NEW_TOKENS

With "read" instead of a kind it writes nothing: it reads the checkpoint already in CHECKPOINT_DIR
(e.g. one written by the C# TinyCheckpointWriter, INT4 pack-quantized or FP8 block-quantized
included) with checkpoint_reader.py's independent numpy dequantization, and decodes that.
"""
import json, math, os, struct, sys
import torch
import torch.nn.functional as F

def write_checkpoint(d, cfg, nested, seed, shards=2):
    os.makedirs(d, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    text = cfg
    H, V = cfg["hidden_size"], cfg["vocab_size"]
    nh, nope, rope, vd = cfg["num_attention_heads"], cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    ql, kl = cfg["q_lora_rank"], cfg["kv_lora_rank"]
    W = {}
    def lin(name, o, i, gain=1.0): W[name] = (torch.randn(o, i, generator=g) * gain / math.sqrt(i)).to(torch.bfloat16)
    def norm(name, n): W[name] = (1 + 0.1 * torch.randn(n, generator=g)).to(torch.bfloat16)
    W["model.embed_tokens.weight"] = torch.randn(V, H, generator=g).to(torch.bfloat16)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        norm(p + "input_layernorm.weight", H); norm(p + "post_attention_layernorm.weight", H)
        if ql:
            lin(p + "self_attn.q_a_proj.weight", ql, H); norm(p + "self_attn.q_a_layernorm.weight", ql)
            lin(p + "self_attn.q_b_proj.weight", nh * (nope + rope), ql)
        else:
            lin(p + "self_attn.q_proj.weight", nh * (nope + rope), H)
        lin(p + "self_attn.kv_a_proj_with_mqa.weight", kl + rope, H); norm(p + "self_attn.kv_a_layernorm.weight", kl)
        lin(p + "self_attn.kv_b_proj.weight", nh * (nope + vd), kl); lin(p + "self_attn.o_proj.weight", H, nh * vd)
        if l >= cfg["first_k_dense_replace"]:
            E, I = cfg["n_routed_experts"], cfg["moe_intermediate_size"]
            lin(p + "mlp.gate.weight", E, H, 2.0)
            W[p + "mlp.gate.e_score_correction_bias"] = (0.1 * torch.randn(E, generator=g)).float()
            for e in range(E):
                lin(p + f"mlp.experts.{e}.gate_proj.weight", I, H); lin(p + f"mlp.experts.{e}.up_proj.weight", I, H)
                lin(p + f"mlp.experts.{e}.down_proj.weight", H, I)
            S = I * cfg["n_shared_experts"]
            lin(p + "mlp.shared_experts.gate_proj.weight", S, H); lin(p + "mlp.shared_experts.up_proj.weight", S, H)
            lin(p + "mlp.shared_experts.down_proj.weight", H, S)
        else:
            I = cfg["intermediate_size"]
            lin(p + "mlp.gate_proj.weight", I, H); lin(p + "mlp.up_proj.weight", I, H); lin(p + "mlp.down_proj.weight", H, I)
    norm("model.norm.weight", H); lin("lm_head.weight", V, H, 3.0)
    # an extra MTP-style layer beyond num_hidden_layers that must be ignored
    norm(f"model.layers.{cfg['num_hidden_layers']}.enorm.weight", H)
    prefix = "language_model." if nested else ""
    names = sorted(W)
    files = {}
    for i, n in enumerate(names):
        files.setdefault(f"model-{(i % shards) + 1:05d}-of-{shards:05d}.safetensors", []).append(n)
    wm = {}
    for fn, ns in files.items():
        header, blobs, off = {}, [], 0
        for n in reversed(ns):  # a different order from the project's writer
            t = W[n]
            if t.dtype == torch.bfloat16:
                raw = t.view(torch.int16).numpy().tobytes(); dt = "BF16"
            else:
                raw = t.numpy().astype("<f4").tobytes(); dt = "F32"
            header[prefix + n] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
            blobs.append(raw); off += len(raw); wm[prefix + n] = fn
        h = json.dumps(header).encode()
        with open(os.path.join(d, fn), "wb") as f:
            f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
    json.dump({"metadata": {}, "weight_map": wm}, open(os.path.join(d, "model.safetensors.index.json"), "w"))
    full = {"model_type": "kimi_k25", "text_config": text, "vision_config": {"hidden_size": 8}} if nested else text
    json.dump(full, open(os.path.join(d, "config.json"), "w"))
    return {n: t.double() for n, t in W.items()}

def rms(x, w, eps): return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w

def yarn(cfg):
    d, base = cfg["qk_rope_head_dim"], cfg["rope_theta"]; rs = cfg["rope_scaling"]
    if rs is None:  # plain RoPE
        return 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d)), 1.0, (cfg["qk_nope_head_dim"] + d) ** -0.5
    f, orig = rs["factor"], rs["original_max_position_embeddings"]
    extra = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d)); inter = extra / f
    cd = lambda r: (d * math.log(orig / (r * 2 * math.pi))) / (2 * math.log(base))
    low, high = max(math.floor(cd(rs["beta_fast"])), 0), min(math.ceil(cd(rs["beta_slow"])), d - 1)
    if low == high: high += 0.001
    ramp = torch.clamp((torch.arange(d // 2, dtype=torch.float64) - low) / (high - low), 0, 1)
    mask = 1 - ramp
    inv = inter * (1 - mask) + extra * mask
    gm = lambda s, m: 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0
    m = gm(f, rs["mscale"]) / gm(f, rs["mscale_all_dim"])
    scale = (cfg["qk_nope_head_dim"] + d) ** -0.5
    if rs.get("mscale_all_dim"): scale *= gm(f, rs["mscale_all_dim"]) ** 2
    return inv, m, scale

def rope_hf(x, pos, inv, m):  # HF: de-interleave then rotate_half
    *b, dd = x.shape
    x = x.view(*b, dd // 2, 2).transpose(-1, -2).reshape(*b, dd)
    fr = torch.outer(pos.double(), inv); emb = torch.cat([fr, fr], -1)
    cos, sin = emb.cos() * m, emb.sin() * m
    while cos.dim() < x.dim(): cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    rot = torch.cat([-x[..., dd // 2:], x[..., :dd // 2]], -1)
    return x * cos + rot * sin

def forward(W, cfg, toks, embedded=None):
    """Logits at every position; `embedded` maps positions to input rows that replace the token
    table's (K2.5's image placeholders take the vision projector's rows)."""
    T = len(toks); H = cfg["hidden_size"]; eps = cfg["rms_norm_eps"]
    nh, nope, rope, vd, kl = cfg["num_attention_heads"], cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"], cfg["kv_lora_rank"]
    inv, m, scale = yarn(cfg); pos = torch.arange(T)
    x = W["model.embed_tokens.weight"][toks]
    for position, row in (embedded or {}).items():
        x[position] = row
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms(x, W[p + "input_layernorm.weight"], eps)
        if cfg["q_lora_rank"]:
            q = rms(h @ W[p + "self_attn.q_a_proj.weight"].T, W[p + "self_attn.q_a_layernorm.weight"], 1e-6) @ W[p + "self_attn.q_b_proj.weight"].T
        else:
            q = h @ W[p + "self_attn.q_proj.weight"].T
        q = q.view(T, nh, nope + rope); qn, qp = q[..., :nope], q[..., nope:]
        ckv = h @ W[p + "self_attn.kv_a_proj_with_mqa.weight"].T
        lat, kp = ckv[:, :kl], ckv[:, kl:]
        kv = (rms(lat, W[p + "self_attn.kv_a_layernorm.weight"], 1e-6) @ W[p + "self_attn.kv_b_proj.weight"].T).view(T, nh, nope + vd)
        kn, v = kv[..., :nope], kv[..., nope:]
        qp = rope_hf(qp, pos, inv, m); kp = rope_hf(kp, pos, inv, m)
        s = (torch.einsum("thd,shd->hts", qn, kn) + torch.einsum("thr,sr->hts", qp, kp)) * scale
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        a = torch.einsum("hts,shv->thv", s.softmax(-1), v).reshape(T, nh * vd)
        x = x + a @ W[p + "self_attn.o_proj.weight"].T
        h = rms(x, W[p + "post_attention_layernorm.weight"], eps)
        mlp = lambda pre, y: (F.silu(y @ W[pre + "gate_proj.weight"].T) * (y @ W[pre + "up_proj.weight"].T)) @ W[pre + "down_proj.weight"].T
        if cfg["n_routed_experts"] and l >= cfg["first_k_dense_replace"] and l % cfg.get("moe_layer_freq", 1) == 0:
            logits = h @ W[p + "mlp.gate.weight"].T
            sc = logits.softmax(-1) if cfg.get("scoring_func", "sigmoid") == "softmax" else logits.sigmoid()
            bias = W.get(p + "mlp.gate.e_score_correction_bias")
            ch = sc + bias if bias is not None else sc
            G, K = cfg["n_group"], cfg["num_experts_per_tok"]
            if G > 1:
                gs = ch.view(T, G, -1).topk(2, -1)[0].sum(-1); gi = gs.topk(cfg["topk_group"], -1)[1]
                gm_ = torch.zeros_like(gs).scatter_(1, gi, 1).unsqueeze(-1).expand(T, G, ch.shape[1] // G).reshape(T, -1)
                ch = ch.masked_fill(gm_ == 0, float("-inf"))
            idx = ch.topk(K, -1)[1]; w = sc.gather(1, idx)
            if cfg.get("norm_topk_prob", True) and K > 1:
                w = w / (w.sum(-1, keepdim=True) + 1e-20)
            w = w * cfg["routed_scaling_factor"]
            out = mlp(p + "mlp.shared_experts.", h) if cfg.get("n_shared_experts") else torch.zeros_like(h)
            for t in range(T):
                for k in range(K):
                    out[t] += w[t, k] * mlp(p + f"mlp.experts.{int(idx[t, k])}.", h[t:t+1])[0]
        else:
            out = mlp(p + "mlp.", h)
        x = x + out
    return rms(x, W["model.norm.weight"], eps) @ W["lm_head.weight"].T

def base_cfg(kind):
    c = dict(model_type="kimi_k2", vocab_size=320, hidden_size=48, intermediate_size=80, moe_intermediate_size=24,
             num_hidden_layers=3, num_attention_heads=3, num_key_value_heads=3, n_routed_experts=12, num_experts_per_tok=3,
             n_shared_experts=1, first_k_dense_replace=1, moe_layer_freq=1, q_lora_rank=40, kv_lora_rank=24,
             qk_nope_head_dim=16, qk_rope_head_dim=8, v_head_dim=12, rope_theta=50000.0,
             rope_scaling=dict(type="yarn", factor=8.0, original_max_position_embeddings=32, beta_fast=1.0, beta_slow=1.0, mscale=1.0, mscale_all_dim=1.0),
             routed_scaling_factor=2.827, rms_norm_eps=1e-5, max_position_embeddings=256, n_group=1, topk_group=1,
             topk_method="noaux_tc", scoring_func="sigmoid", norm_topk_prob=True, tie_word_embeddings=False,
             bos_token_id=1, eos_token_id=2, torch_dtype="bfloat16")
    if kind == "ds":
        c.update(model_type="deepseek_v3", n_routed_experts=16, n_group=4, topk_group=2, num_experts_per_tok=4,
                 first_k_dense_replace=2, num_hidden_layers=4, q_lora_rank=None, routed_scaling_factor=2.5, rms_norm_eps=1e-6, rope_theta=10000.0,
                 rope_scaling=dict(type="yarn", factor=4.0, original_max_position_embeddings=64, beta_fast=32.0, beta_slow=1.0, mscale=1.0, mscale_all_dim=1.0))
    return c

if __name__ == "__main__":
    kind, d, prompt, n = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split(",")], int(sys.argv[4])
    if kind == "read":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import checkpoint_reader
        cfg, arrays = checkpoint_reader.load(d)
        W = {name: torch.from_numpy(a) for name, a in arrays.items()}
    else:
        cfg = base_cfg(kind)
        W = write_checkpoint(d, cfg, nested=(kind == "k25"), seed=1234)
    toks, steps = list(prompt), []
    for _ in range(n):
        lp = forward(W, cfg, toks)[-1].log_softmax(-1)
        top = lp.topk(5)
        steps.append([[int(i), float(v)] for v, i in zip(top.values, top.indices)])
        toks.append(int(top.indices[0]))
    json.dump({"tokens": toks[len(prompt):], "top5": steps}, sys.stdout)
