#!/usr/bin/env python3
"""Evaluate an MLP checkpoint for mgit (docs/EVALUATORS.md). Needs numpy only.

    python3 eval_mlp.py CHECKPOINT.safetensors DATASET.safetensors [--input-scale 255]

The checkpoint holds fc1.weight [h1, d], fc1.bias [h1], fc2.weight [h2, h1], ... in PyTorch's nn.Linear
layout (y = x W^T + b), with ReLU between layers and none after the last. The dataset holds `inputs`
([n, d], or [n, ...] flattened to [n, d]) and integer `labels` ([n]). Prints, as its last line,
{"loss": mean cross-entropy, "accuracy": fraction correct, "examples": n}.
"""
import json
import re
import struct
import sys

import numpy as np

DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}


def read_safetensors(path):
    """Tensors of a safetensors file, by name: 8-byte little-endian header length, JSON header, raw data."""
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    base = 8 + header_length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start:base + end]
        if info["dtype"] == "BF16":
            # bfloat16 is the top half of a float32.
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif info["dtype"] in DTYPES:
            array = np.frombuffer(raw, dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            sys.exit(f"{path}: tensor {name!r} has dtype {info['dtype']}, which this evaluator cannot read")
        tensors[name] = array.reshape(info["shape"])
    return tensors


def layers(weights):
    """[(W, b)] for fc1, fc2, ... in numeric order."""
    numbers = sorted(int(m.group(1)) for name in weights if (m := re.fullmatch(r"fc(\d+)\.weight", name)))
    if not numbers:
        sys.exit("the checkpoint has no fc1.weight: this evaluator runs MLPs named fc1, fc2, ...")
    return [(weights[f"fc{k}.weight"].astype(np.float64), weights[f"fc{k}.bias"].astype(np.float64)
             if f"fc{k}.bias" in weights else None) for k in numbers]


def evaluate(weights, inputs, labels):
    """Mean cross-entropy and accuracy of the MLP on (inputs [n, d], labels [n])."""
    x = inputs
    net = layers(weights)
    for i, (w, b) in enumerate(net):
        x = x @ w.T
        if b is not None:
            x = x + b
        if i < len(net) - 1:
            x = np.maximum(x, 0.0)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = labels.shape[0]
    loss = -log_probs[np.arange(n), labels].mean()
    accuracy = (x.argmax(axis=1) == labels).mean()
    return float(loss), float(accuracy)


def main(argv):
    args = argv[1:]
    scale = 1.0
    if "--input-scale" in args:
        i = args.index("--input-scale")
        scale = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    weights = read_safetensors(args[0])
    dataset = read_safetensors(args[1])
    inputs = dataset["inputs"].astype(np.float64)
    inputs = inputs.reshape(inputs.shape[0], -1) / scale
    labels = dataset["labels"].astype(np.int64).reshape(-1)
    loss, accuracy = evaluate(weights, inputs, labels)
    print(f"evaluated {labels.shape[0]} examples", file=sys.stderr)
    print(json.dumps({"loss": loss, "accuracy": accuracy, "examples": int(labels.shape[0])}))


if __name__ == "__main__":
    main(sys.argv)
