import Foundation
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// Tiny randomly initialised transformers written by the Python `transformers` package, with its outputs on a
/// fixed batch: the independent reference the forward passes are checked against.
///
/// The script runs once per test process (about 8 s, most of it importing torch); where `transformers` cannot
/// be imported, ``folder`` is nil and ``skipReason`` says why.
enum TransformerPeer {
    /// The folder holding one sub-folder per model (`bert`, `bert-mlm`, `gpt2`, `llama-gqa`, `llama-tied`),
    /// each with `config.json`, `model.safetensors` and `reference.safetensors` (`input_ids` `[3, 7]`,
    /// `token_type_ids` for BERT, `hidden` `[21, d]`, `logits` `[21, V]` for models with a head).
    static var folder: String? { prepared.folder }
    /// Why there is no ``folder``.
    static var skipReason: String { prepared.reason }
    private static let prepared: (folder: String?, reason: String) = make()

    private static func make() -> (folder: String?, reason: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-tf-peer-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try script.write(toFile: folder + "/peer.py", atomically: true, encoding: .utf8)
        } catch {
            return (nil, "cannot write the peer script: \(error)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        environment["TRANSFORMERS_VERBOSITY"] = "error"
        environment["HF_HUB_OFFLINE"] = "1"
        let run = ChildProcess(executable: "/bin/sh", arguments: ["-c", "python3 peer.py out"],
                               environment: environment, directory: folder, timeout: 600).run()
        if run.exitStatus == 3 {
            let reason = String(decoding: run.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            print("TransformerPeer: skipping the transformers comparison: \(reason)")
            return (nil, reason)
        }
        guard run.succeeded else {
            let reason = "the peer script failed: \(String(decoding: run.stderr.suffix(2000), as: UTF8.self))"
            print("TransformerPeer: \(reason)")
            return (nil, reason)
        }
        return (folder + "/out", "")
    }

    static let script = #"""
import os, sys
try:
    import torch
    from safetensors.torch import save_file
    import transformers as tf
except ImportError as error:
    print(f"python3 cannot import {error.name} (scripts/bootstrap --python installs the peers)")
    sys.exit(3)

out = sys.argv[1]
torch.manual_seed(0)

def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.normal_(0, 0.2)
            if "norm" in name.lower() and name.endswith("weight"):
                p.add_(1.0)

def build(name, model, vocab, types=0, bf16=False):
    randomize(model)
    model.eval()
    folder = os.path.join(out, name)
    if bf16:
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.to(torch.bfloat16).to(torch.float32))
    model.save_pretrained(folder, safe_serialization=True)
    if bf16:
        from safetensors.torch import load_file
        path = os.path.join(folder, "model.safetensors")
        tensors = {k: v.to(torch.bfloat16) for k, v in load_file(path).items()}
        save_file(tensors, path, metadata={"format": "pt"})
    ids = torch.randint(0, vocab, (3, 7))
    kwargs = {"input_ids": ids, "output_hidden_states": True}
    ref = {"input_ids": ids.to(torch.int64)}
    if types:
        tt = torch.randint(0, types, (3, 7))
        kwargs["token_type_ids"] = tt
        ref["token_type_ids"] = tt.to(torch.int64)
    decoder = not name.startswith("bert")
    if decoder:
        kwargs["labels"] = ids
    with torch.no_grad():
        o = model(**kwargs)
    if decoder:
        ref["loss"] = o.loss.reshape(1).contiguous()
    if hasattr(o, "logits"):
        ref["logits"] = o.logits.reshape(21, -1).contiguous()
        ref["hidden"] = o.hidden_states[-1].reshape(21, -1).contiguous()
    else:
        ref["hidden"] = o.last_hidden_state.reshape(21, -1).contiguous()
    save_file(ref, os.path.join(folder, "reference.safetensors"))

bert = dict(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
            max_position_embeddings=16, type_vocab_size=2, attn_implementation="eager")
build("bert", tf.BertModel(tf.BertConfig(**bert)), 50, types=2)
build("bert-mlm", tf.BertForMaskedLM(tf.BertConfig(**bert)), 50, types=2)
build("gpt2", tf.GPT2LMHeadModel(tf.GPT2Config(vocab_size=60, n_embd=32, n_layer=2, n_head=4, n_positions=16,
                                                attn_implementation="eager")), 60, bf16=True)
build("llama-gqa", tf.LlamaForCausalLM(tf.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=40,
      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, rope_theta=500.0,
      tie_word_embeddings=False, attn_implementation="eager")), 64)
build("llama-tied", tf.LlamaForCausalLM(tf.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=40,
      num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2, head_dim=16,
      tie_word_embeddings=True, attention_bias=True, attn_implementation="eager")), 64)
print("ok")
"""#
}
