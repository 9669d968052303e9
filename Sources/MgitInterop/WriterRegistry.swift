import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells whether other mgit writers are alive, through `flock` on `.mgit/writers.lock`: every writing
/// process holds it shared until it exits, and the kernel releases it when a process dies, even by SIGKILL.
///
/// Used to recover from a writer killed while holding a libgit2 lock file (`refs/heads/x.lock`): git never
/// removes such a file, so every later write to that ref would fail with "busy" forever. A process that
/// gets the lock exclusively knows no other mgit process runs, so a lock file old enough that no plain git
/// process can still be writing it (git holds a ref lock for milliseconds) was left by a dead writer.
package enum WriterRegistry {
    /// How old a lock file must be, when no other mgit writer runs, to be taken for a dead writer's.
    package static let staleLockAge: TimeInterval = 0.1

    /// The open descriptors of the registries this process joined, held until it exits.
    /// `nonisolated(unsafe)` is safe: only `register`, which mgit calls from its one command thread, touches it.
    nonisolated(unsafe) private static var descriptors: [String: Int32] = [:]

    /// Registers this process as a writer of the repository whose registry file is `registry`
    /// (`.mgit/writers.lock`, or `mgit-writers.lock` in a bare remote's git folder); when it is the only one,
    /// first removes lock files that killed writers left in `gitDirectory`.
    package static func register(registry: String, gitDirectory: String) {
        guard descriptors[registry] == nil else { return }
        let fd = open(registry, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            removeStaleLocks(gitDirectory)
        }
        // Converting to shared (or taking it shared) waits at most for another process's sweep.
        SystemCall.retryingOnInterrupt { flock(fd, LOCK_SH) }
        descriptors[registry] = fd
    }

    private static func removeStaleLocks(_ gitDirectory: String) {
        let fm = FileManager.default
        var candidates = ["HEAD.lock", "index.lock", "packed-refs.lock"].map { gitDirectory + $0 }
        for folder in ["refs", "logs/refs"] {
            let base = gitDirectory + folder
            for name in (fm.enumerator(atPath: base)?.allObjects as? [String] ?? []) where name.hasSuffix(".lock") {
                candidates.append(base + "/" + name)
            }
        }
        func modified(_ path: String) -> Date? { (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date }
        let found = candidates.compactMap { path in modified(path).map { (path, $0) } }
        guard !found.isEmpty else { return }
        // A lock younger than staleLockAge may belong to a plain git process still writing it, or to a writer
        // killed a moment ago (a rerun straight after a crash): wait until it is old enough, then remove it only
        // if it is still the same file — a live git process would have renamed or removed it by then.
        let youngest = found.map { Date().timeIntervalSince($0.1) }.min() ?? staleLockAge
        if youngest < staleLockAge { SystemCall.pause(staleLockAge - youngest + 0.001) }
        for (path, mtime) in found where modified(path) == mtime {
            try? fm.removeItem(atPath: path)
        }
    }
}
