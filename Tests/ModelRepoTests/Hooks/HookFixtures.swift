import Foundation
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// A real mgit repository in a temporary folder, removed when the test drops it.
final class ScratchRepository {
    let path: String
    let repository: Repository

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-hooks-\(UUID().uuidString)").path
        repository = try Repository.create(at: path)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes an executable (or not) file under the hooks folder, e.g. `pre-merge.d/10-check`.
    @discardableResult
    func hook(_ relativePath: String, _ script: String, executable: Bool = true) throws -> String {
        let file = repository.hooksDirectory + "/" + relativePath
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: file)
        return file
    }

    func file(_ name: String) -> String { path + "/" + name }

    func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }
}

/// The repository root of this package, for files such as hooks/ and docs/examples/.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// Whether process `pid` is gone: no /proc entry, or a zombie waiting only to be reaped.
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    // Field 3, after the parenthesised command name, is the state.
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state == "Z" || state == "X"
}
