import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// mgit's own record of the lock files it is about to make libgit2 create, so that a later mgit writer can
/// remove exactly those a killed mgit process left behind, and never a lock another program holds.
///
/// Each writing process keeps one journal per repository, `<git dir>/mgit-locks/<pid>-<random>`, and holds an
/// exclusive `flock` on it until it exits (the kernel releases it when the process dies, even by SIGKILL).
/// Before a call that takes a lock (a ref update, HEAD, the index), the process writes that lock's path into
/// its journal, and clears it when the call returns. A journal whose `flock` can be taken belongs to a dead
/// process: the locks it lists are removed (an entry ending in `/` stands for every `*.lock` under a folder
/// only mgit writes, `refs/mgit/`), then the journal. A lock that no journal lists, such as one held by a
/// `git commit` with its editor open or a `git update-ref --stdin`, is never touched (docs/SECURITY.md).
package enum LockJournal {
    /// This process's open journals, by git directory. `nonisolated(unsafe)` is safe: mgit writes from its one
    /// command thread (``GitRepository`` is not `Sendable`).
    nonisolated(unsafe) private static var journals: [String: Int32] = [:]

    static func folder(_ gitDirectory: String) -> String { gitDirectory + "mgit-locks" }

    /// Runs `body` with `locks` (paths relative to `gitDirectory`) recorded as this process's.
    package static func recording<R>(_ locks: [String], in gitDirectory: String, _ body: () throws -> R) rethrows -> R {
        guard let fd = journal(for: gitDirectory) else { return try body() }
        write(locks.map { gitDirectory + $0 }, to: fd)
        defer { write([], to: fd) }
        return try body()
    }

    /// Removes the locks that dead mgit processes recorded in `gitDirectory`, and their journals; returns the
    /// locks removed. Best effort: what cannot be read or removed is left for the next writer.
    @discardableResult
    package static func sweep(_ gitDirectory: String) -> [String] {
        let fm = FileManager.default
        let dir = folder(gitDirectory)
        var removed: [String] = []
        for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where !name.hasPrefix(".") {
            let path = dir + "/" + name
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }   // its writer is alive (this one too)
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for entry in text.split(separator: "\n").map(String.init) where entry.hasPrefix(gitDirectory) {
                if entry.hasSuffix("/") {
                    for file in (fm.enumerator(atPath: entry)?.allObjects as? [String] ?? []) where file.hasSuffix(".lock") {
                        if unlink(entry + file) == 0 { removed.append(entry + file) }
                    }
                } else if entry.hasSuffix(".lock"), unlink(entry) == 0 {
                    removed.append(entry)
                }
            }
            unlink(path)
        }
        return removed
    }

    /// This process's journal for `gitDirectory`, created on first use; nil when it cannot be made (a
    /// read-only repository, where no lock will be taken either).
    private static func journal(for gitDirectory: String) -> Int32? {
        if let fd = journals[gitDirectory] { return fd }
        let dir = folder(gitDirectory)
        mkdir(dir, 0o755)
        let name = "\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        // Locked under a name no sweeper reads, then renamed into place: a sweeper never sees it unlocked.
        let temporary = dir + "/." + name
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(temporary, dir + "/" + name) == 0 else {
            close(fd); unlink(temporary); return nil
        }
        journals[gitDirectory] = fd
        return fd
    }

    private static func write(_ paths: [String], to fd: Int32) {
        let text = paths.map { $0 + "\n" }.joined()
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }
}
