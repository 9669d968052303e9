import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// ExternalEvaluator running real shell commands, and the numpy example evaluator in docs/examples.
@Suite struct ExternalEvaluatorTests {
    static func scratchFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-eval-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A path with a space and a quote reaches the command intact, both quoted in place and in MGIT_CHECKPOINT.
    @Test func successParsesTheLastLineAndKeepsExtraNumbers() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let checkpoint = folder + "/it's a model.safetensors"
        try Data("weights".utf8).write(to: URL(fileURLWithPath: checkpoint))
        let command = #"test "$(cat {checkpoint})" = weights && test "$(cat "$MGIT_CHECKPOINT")" = weights && "#
            + #"echo 'progress 50%' && echo '{"loss": 0.5, "accuracy": 0.75, "top5": 1, "name": "x"}' && echo"#
        let result = try ExternalEvaluator(command: command).evaluate(checkpointAt: checkpoint)
        #expect(result == EvaluatorResult(loss: 0.5, accuracy: 0.75, extra: ["top5": 1]))
    }

    @Test func commandWithoutPlaceholderGetsThePathAppended() throws {
        let evaluator = ExternalEvaluator(command: "python3 eval.py --fast")
        #expect(evaluator.commandLine(checkpointAt: "/tmp/a b") == "python3 eval.py --fast '/tmp/a b'")
        let quoted = ExternalEvaluator(command: "e {checkpoint} --again {checkpoint}")
        #expect(quoted.commandLine(checkpointAt: "x'y") == #"e 'x'\''y' --again 'x'\''y'"#)
    }

    @Test func accuracyIsOptional() throws {
        let result = try ExternalEvaluator(command: #"echo '{"loss": 2.25e-1}' #"#).evaluate(checkpointAt: "/dev/null")
        #expect(result == EvaluatorResult(loss: 0.225, accuracy: nil, extra: [:]))
    }

    @Test func nonZeroExitIsAnExternalErrorWithTheEndOfStderr() throws {
        let command = #"i=0; while [ $i -lt 20 ]; do echo "trace line $i" >&2; i=$((i+1)); done; exit 2 #"#
        let error = #expect(throws: MgitError.self) {
            try ExternalEvaluator(command: command).evaluate(checkpointAt: "/dev/null")
        }
        #expect(error?.code == .external)
        let message = error?.message ?? ""
        #expect(message.contains("'\(command)'"))
        #expect(message.contains("exited with status 2"))
        #expect(message.contains("trace line 19") && message.contains("trace line 15"))
        #expect(!message.contains("trace line 14"))
    }

    @Test func hangingEvaluatorTimesOut() throws {
        let error = #expect(throws: MgitError.self) {
            try ExternalEvaluator(command: "sleep 1000 #", timeout: 0.5).evaluate(checkpointAt: "/dev/null")
        }
        #expect(error?.code == .external)
        #expect(error?.message.contains("'sleep 1000 #'") == true)
        #expect(error?.message.contains("timed out after 0.5 s") == true)
    }

    @Test(arguments: [
        ("echo loss=0.5 #", "not a JSON object"),
        (#"echo '{"accuracy": 0.9}' #"#, "no numeric \"loss\""),
        (#"echo '{"loss": "0.5"}' #"#, "no numeric \"loss\""),
        (#"echo '{"loss": NaN}' #"#, "not a JSON object"),
        (#"echo '{"loss": 1, "accuracy": true}' #"#, "\"accuracy\" is true, not a number"),
        (#"echo '[1, 2]' #"#, "not a JSON object"),
        ("true #", "printed nothing on stdout"),
    ])
    func malformedOutputIsAnExternalError(command: String, expected: String) throws {
        let error = #expect(throws: MgitError.self) {
            try ExternalEvaluator(command: command).evaluate(checkpointAt: "/dev/null")
        }
        #expect(error?.code == .external)
        #expect(error?.message.contains("'\(command)'") == true)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func configuredReadsCommandAndTimeoutFromConfig() throws {
        let scratch = try ScratchRepository()
        #expect(try scratch.repository.externalEvaluator() == nil)
        try scratch.repository.setConfigValue("eval.command", "python3 eval.py {checkpoint}")
        try scratch.repository.setConfigValue("eval.timeout", "30")
        let fromConfig = try #require(try scratch.repository.externalEvaluator())
        #expect(fromConfig.command == "python3 eval.py {checkpoint}" && fromConfig.timeout == 30)
        let overridden = try #require(try scratch.repository.externalEvaluator(command: "other"))
        #expect(overridden.command == "other")
        try scratch.repository.setConfigValue("eval.timeout", "never")
        #expect(throws: MgitError.self) { try scratch.repository.externalEvaluator() }
    }

    // MARK: The numpy example (docs/examples/eval_mlp.py)

    static let hasNumpy: Bool = {
        let child = ChildProcess(executable: "/bin/sh", arguments: ["-c", "python3 -c 'import numpy'"],
                                 environment: ProcessInfo.processInfo.environment, directory: "/", timeout: 60)
        return child.run().succeeded
    }()

    /// Runs only where python3 with numpy is installed (it is on the project's machines).
    @Test(.enabled(if: hasNumpy, "needs python3 with numpy"))
    func numpyExampleEvaluatorMatchesAReferenceForwardPass() throws {
        // A 3-layer MLP 4 → 5 → 3 → 3 with weights from a fixed formula, on 7 examples.
        let sizes = [4, 5, 3, 3]
        var checkpoint = Checkpoint()
        var layers: [(w: [Float], b: [Float], out: Int, inp: Int)] = []
        for k in 0..<3 {
            let inp = sizes[k], out = sizes[k + 1]
            let w = (0..<(out * inp)).map { Float(sin(Double($0 * 7 + k * 3 + 1))) * 0.8 }
            let b = (0..<out).map { Float(cos(Double($0 + k * 5))) * 0.3 }
            checkpoint["fc\(k + 1).weight"] = Tensor(shape: [out, inp], floats: w)
            checkpoint["fc\(k + 1).bias"] = Tensor(shape: [out], floats: b)
            layers.append((w, b, out, inp))
        }
        let n = 7
        let inputs = (0..<(n * 4)).map { Float(cos(Double($0) * 1.3)) * 2 }
        let labels = (0..<n).map { Int64(($0 * 5) % 3) }
        var dataset = Checkpoint()
        dataset["inputs"] = Tensor(shape: [n, 4], floats: inputs)
        dataset["labels"] = Tensor(dtype: .i64, shape: [n], bytes: labels.flatMap { label in
            withUnsafeBytes(of: label.littleEndian) { Array($0) }
        })

        // Reference: naive loops in Double, log-sum-exp cross-entropy.
        var loss = 0.0, correct = 0
        for i in 0..<n {
            var x = (0..<4).map { Double(inputs[i * 4 + $0]) }
            for (index, layer) in layers.enumerated() {
                var y = [Double](repeating: 0, count: layer.out)
                for o in 0..<layer.out {
                    var s = Double(layer.b[o])
                    for j in 0..<layer.inp { s += Double(layer.w[o * layer.inp + j]) * x[j] }
                    y[o] = index < layers.count - 1 ? max(s, 0) : s
                }
                x = y
            }
            let top = x.max()!
            let logSum = top + log(x.reduce(0) { $0 + exp($1 - top) })
            loss += logSum - x[Int(labels[i])]
            if x.firstIndex(of: top) == Int(labels[i]) { correct += 1 }
        }
        loss /= Double(n)

        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SafeTensors.write(dataset, to: folder + "/data.safetensors")
        let script = packageRoot + "/docs/examples/eval_mlp.py"
        let evaluator = ExternalEvaluator(command: "python3 '\(script)' {checkpoint} data.safetensors", timeout: 120,
                                          directory: folder)
        let result = try evaluator.evaluate(checkpoint)
        #expect(abs(result.loss - loss) < 1e-5, "python \(result.loss), reference \(loss)")
        #expect(result.accuracy == Double(correct) / Double(n))
        #expect(result.extra == ["examples": Double(n)])
    }

    @Test func evaluatingACheckpointWritesSafetensorsAndRemovesThem() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var checkpoint = Checkpoint()
        checkpoint["w"] = Tensor(shape: [2], floats: [1.5, -2])
        let seen = folder + "/seen"
        let evaluator = ExternalEvaluator(command: #"echo "$MGIT_CHECKPOINT" > seen && cp {checkpoint} copy && "#
                                          + #"echo '{"loss": 1}'"#, directory: folder)
        #expect(try evaluator.evaluate(checkpoint).loss == 1)
        #expect(try SafeTensors.read(path: folder + "/copy") == checkpoint)
        let path = try String(contentsOfFile: seen, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(path.hasSuffix(".safetensors"))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent))
    }
}
