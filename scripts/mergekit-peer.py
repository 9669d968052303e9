#!/usr/bin/env python3
"""mergekit as a peer for mgit's merge methods (the peer test and `mgit-bench merge` run this).

  mergekit-peer.py models DIR [--hidden H --layers L --intermediate I --vocab V --seed S]
      A random-init Llama-shaped model (transformers) in DIR/base and two fine-tunes made by perturbing it,
      DIR/ft1 and DIR/ft2 (config.json + model.safetensors, float32). Each fine-tune moves every tensor by
      0.01·(shared + own) Gaussian noise, so the fine-tunes' changes share a direction (cosine about 0.5).
  mergekit-peer.py merge DIR CONFIG.yml [...] [--make-models]
      Runs mergekit 0.1.5 (CPU) on each config, model paths relative to DIR, and writes DIR/NAME.mergekit.safetensors
      (all output shards in one file). Prints one JSON line per config: {"config", "seconds"}, seconds counting
      run_merge only (not Python's start or imports). --make-models first makes the models as `models` does with
      its defaults, in the same process (Python's start and torch's import take seconds).
"""
import argparse
import glob
import json
import os
import sys
import time


def make_models(args):
    import numpy as np
    import torch
    from safetensors.numpy import save_file
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(args.seed)
    config = LlamaConfig(hidden_size=args.hidden, intermediate_size=args.intermediate,
                         num_hidden_layers=args.layers, num_attention_heads=max(1, args.hidden // 32),
                         num_key_value_heads=max(1, args.hidden // 32), vocab_size=args.vocab,
                         max_position_embeddings=256, tie_word_embeddings=False)
    model = LlamaForCausalLM(config).to(torch.float32)
    base_dir = os.path.join(args.dir, "base")
    model.save_pretrained(base_dir, safe_serialization=True)
    tensors = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(args.seed)
    shared = {k: rng.standard_normal(v.shape).astype(np.float32) for k, v in tensors.items()}
    for name in ("ft1", "ft2"):
        out = os.path.join(args.dir, name)
        os.makedirs(out, exist_ok=True)
        model.config.to_json_file(os.path.join(out, "config.json"))
        tuned = {k: (v + np.float32(0.01) * (shared[k] + rng.standard_normal(v.shape).astype(np.float32))).astype(np.float32)
                 for k, v in tensors.items()}
        save_file(tuned, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    # The base as one file too, under the name the fine-tunes use.
    from safetensors.numpy import load_file
    files = sorted(glob.glob(os.path.join(base_dir, "*.safetensors")))
    if files != [os.path.join(base_dir, "model.safetensors")]:
        merged = {}
        for f in files:
            merged.update(load_file(f))
        for f in files:
            os.remove(f)
        save_file(merged, os.path.join(base_dir, "model.safetensors"), metadata={"format": "pt"})


def merge(args):
    import torch
    import yaml
    from safetensors.numpy import load_file, save_file
    from mergekit.config import MergeConfiguration
    from mergekit.merge import MergeOptions, run_merge

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    os.chdir(args.dir)
    for config_path in args.configs:
        name = os.path.splitext(os.path.basename(config_path))[0]
        with open(config_path) as f:
            config = MergeConfiguration.model_validate(yaml.safe_load(f))
        out = os.path.join(args.dir, "out-" + name)
        start = time.perf_counter()
        run_merge(config, out_path=out, options=MergeOptions(copy_tokenizer=False, write_model_card=False, quiet=True))
        seconds = time.perf_counter() - start
        merged = {}
        for f in sorted(glob.glob(os.path.join(out, "*.safetensors"))):
            merged.update(load_file(f))
        save_file(merged, os.path.join(args.dir, name + ".mergekit.safetensors"))
        print(json.dumps({"config": name, "seconds": seconds}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("models")
    m.add_argument("dir")
    m.add_argument("--hidden", type=int, default=64)
    m.add_argument("--layers", type=int, default=2)
    m.add_argument("--intermediate", type=int, default=128)
    m.add_argument("--vocab", type=int, default=256)
    m.add_argument("--seed", type=int, default=0)
    g = sub.add_parser("merge")
    g.add_argument("dir")
    g.add_argument("configs", nargs="+")
    g.add_argument("--make-models", action="store_true")
    args = parser.parse_args()
    if args.command == "models":
        make_models(args)
    else:
        if args.make_models:
            make_models(m.parse_args([args.dir]))
        merge(args)


if __name__ == "__main__":
    sys.exit(main())
