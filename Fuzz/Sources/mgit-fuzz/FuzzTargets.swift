import Foundation
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge

/// One libFuzzer entry point for every parser of outside data; `MGIT_FUZZ_TARGET` picks the parser.
///
/// Each target feeds the bytes to the parser exactly as mgit receives them (a file, a git blob, a line of an
/// evaluator's output). A thrown `MgitError` is the expected answer to bad input; a trap, a hang or a
/// sanitizer report is a finding.
enum FuzzTarget: String, CaseIterable {
    /// `SafeTensorsHeader.validate`: a whole safetensors file.
    case safetensors
    /// `CheckpointManifest.decode` (with its validation): a `manifest.json` blob.
    case manifest
    /// `OperationRecord` decoding and validation: an `operation.json` blob.
    case operation
    /// `MetricsNote.decode` and metric validation: a note under `refs/notes/mgit-metrics`.
    case note
    /// `PermutationSpec(json:)`: `--spec` files and `permutation-spec.json` blobs.
    case spec
    /// `ExternalEvaluator.parse`: the last line an evaluator prints.
    case evaluator
    /// `CommitTrailers.parse`: a commit message.
    case trailers
    /// `MergeRecipe(mergekitYAML:)` and per-tensor parameter resolution: a `--config` file or a commit's
    /// `mergekit_config.yml`.
    case config

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["MGIT_FUZZ_TARGET"] ?? "safetensors"
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("unknown MGIT_FUZZ_TARGET '\(name)'; one of \(allCases.map(\.rawValue))\n".utf8))
            exit(2)
        }
        return target
    }()

    static let commit = String(repeating: "0", count: 40)
    static let externalEvaluator = ExternalEvaluator(command: "fuzz")

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .safetensors:
            _ = try? SafeTensorsHeader.validate(bytes, path: "fuzz.safetensors")
        case .manifest:
            if let manifest = try? CheckpointManifest.decode(bytes, commit: Self.commit) {
                // Everything later code does with a decoded manifest must be safe now.
                _ = manifest.parameterCount &+ manifest.byteCount
                for t in manifest.tensors { _ = try? t.blobID; _ = TensorEntry(name: t.name, dtype: t.dtype, shape: t.shape) }
            }
        case .operation:
            if let record = try? JSONDecoder().decode(OperationRecord.self, from: Data(bytes)) {
                try? record.validate(commit: Self.commit)
            }
        case .note:
            if let note = try? MetricsNote.decode(String(decoding: bytes, as: UTF8.self), commit: Self.commit) {
                try? Metric.validate(note.metrics, where: "fuzz")
            }
        case .spec:
            _ = try? PermutationSpec(json: String(decoding: bytes, as: UTF8.self))
        case .evaluator:
            _ = try? Self.externalEvaluator.parse(String(decoding: bytes, as: UTF8.self), stderr: "")
        case .trailers:
            _ = CommitTrailers.parse(String(decoding: bytes, as: UTF8.self))
        case .config:
            if let recipe = try? MergeRecipe(mergekitYAML: String(decoding: bytes, as: UTF8.self)) {
                // What a merge does with a recipe it accepted: resolve every parameter for a tensor, write it back.
                _ = try? recipe.parameters(forTensor: "model.layers.1.mlp.down_proj.weight", layers: 3)
                _ = recipe.mergekitYAML()
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzTarget.selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver (compiler-rt): runs the fuzzing loop over `callback` with libFuzzer's own flags.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable target with its entry point renamed to `<module>_main` (so tests can link the
/// module); with `-parse-as-library` there is no Swift main, so this is it: hand over to libFuzzer's driver.
@_cdecl("mgit_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return fuzzOneInput(data, size)
    }
}
