import Foundation
import MgitInterop
import MgitStore
import MgitLineage

/// An mgit repository: a git repository whose commits hold checkpoints, plus `.mgit/` (config, lineage
/// database, hooks). The public front end of ModelRepo: every CLI command calls one method of this type.
///
/// Not `Sendable`: it owns a libgit2 handle; open one per command (or per thread).
public final class Repository {
    /// The checkpoints as git holds them: the storage verbs (``CheckpointStore``).
    public let store: CheckpointStore
    /// The lineage database, an index of what git holds (``LineageStore``).
    package let lineage: LineageStore
    package let config: ConfigFile

    /// The top-level folder (holding `.git` and `.mgit`), with no trailing slash.
    public var root: String { store.root }
    package var git: GitRepository { store.git }

    /// The default branch of a new repository.
    public static let defaultBranch = "main"
    /// The notes ref holding metrics added after a commit (one JSON note per commit).
    package static var metricsNotesRef: String { CheckpointStore.metricsNotesRef }

    package var mgitDirectory: String { store.mgitDirectory }
    /// The folder holding hooks (`hooks.path` in config overrides it, like git's `core.hooksPath`).
    public var hooksDirectory: String {
        if let custom = config.string("hooks.path"), !custom.isEmpty {
            return custom.hasPrefix("/") ? custom : root + "/" + custom
        }
        return mgitDirectory + "/hooks"
    }

    private init(root: String, git: GitRepository, lineage: LineageStore, config: ConfigFile) {
        self.store = CheckpointStore(root: root, git: git)
        self.lineage = lineage
        self.config = config
    }

    /// Creates a repository at `path` (made if missing): git with default branch `main`, and `.mgit/`.
    ///
    /// An existing git or mgit repository at `path` is an error and is left untouched.
    public static func create(at path: String) throws -> Repository {
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        let fm = FileManager.default
        for marker in [".git", ".mgit"] where fm.fileExists(atPath: root + "/" + marker) {
            throw MgitError(.alreadyExists, "'\(root)' is already a \(marker == ".git" ? "git" : "mgit") repository; "
                            + "nothing was changed")
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: root, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw MgitError(.alreadyExists, "'\(root)' is a file, not a folder")
        }
        let git = try GitRepository.create(at: root, initialBranch: defaultBranch)
        do {
            try fm.createDirectory(atPath: root + "/.mgit/hooks", withIntermediateDirectories: true)
            _ = fm.createFile(atPath: root + "/.mgit/config", contents: Data("# mgit settings (git-config syntax)\n".utf8))
            // mgit keeps its own files out of git's view of the working folder.
            let exclude = git.gitDirectory + "info/exclude"
            try? fm.createDirectory(atPath: git.gitDirectory + "info", withIntermediateDirectories: true)
            let existing = (try? String(contentsOfFile: exclude, encoding: .utf8)) ?? ""
            try (existing + "/.mgit/\n").write(toFile: exclude, atomically: true, encoding: .utf8)
            let config = try ConfigFile(path: root + "/.mgit/config")
            let lineage = try LineageStore(path: root + "/.mgit/lineage.sqlite")
            try lineage.replaceNoteMetrics([:], notesCommit: nil)
            let repo = Repository(root: root, git: git, lineage: lineage, config: config)
            try repo.installHookSamples()
            return repo
        } catch {
            // A half-made repository is worse than none: remove what this call created.
            try? fm.removeItem(atPath: root + "/.mgit")
            try? fm.removeItem(atPath: root + "/.git")
            throw error
        }
    }

    /// Opens the repository containing `path` (default: the current folder), searching upwards like git.
    ///
    /// Brings the lineage database up to date with git first (see ``LineageStore``).
    public static func open(at path: String? = nil) throws -> Repository {
        let start = URL(fileURLWithPath: path ?? FileManager.default.currentDirectoryPath).standardizedFileURL
        var dir = start
        let fm = FileManager.default
        while true {
            if fm.fileExists(atPath: dir.path + "/.mgit") && fm.fileExists(atPath: dir.path + "/.git") { break }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path {
                throw MgitError(.notFound, "'\(start.path)' is not inside an mgit repository: "
                                + "run 'mgit init' to make one, or 'mgit clone URL' to copy one")
            }
            dir = parent
        }
        let root = dir.path
        let git = try GitRepository.open(at: root)
        let writable = fm.isWritableFile(atPath: root + "/.mgit")
        let lineage = try LineageStore(path: root + "/.mgit/lineage.sqlite", readOnly: !writable)
        let config = try ConfigFile(path: root + "/.mgit/config")
        let repo = Repository(root: root, git: git, lineage: lineage, config: config)
        if writable { try repo.catchUpLineage() }
        return repo
    }

    /// Fails early, with one clear message, when the repository cannot be written.
    package func requireWritable(_ what: String) throws { try store.requireWritable(what) }

    /// Brings the lineage database up to date with git (see ``LineageStore/catchUp(from:)``).
    package func catchUpLineage() throws { try lineage.catchUp(from: store) }

    // MARK: Config

    /// A setting from `.mgit/config` (`merge.maxBarrier`), or nil.
    public func configValue(_ key: String) -> String? { config.string(key) }

    /// Sets a setting in `.mgit/config`.
    public func setConfigValue(_ key: String, _ value: String) throws { try config.set(key, value) }

    /// Removes a setting from `.mgit/config`.
    public func removeConfigValue(_ key: String) throws { try config.remove(key) }

    /// Every setting in `.mgit/config`.
    public func configEntries() throws -> [(key: String, value: String)] { try config.entries() }
}
