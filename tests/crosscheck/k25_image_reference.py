"""Independent cross-check of a Kimi K2.5 chat with images, end to end, outside .NET.

Each image file goes through Moonshot's preprocessing as pillow_reference.py writes it from the
processor (PIL decode to RGB, navit resize rule, BICUBIC, zero padding, normalization, patches),
then through the vision tower and projector as moonvit_reference.py computes them (float64); the
projector's rows replace the prompt's placeholder tokens, and hf_reference.py greedy-decodes the
text model in float64 with them. Prints JSON {"tokens": [...], "top5": [[[id, logprob] x5] per step],
"image_tokens": [n per image]}.

usage: k25_image_reference.py CHECKPOINT_DIR PROMPT_IDS NEW_TOKENS IMAGES
  PROMPT_IDS: comma-separated token ids, each image's placeholders expanded (one per merged patch).
  IMAGES: comma-separated FILE@FIRST_TOKEN, in prompt order: the image file and where its run starts.
"""
import json, os, sys, tempfile
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_reader  # noqa: E402
import hf_reference  # noqa: E402
import moonvit_reference  # noqa: E402
import pillow_reference  # noqa: E402


def image_rows(directory, images):
    """{position: projector row} for every image placeholder, and each image's token count."""
    pixels, grids = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for index, (path, _) in enumerate(images):
            out = os.path.join(scratch, f"{index}.f32")
            result = pillow_reference.pixel_values({"input": path, "output": out})
            _, h, w = result["grid"]
            grids.append((h, w))
            pixels.append(np.fromfile(out, dtype="<f4").astype(np.float64))
    vc, W = moonvit_reference.vision_weights(directory)
    with torch.no_grad():
        projected = moonvit_reference.forward(vc, W, torch.from_numpy(np.concatenate(pixels)), grids)["projected"]
    embedded, counts, offset = {}, [], 0
    for (_, first), (h, w) in zip(images, grids):
        n = (h // 2) * (w // 2)
        for i in range(n):
            embedded[first + i] = projected[offset + i]
        counts.append(n)
        offset += n
    return embedded, counts


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    directory, n = sys.argv[1], int(sys.argv[3])
    prompt = [int(t) for t in sys.argv[2].split(",")]
    images = [(item.rsplit("@", 1)[0], int(item.rsplit("@", 1)[1])) for item in sys.argv[4].split(",")]
    cfg, arrays = checkpoint_reader.load(directory)
    W = {name: torch.from_numpy(a) for name, a in arrays.items()}
    embedded, counts = image_rows(directory, images)
    toks, steps = list(prompt), []
    with torch.no_grad():
        for _ in range(n):
            lp = hf_reference.forward(W, cfg, toks, embedded)[-1].log_softmax(-1)
            top = lp.topk(5)
            steps.append([[int(i), float(v)] for v, i in zip(top.values, top.indices)])
            toks.append(int(top.indices[0]))
    json.dump({"tokens": toks[len(prompt):], "top5": steps, "image_tokens": counts}, sys.stdout)
