import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitHooks
@testable import MgitMerge

/// mergekit 0.1.5 itself as the reference: a random-init Llama-shaped model (transformers) and two fine-tunes
/// made by perturbing it, merged by mergekit and by mgit from the same YAML config, for every deterministic
/// method. Skipped, with the reason printed, when Python lacks mergekit, torch or transformers.
@Suite struct MergekitPeerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The configs both tools run; model names are folders beside them. DARE runs at density 1 (no drops), the
    /// only setting in which its result does not depend on torch's random stream.
    static let configs: [String: String] = [
        "linear": """
            merge_method: linear
            models:
              - model: ft1
                parameters: {weight: 0.3}
              - model: ft2
                parameters: {weight: 0.9}
            dtype: float32
            """,
        "task_arithmetic": """
            merge_method: task_arithmetic
            base_model: base
            models:
              - model: ft1
                parameters: {weight: 0.7}
              - model: ft2
                parameters: {weight: 0.5}
            parameters: {lambda: 0.9}
            dtype: float32
            """,
        "ties": """
            merge_method: ties
            base_model: base
            models:
              - model: base
              - model: ft1
                parameters:
                  weight: 0.6
                  density: [0.3, 0.8]
              - model: ft2
                parameters:
                  weight: 0.4
                  density:
                    - filter: self_attn
                      value: 0.2
                    - value: 0.6
            dtype: float32
            """,
        "ties_unnormalized": """
            merge_method: ties
            base_model: base
            models:
              - model: ft1
                parameters: {weight: 1.0, density: 0.5}
              - model: ft2
                parameters: {weight: 1.0, density: 0.5}
            parameters: {normalize: false, lambda: 0.5}
            dtype: float32
            """,
        "dare_ties": """
            merge_method: dare_ties
            base_model: base
            models:
              - model: ft1
                parameters: {weight: 0.5, density: 1.0}
              - model: ft2
                parameters: {weight: 0.8, density: 1.0}
            dtype: float32
            """,
        "slerp": """
            merge_method: slerp
            base_model: ft1
            models:
              - model: ft1
              - model: ft2
            parameters:
              t:
                - filter: mlp
                  value: [0.2, 0.9]
                - value: 0.35
            dtype: float32
            """,
        "model_stock": """
            merge_method: model_stock
            base_model: base
            models:
              - model: ft1
              - model: ft2
            dtype: float32
            """,
    ]

    @Test func everyDeterministicMethodGivesMergekitsTensors() throws {
        let probe = run(["python3", "-c", "import mergekit, torch, transformers, safetensors"])
        guard probe.status == 0 else {
            print("MergekitPeerTests skipped: python3 cannot import mergekit, torch, transformers and safetensors "
                  + "(scripts/bootstrap --python installs them): \(probe.output.suffix(200))")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-mergekit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var paths: [String] = []
        for (name, text) in Self.configs.sorted(by: { $0.key < $1.key }) {
            let path = "\(dir)/\(name).yml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let peer = run(["python3", Self.root + "/scripts/mergekit-peer.py", "merge", dir] + paths + ["--make-models"],
                       environment: ["OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"])
        try #require(peer.status == 0, "mergekit failed: \(peer.output.suffix(2000))")

        for (name, text) in Self.configs.sorted(by: { $0.key < $1.key }) {
            let recipe = try MergeRecipe(mergekitYAML: text)
            func model(_ n: String) throws -> SafeTensorsReader { try SafeTensorsReader(path: "\(dir)/\(n)/model.safetensors") }
            let (ours, report) = try CheckpointMerge(recipe: recipe).merge(
                base: try recipe.base.map(model), inputs: try recipe.inputs.map { try model($0.model) })
            let theirs = try SafeTensorsReader(path: "\(dir)/\(name).mergekit.safetensors").checkpoint()
            #expect(Set(ours.names) == Set(theirs.names), "\(name)")
            #expect(report.merged.count == ours.names.count, "\(name): every tensor changed on both sides")
            var worst = 0.0
            for tensorName in theirs.names {
                guard let a = ours[tensorName], let b = theirs[tensorName] else { continue }
                #expect(a.dtype == .f32 && a.shape == b.shape, "\(name) \(tensorName)")
                let x = a.floats(), y = b.floats()
                let scale = max(1e-3, y.map { abs(Double($0)) }.max() ?? 0)
                for i in 0..<min(x.count, y.count) {
                    worst = max(worst, abs(Double(x[i]) - Double(y[i])) / scale)
                }
            }
            // Float32 rounding of a few operations, relative to each tensor's largest value.
            print("mergekit peer: \(name): largest difference \(worst) of the tensor's scale")
            #expect(worst < 2e-6, "\(name): largest difference \(worst) of the tensor's scale")
        }
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
