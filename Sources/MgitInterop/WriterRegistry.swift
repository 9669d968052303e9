import Foundation

/// Recovers from mgit writers that were killed while holding a lock file (`refs/heads/x.lock`): git never
/// removes such a file, so every later write to that ref would fail with "busy" forever.
///
/// Only locks that mgit's own record (``LockJournal``) shows were taken by an mgit process that has since died
/// are removed; a lock held by any other program, however old, is left alone (docs/SECURITY.md).
package enum WriterRegistry {
    /// The git directories this process has already swept. `nonisolated(unsafe)` is safe: only `register`,
    /// which mgit calls from its one command thread, touches it.
    nonisolated(unsafe) private static var swept: Set<String> = []

    /// Called by every writing command before it writes to the repository at `gitDirectory`: removes the lock
    /// files that dead mgit writers recorded there, once per process.
    package static func register(gitDirectory: String) {
        guard swept.insert(gitDirectory).inserted else { return }
        LockJournal.sweep(gitDirectory)
    }
}
