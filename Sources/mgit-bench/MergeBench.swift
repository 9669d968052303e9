import ArgumentParser
import Foundation
import ModelRepo

/// Times mgit's merge methods beside mergekit 0.1.5 on the same Llama-shaped base and fine-tunes.
struct MergeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Time mgit's merge methods beside mergekit on a random-init Llama-shaped model and two fine-tunes.",
        discussion: """
            scripts/mergekit-peer.py makes the models (transformers, float32) and runs mergekit (CPU torch, \
            OMP_NUM_THREADS=1 unless set) on one config per method; mgit merges the same files with the same \
            configs, safetensors to safetensors. Times are each tool's merge alone, files in and out, best of \
            --repeats for mgit (mergekit runs once: its time excludes Python's start and imports, printed apart). \
            'max diff' is the largest difference between the two results relative to each tensor's largest value; \
            DARE draws from different random streams in the two tools, so its row shows no comparison.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Methods (mergekit spellings).")
    var methods: [String] = ["linear", "task_arithmetic", "ties", "dare_ties", "slerp", "model_stock"]

    @Option(name: .long, help: "Hidden size of the Llama-shaped model.") var hidden = 768
    @Option(name: .long, help: "Layers.") var layers = 6
    @Option(name: .long, help: "MLP width.") var intermediate = 2048
    @Option(name: .long, help: "Vocabulary size.") var vocab = 8000
    @Option(name: .long, help: "Timed mgit runs per method; the best is reported.") var repeats = 3
    @Option(name: .long, help: "The peer script.") var script = "scripts/mergekit-peer.py"
    @Option(name: .long, help: "Scratch folder (default: a new temporary one, removed afterwards); models in it are reused.")
    var dir: String?
    @Flag(name: .long, help: "Time mgit only (compare with mergekit results already in --dir).")
    var mgitOnly = false

    func run() throws {
        print("load: \(loadAverage());  OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
        let scratch = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("mgit-merge-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let script = URL(fileURLWithPath: self.script).path
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchError("\(script) not found: run mgit-bench from the repository's top folder or pass --script")
        }

        if !FileManager.default.fileExists(atPath: scratch + "/ft2/model.safetensors") {
            let make = try MeasuredProcess.run(["/usr/bin/env", "python3", script, "models", scratch, "--hidden", "\(hidden)",
                                                "--layers", "\(layers)", "--intermediate", "\(intermediate)", "--vocab", "\(vocab)"],
                                               in: scratch, quiet: false)
            guard make.status == 0 else { throw BenchError("making the models failed (python3 with torch and transformers?)") }
        }
        let base = try SafeTensorsReader(path: scratch + "/base/model.safetensors")
        let parameters = base.entries.reduce(0) { $0 + $1.elementCount }
        print("model: Llama-shaped, hidden \(hidden), \(layers) layers, MLP \(intermediate), vocabulary \(vocab): "
              + "\(parameters) parameters, \(base.entries.count) tensors, float32, \(parameters * 4 / 1_000_000) MB per model")

        var configPaths: [String] = []
        for method in methods {
            let path = "\(scratch)/\(method).yml"
            try Self.config(method).write(toFile: path, atomically: true, encoding: .utf8)
            configPaths.append(path)
        }
        var mergekitSeconds: [String: Double] = [:]
        if !mgitOnly {
            let log = scratch + "/mergekit.log"
            let peer = try MeasuredProcess.run(["/bin/sh", "-c", "exec /usr/bin/env python3 \"$@\" > \"\(log)\" 2>&1", "sh", script,
                                                "merge", scratch] + configPaths, in: scratch)
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            guard peer.status == 0 else { throw BenchError("mergekit failed:\n\(output.suffix(2000))") }
            for line in output.split(separator: "\n") where line.hasPrefix("{") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   let name = object["config"] as? String, let seconds = object["seconds"] as? Double {
                    mergekitSeconds[name] = seconds
                }
            }
            let merged = mergekitSeconds.values.reduce(0, +)
            print(String(format: "mergekit process: %.1f s wall (%.1f s merging, the rest Python's start and imports), peak RSS %d MB",
                         peer.seconds, merged, peer.peakBytes / 1_000_000))
        }
        print("method            mergekit s    mgit s   speed-up   max diff")
        for method in methods {
            let recipe = try MergeRecipe(mergekitYAML: Self.config(method))
            func path(_ name: String) -> String { "\(scratch)/\(name)/model.safetensors" }
            var best = Double.infinity
            for _ in 0..<repeats {
                let start = Date()
                try CheckpointMerge(recipe: recipe).merge(basePath: recipe.base.map(path), inputPaths: recipe.inputs.map { path($0.model) },
                                                          to: "\(scratch)/\(method).mgit.safetensors")
                best = min(best, Date().timeIntervalSince(start))
            }
            let theirs = mergekitSeconds[method] ?? .nan
            var difference = "-"
            if !recipe.method.isRandom && FileManager.default.fileExists(atPath: "\(scratch)/\(method).mergekit.safetensors") {
                difference = String(format: "%.1e", try Self.largestDifference("\(scratch)/\(method).mgit.safetensors",
                                                                             "\(scratch)/\(method).mergekit.safetensors"))
            }
            print(pad(method, 16, left: true) + pad(String(format: "%.3f", theirs), 12) + pad(String(format: "%.3f", best), 10)
                  + pad(String(format: "%.1f×", theirs / best), 11) + pad(difference, 11))
        }
    }

    /// One config per method, both fine-tunes weighted and (TIES, DARE) sparsified.
    static func config(_ method: String) -> String {
        let head = "merge_method: \(method)\ndtype: float32\n"
        switch method {
        case "linear":
            return head + "models:\n  - model: ft1\n    parameters: {weight: 0.4}\n  - model: ft2\n    parameters: {weight: 0.6}\n"
        case "slerp":
            return head + "base_model: ft1\nmodels:\n  - model: ft1\n  - model: ft2\nparameters: {t: 0.4}\n"
        case "task_arithmetic":
            return head + "base_model: base\nmodels:\n  - model: ft1\n    parameters: {weight: 0.6}\n"
                + "  - model: ft2\n    parameters: {weight: 0.4}\nparameters: {lambda: 0.9}\n"
        case "model_stock":
            return head + "base_model: base\nmodels:\n  - model: ft1\n  - model: ft2\n"
        default:
            return head + "base_model: base\nmodels:\n  - model: ft1\n    parameters: {weight: 0.6, density: 0.5}\n"
                + "  - model: ft2\n    parameters: {weight: 0.4, density: 0.5}\nseed: 1\n"
        }
    }

    static func largestDifference(_ a: String, _ b: String) throws -> Double {
        let x = try SafeTensorsReader(path: a), y = try SafeTensorsReader(path: b)
        var worst = 0.0
        for (i, entry) in x.entries.enumerated() {
            guard let j = y.index(of: entry.name) else { throw BenchError("\(entry.name) missing from mergekit's result") }
            let u = x.tensor(at: i).floats(), v = y.tensor(at: j).floats()
            let scale = max(1e-3, v.map { abs(Double($0)) }.max() ?? 0)
            for k in 0..<min(u.count, v.count) { worst = max(worst, abs(Double(u[k]) - Double(v[k])) / scale) }
        }
        return worst
    }
}

private func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - s.count))
    return left ? s + padding : padding + s
}
