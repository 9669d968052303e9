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

/// The validation layer for data read from git and from evaluators and hooks (issue 11): every malformed
/// value is an `MgitError` naming what and where, never a trap.
@Suite struct HostileInputTests {
    static let blob = String(repeating: "ab", count: 20)

    /// A manifest JSON with one F32 tensor `w`, fields overridable.
    static func manifest(name: String = "w", shape: String = "[2,3]", bytes: String = "24", blob: String = blob,
                         path: String? = nil, extra: String = "") -> String {
        let path = path ?? "tensors/" + TensorPath.encode(name)
        let quotedName = String(decoding: try! JSONEncoder().encode(name), as: UTF8.self)
        return #"{"format":1,"metadata":{},"tensors":[{"name":\#(quotedName),"dtype":"F32","shape":\#(shape),"# +
            #""blob":"\#(blob)","path":"\#(path)","bytes":\#(bytes)}\#(extra)]}"#
    }

    static func decode(_ text: String) throws -> CheckpointManifest {
        try Array(text.utf8).withUnsafeBytes { try CheckpointManifest.decode($0, commit: String(repeating: "c", count: 40)) }
    }

    @Test func aValidManifestDecodes() throws {
        let m = try Self.decode(Self.manifest())
        #expect(m.tensors.count == 1 && m.byteCount == 24 && m.parameterCount == 6)
    }

    /// Each broken invariant is refused as `.corrupt` with the detail in the message.
    @Test(arguments: [
        (manifest(shape: "[4611686018427387904,4]", bytes: "0"), "more elements"),
        (manifest(shape: "[-2,-3]"), "negative dimension"),
        (manifest(bytes: "25"), "needs 24 bytes but the manifest says 25"),
        (manifest(blob: "zz"), "'zz'"),
        (manifest(path: "tensors/../../.mgit/hooks/x"), "expected 'tensors/w'"),
        (manifest(name: "a\u{0}b", shape: "[0]", bytes: "0"), "NUL"),
        (manifest(extra: #",{"name":"w","dtype":"F32","shape":[2,3],"blob":"\#(blob)","path":"tensors/w","bytes":24}"#),
         "listed twice"),
        // Two tensors of 2^62 bytes each: each fits Int, their sum does not.
        (manifest(shape: "[1152921504606846976]", bytes: "4611686018427387904",
                  extra: #",{"name":"v","dtype":"F32","shape":[1152921504606846976],"blob":"\#(blob)","path":"tensors/v","# +
                         #""bytes":4611686018427387904}"#), "more bytes than a 64-bit count"),
    ])
    func brokenManifestsAreRefused(_ text: String, _ detail: String) throws {
        let error = try #require(throws: MgitError.self) { try Self.decode(text) }
        #expect(error.code == .corrupt)
        #expect(error.message.contains("cccccccccccc") && error.message.contains(detail), "\(error.message)")
    }

    @Test func tensorNameRuleRefusesNULAndTheReservedKey() {
        #expect(CheckpointManifest.TensorNameRule.problem("layer.0\u{0}x") != nil)
        #expect(CheckpointManifest.TensorNameRule.problem("__metadata__") != nil)
        #expect(CheckpointManifest.TensorNameRule.problem("ünïcode/with spaces%") == nil)
    }

    @Test func operationRecordsAndMetricsAreValidated() throws {
        var record = OperationRecord(operation: "import", branch: "ma\u{0}in")
        #expect(throws: MgitError.self) { try record.validate(commit: "c") }
        record.branch = "main"
        record.sources = ["zz"]
        #expect(throws: MgitError.self) { try record.validate(commit: "c") }
        record.sources = [Self.blob]
        try record.validate(commit: "c")
        #expect(throws: MgitError.self) { try Metric.validate([Metric(name: "", value: 1)], where: "x") }
        #expect(throws: MgitError.self) { try Metric.validate([Metric(name: "a", value: .infinity)], where: "x") }
    }

    @Test(arguments: ["0x10", "0x1p4", "nan", "inf", "1_0", " ", "", "1e400"])
    func metricValuesMustBeDecimalFiniteNumbers(_ value: String) {
        #expect(throws: MgitError.self) { try Metric.parse("accuracy=\(value)") }
    }

    @Test func decimalMetricValuesParse() throws {
        #expect(try Metric.parse("a=0.5").value == 0.5)
        #expect(try Metric.parse("a=-1.25e-3").value == -1.25e-3)
        #expect(try Metric.parse("a=+7").value == 7)
    }

    @Test func reservedPathsAreRecognisedInAnyCase() {
        for name in [".mgit", ".MGIT", ".mgit.", ".Git", ".gitattributes", ".GITMODULES", "git~1", ".gitattributes "] {
            #expect(CommitTreeSchema.isReserved(name), "\(name)")
        }
        for name in ["mgit", "manifest.json", ".github", ".gitignore", "tensors"] {
            #expect(!CommitTreeSchema.isReserved(name), "\(name)")
        }
    }

    // MARK: Gates

    @Test func evaluationOnZeroSamplesIsAnError() throws {
        var c = Checkpoint()
        c["fc1.weight"] = Tensor(shape: [2, 2], floats: [1, -1, -1, 1])
        c["fc1.bias"] = Tensor(shape: [2], floats: [0, 0])
        let network = try makeNetwork(ArchitectureSpec.detect(from: c), c)
        let empty = Dataset(inputs: FloatMatrix(rows: 0, columns: 2, values: []), labels: [])
        let error = try #require(throws: MgitError.self) { try Evaluation.evaluate(network, empty) }
        #expect(error.message.contains("zero samples"))
        let one = Dataset(inputs: FloatMatrix(rows: 1, columns: 2, values: [1, 0]), labels: [0])
        #expect(throws: MgitError.self) { try Evaluation.evaluate(network, one, batch: 0) }
    }

    @Test(arguments: [
        (#"{"loss": -5}"#, "loss"),
        (#"{"loss": 0.3, "accuracy": 7}"#, "accuracy"),
        (#"{"loss": 0.3, "accuracy": -0.1}"#, "accuracy"),
        (#"{"loss": 1e999}"#, "loss"),
        (#"{"loss": 0.3, "examples": 0}"#, "at least one sample"),
        (#"{"loss": 0.0, "samples": 0}"#, "at least one sample"),
    ])
    func evaluatorFiguresOutOfRangeAreRefused(_ line: String, _ word: String) throws {
        let evaluator = ExternalEvaluator(command: "printf '%s\\n' '\(line)' #")
        let error = try #require(throws: MgitError.self) { try evaluator.evaluate(checkpointAt: "/dev/null") }
        #expect(error.message.contains(word), "\(error.message)")
    }

    @Test func anEvaluatorReportingSamplesIsAccepted() throws {
        let evaluator = ExternalEvaluator(command: #"echo '{"loss": 0.3, "accuracy": 1, "examples": 10}' #"#)
        let result = try evaluator.evaluate(checkpointAt: "/dev/null")
        #expect(result.loss == 0.3 && result.accuracy == 1 && result.extra["examples"] == 10)
    }

    /// A dangling link, a folder, and a `pre-merge.d` that is a file each count as a hook that rejects.
    @Test(arguments: ["dangling", "folder", "dotDFile", "nonExecutable"])
    func unrunnableHooksReject(_ kind: String) throws {
        let scratch = try ScratchRepository()
        let hooks = scratch.repository.hooksDirectory
        switch kind {
        case "dangling": #expect(symlink("/no/such/program", hooks + "/pre-merge") == 0)
        case "folder": try FileManager.default.createDirectory(atPath: hooks + "/pre-merge", withIntermediateDirectories: true)
        case "dotDFile": try scratch.hook("pre-merge.d", "#!/bin/sh\nexit 0\n")
        default: try scratch.hook("pre-merge", "#!/bin/sh\nexit 0\n", executable: false)
        }
        let outcomes = try HookRunner.run("pre-merge", in: try scratch.repository.hookContext(), payload: ["x": 1])
        #expect(outcomes.count == 1 && outcomes.allSatisfy { !$0.accepted }, "\(outcomes)")
        let error = try #require(HookRunner.rejection(outcomes))
        #expect(error.code == .rejected && error.message.contains("could not be run"), "\(error.message)")
    }
}
