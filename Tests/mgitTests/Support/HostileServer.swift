import Foundation
import Testing

/// A bare repository that a hostile collaborator controls, reached over file:// or a real `git daemon`.
///
/// It starts with one honest mgit commit on `main` (pushed by mgit from a seed repository); the tests then
/// plant hostile objects and refs with plain git plumbing (`hash-object`, `mktree`, `commit-tree`,
/// `update-ref`, `fast-import`), exactly as anyone with push access could.
final class HostileServer {
    let dir: TemporaryDirectory
    let daemon: GitDaemon?
    let bare: String
    let url: String
    /// The honest commit on `main`.
    private(set) var base = ""
    /// A file every planted hook or evaluator would create: it must never appear.
    var marker: String { dir.file("PWNED") }

    init(_ transport: Transport) throws {
        dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("srv"), withIntermediateDirectories: true)
        bare = dir.file("srv/hostile.git")
        try Self.expectOK(MgitProcess.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", bare], in: dir.path))
        switch transport {
        case .path: daemon = nil; url = bare
        case .fileURL: daemon = nil; url = "file://" + bare
        case .gitDaemon: daemon = try GitDaemon(basePath: dir.file("srv")); url = daemon!.url("hostile.git")
        }
        let seed = dir.file("seed")
        try mgitOK(["init", seed], in: dir.path)
        let file = dir.file("base.safetensors")
        try Fixtures.write(Fixtures.checkpoint(seed: 1, hidden: 4), to: file)
        try mgitOK(["commit", file, "-m", "base"], in: seed)
        try mgitOK(["remote", "add", "origin", bare], in: seed)
        try mgitOK(["push"], in: seed)
        base = try git(["rev-parse", "main"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Plumbing in the bare repository

    @discardableResult
    func git(_ args: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let r = try MgitProcess.run("/usr/bin/git", args, in: bare, stdin: stdin.map { Data($0.utf8) })
        #expect(r.status == 0, "git \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    func blob(_ text: String) throws -> String {
        try git(["hash-object", "-w", "--stdin"], stdin: text).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `git mktree` from `mode type id name` entries.
    func tree(_ entries: [(mode: String, id: String, name: String)]) throws -> String {
        let lines = entries.map { "\($0.mode) \($0.mode == "040000" ? "tree" : "blob") \($0.id)\t\($0.name)\n" }.joined()
        return try git(["mktree"], stdin: lines).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The entries of a tree, as `mktree` takes them.
    func entries(of treeish: String) throws -> [(mode: String, id: String, name: String)] {
        try git(["ls-tree", treeish]).stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            let fields = parts[0].split(separator: " ")
            return (String(fields[0]), String(fields[2]), String(parts[1]))
        }
    }

    /// A commit of `tree` on top of the honest base, with an mgit-looking message.
    func commit(_ tree: String, message: String = "import\n\nMgit-Operation: import\n") throws -> String {
        try git(["commit-tree", tree, "-p", base, "-m", message]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func setRef(_ ref: String, _ id: String) throws { try git(["update-ref", ref, id]) }

    /// The honest base's tree with `root` entries replaced or added.
    func baseTree(replacing root: [(mode: String, id: String, name: String)]) throws -> String {
        var entries = try self.entries(of: base + "^{tree}").filter { e in !root.contains { $0.name == e.name } }
        entries += root
        return try tree(entries)
    }

    /// The honest manifest with `edit` applied to its first tensor entry.
    func editedManifest(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let text = try git(["cat-file", "blob", base + ":manifest.json"]).stdout
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var tensors = try #require(manifest["tensors"] as? [[String: Any]])
        edit(&tensors[0])
        manifest["tensors"] = tensors
        return String(decoding: try JSONSerialization.data(withJSONObject: manifest), as: UTF8.self)
    }

    // MARK: Running mgit

    func mgit(_ args: [String], in directory: String) throws -> CommandResult {
        try MgitProcess.run(MgitProcess.binary, args, in: directory, environment: ["OPENBLAS_NUM_THREADS": "1"])
    }

    @discardableResult
    func mgitOK(_ args: [String], in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let r = try mgit(args, in: directory)
        #expect(r.status == 0, "mgit \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    private static func expectOK(_ r: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
    }

    /// A clean refusal: an exit status below 128 (no signal) and not 0, and exactly one `error:` line, which
    /// contains every one of `naming`.
    static func expectRefusal(_ r: CommandResult, naming: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0 && r.status < 128, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        for word in naming {
            #expect(errors.first?.contains(word) == true, "'\(word)' not in: \(r.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// The local repository still works in full: log, reindex, `git fsck --strict`, SQLite's integrity check,
    /// and a new commit; and nothing planted ran.
    func expectUsable(_ repo: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try mgitOK(["log"], in: repo, sourceLocation: sourceLocation)
        try mgitOK(["reindex"], in: repo, sourceLocation: sourceLocation)
        let file = dir.file("after.safetensors")
        try Fixtures.write(Fixtures.checkpoint(seed: 9, hidden: 4), to: file)
        try mgitOK(["commit", file, "-m", "after", "--branch", "after-\(UUID().uuidString.prefix(8))"], in: repo,
                   sourceLocation: sourceLocation)
        try StoreAudit.expectSound(repo, sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: marker), "a planted program ran", sourceLocation: sourceLocation)
    }
}
