import Foundation

/// Something a command tolerated and went on past (an unreadable fetched commit skipped by the indexer, a
/// lineage update that failed after a commit landed): printed as one `warning: …` line on stderr, each
/// message once per process, so the command's own output and exit status stay what they were.
public enum MgitWarning {
    /// Messages already printed by this process. `nonisolated(unsafe)` is safe: mgit reaches it only from
    /// its one command thread (``Repository`` is not `Sendable`).
    nonisolated(unsafe) private static var printed = Set<String>()

    /// Prints `warning: <message>` on stderr unless this process printed it already.
    public static func emit(_ message: String) {
        guard printed.insert(message).inserted else { return }
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }
}
