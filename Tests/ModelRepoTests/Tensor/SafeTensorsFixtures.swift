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

/// A fresh folder under the system temporary directory; a test removes it with `defer { folder.remove() }`.
///
/// Removal is explicit rather than in a `deinit`: an optimised build may release the folder right after its
/// last use, before the test has finished with the files in it.
struct TensorScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-tensor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    /// Deletes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `name` inside the folder.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The bytes of `name`.
    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// The names of the files in the folder, sorted.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// A safetensors file put together byte by byte: the length of `header` as 8 little-endian bytes, the header's
/// UTF-8 bytes as given (no padding added), then `data`. Independent of mgit's writer.
func handBuiltSafeTensors(header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return littleEndianBytes(UInt64(json.count)) + json + data
}

/// The 8 little-endian bytes of `value`, spelled out by shifting.
func littleEndianBytes(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

/// Bytes `0, 1, 2, …` (mod 256), `count` of them, so that misplaced data shows.
func countingBytes(_ count: Int, from start: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: start + $0) }
}

/// Runs `body` and returns the `MgitError` it throws; records an issue if it throws nothing or something else.
func mgitError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> MgitError? {
    do {
        try body()
        Issue.record("expected an MgitError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MgitError {
        return error
    } catch {
        Issue.record("expected an MgitError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A small seeded generator (SplitMix64) so that "random" test data is the same on every run.
struct SeededBytes: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var word: UInt64 = 0
        for index in 0..<count {
            if index % 8 == 0 { word = next() }
            out[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
        }
        return out
    }
}
