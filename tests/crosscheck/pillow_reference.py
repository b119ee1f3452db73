#!/usr/bin/env python3
"""Pillow and numpy as the reference for the vision preprocessing (tests/Kimi.Cluster.Vision.Tests).

Reads one JSON request on stdin, {"jobs": [job, ...]}, runs each job and writes
{"results": [result, ...]} on stdout, one result per job, in order. Jobs:
  {"op": "decode", "input": F, "output": G}
      Image.open(F).convert("RGB") (Moonshot's _to_pil), raw RGB bytes to G;
      result {"width", "height"} or {"error": "..."} when Pillow refuses the file.
  {"op": "resize", "input": F, "width": w, "height": h, "to_width": W, "to_height": H, "output": G}
      F holds w*h raw RGB bytes; Image.resize((W, H), resample=BICUBIC), raw RGB bytes to G.
  {"op": "pixel_values", "input": F, "output": G}
      Moonshot's whole image path on the encoded file F, written here from the processor's
      steps (kimi_k25_vision_processing.py / media_utils.py): convert("RGB"), navit_resize_image,
      BICUBIC resize, np.pad at the bottom and right, (x / 255.0).astype(float32) - 0.5 then * 2,
      navit_patchify. pixel_values to G as little-endian float32; result {"grid": [t, h, w],
      "num_tokens", "new_width", "new_height", "pad_width", "pad_height"}.
  {"op": "navit", "sizes": [[w, h], ...]}
      navit_resize_image for each size; result {"plans": [[new_w, new_h, pad_w, pad_h, tokens], ...]}.
"""
import json
import math
import sys

import numpy as np
from PIL import Image

PATCH_SIZE = 14
MERGE_KERNEL_SIZE = 2
IN_PATCH_LIMIT = 16384
PATCH_LIMIT_ON_ONE_SIDE = 512


def navit_resize_image(width, height):
    # The float arithmetic of media_utils.navit_resize_image, operation for operation.
    s1 = math.sqrt(IN_PATCH_LIMIT / (max(1.0, width // PATCH_SIZE) * max(1.0, height // PATCH_SIZE)))
    s2 = PATCH_LIMIT_ON_ONE_SIDE * PATCH_SIZE / width
    s3 = PATCH_LIMIT_ON_ONE_SIDE * PATCH_SIZE / height
    scale = min(1.0, s1, s2, s3)
    new_w, new_h = max(1, int(width * scale)), max(1, int(height * scale))
    new_w = min(new_w, PATCH_LIMIT_ON_ONE_SIDE * PATCH_SIZE)
    new_h = min(new_h, PATCH_LIMIT_ON_ONE_SIDE * PATCH_SIZE)
    factor = MERGE_KERNEL_SIZE * PATCH_SIZE
    pad_height = (factor - new_h % factor) % factor
    pad_width = (factor - new_w % factor) % factor
    token_height = (new_h + pad_height) // factor
    token_width = (new_w + pad_width) // factor
    assert token_height * MERGE_KERNEL_SIZE <= PATCH_LIMIT_ON_ONE_SIDE
    assert token_width * MERGE_KERNEL_SIZE <= PATCH_LIMIT_ON_ONE_SIDE
    return new_w, new_h, pad_width, pad_height, token_height * token_width


def decode(job):
    try:
        with Image.open(job["input"]) as image:
            rgb = image.convert("RGB")
    except Exception as error:  # Pillow's refusal is the expected answer for some inputs
        return {"error": f"{type(error).__name__}: {error}"}
    with open(job["output"], "wb") as out:
        out.write(rgb.tobytes())
    return {"width": rgb.width, "height": rgb.height}


def resize(job):
    with open(job["input"], "rb") as f:
        image = Image.frombytes("RGB", (job["width"], job["height"]), f.read())
    resized = image.resize((job["to_width"], job["to_height"]), resample=Image.BICUBIC)
    with open(job["output"], "wb") as out:
        out.write(resized.tobytes())
    return {}


def pixel_values(job):
    with Image.open(job["input"]) as image:
        image = image.convert("RGB")
    new_w, new_h, pad_w, pad_h, num_tokens = navit_resize_image(image.width, image.height)
    pixels = np.asarray(image.resize((new_w, new_h), resample=Image.BICUBIC))
    pixels = np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="constant", constant_values=0)
    mean = np.array([0.5, 0.5, 0.5], dtype=np.float32)
    std_inv = 1.0 / np.array([0.5, 0.5, 0.5], dtype=np.float32)
    x = (pixels / 255.0).astype(np.float32)
    x -= mean
    x *= std_inv
    x = x[None]  # one frame: (T, H, W, C)
    t, h, w, c = x.shape
    patches = x.reshape(t, h // PATCH_SIZE, PATCH_SIZE, w // PATCH_SIZE, PATCH_SIZE, c)
    patches = patches.transpose(0, 1, 3, 5, 2, 4).reshape(-1, c, PATCH_SIZE, PATCH_SIZE)
    with open(job["output"], "wb") as out:
        out.write(np.ascontiguousarray(patches, dtype="<f4").tobytes())
    return {"grid": [t, h // PATCH_SIZE, w // PATCH_SIZE], "num_tokens": num_tokens,
            "new_width": new_w, "new_height": new_h, "pad_width": pad_w, "pad_height": pad_h}


def navit(job):
    return {"plans": [list(navit_resize_image(w, h)) for w, h in job["sizes"]]}


OPS = {"decode": decode, "resize": resize, "pixel_values": pixel_values, "navit": navit}


def main():
    request = json.load(sys.stdin)
    results = [OPS[job["op"]](job) for job in request["jobs"]]
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
