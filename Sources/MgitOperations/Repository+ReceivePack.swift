import Foundation
import MgitInterop
import MgitStore

/// Pushing to a repository on this machine whose owner set receive hooks: the push goes through git's own
/// `receive-pack`, so the hooks run exactly as for any `git push` (docs/REMOTES.md, docs/SECURITY.md).
///
/// mgit's local fast path (``ObjectTransfer``) writes objects and refs straight into the other repository,
/// which is right for a plain shared folder but would skip the policy a team enforces centrally in
/// `pre-receive`, `update` or `proc-receive`, and the notifications of `post-receive` and `post-update`. When
/// the receiving repository has any of them, mgit runs `git push --atomic` instead: git quarantines the
/// objects, feeds the hooks their `old new ref` lines, and lands nothing when a hook refuses.
extension Repository {
    /// The hooks git runs on the receiving side of a push.
    static let receiveHookNames = ["pre-receive", "update", "proc-receive", "reference-transaction",
                                   "post-receive", "post-update", "push-to-checkout"]

    /// The receive hooks git would run in `target`: executable files in its `core.hooksPath` or `hooks/`.
    func receiveHooks(of target: GitRepository) -> [String] {
        var folder = target.gitDirectory + "hooks"
        if let custom = target.configString("core.hooksPath"), !custom.isEmpty {
            folder = custom.hasPrefix("/") ? custom : (target.isBare ? target.gitDirectory : target.workDirectory) + custom
        }
        return Self.receiveHookNames.filter { FileAccess.isExecutable(folder + "/" + $0) }
    }

    /// Runs `git push --atomic --porcelain <path> <specs>` from this repository; throws `.rejected` with git's
    /// reasons when the receiving side refuses (a hook, or a ref that moved), having changed nothing there.
    func pushThroughReceivePack(to path: String, specs: [String], remote: String) throws {
        guard let git = Self.gitExecutable() else {
            throw MgitError(.external, "the repository at '\(path)' has receive hooks, which only git's receive-pack runs, "
                            + "but no 'git' program is on PATH; install git, or remove the hooks there")
        }
        var environment = ProcessInfo.processInfo.environment
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"] {
            environment[key] = nil
        }
        let run = ChildProcess(executable: git, arguments: ["push", "--atomic", "--porcelain", "--quiet", path] + specs,
                               environment: environment, directory: root, timeout: 24 * 3600).run()
        guard !run.succeeded else { return }
        let said = (String(decoding: run.stdout, as: UTF8.self) + "\n" + String(decoding: run.stderr, as: UTF8.self))
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // Porcelain lines `!<tab>src:dst<tab>[remote rejected] (reason)`, and what the hook printed (`remote: …`).
        let reasons = said.filter { $0.hasPrefix("!") || $0.hasPrefix("remote:") }
            .map { $0.replacingOccurrences(of: "\t", with: " ") }
        let detail = (reasons.isEmpty ? said.filter { !$0.isEmpty }.suffix(2) : reasons.suffix(4)).joined(separator: "; ")
        throw MgitError(.rejected, "'\(remote)' (\(path)) refused the push through its receive hooks; nothing was changed "
                        + "there: \(detail.isEmpty ? "git push \(run.ending(timeout: 0))" : detail)")
    }

    /// `git` on PATH, or nil.
    private static func gitExecutable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { $0 + "/git" }.first { FileAccess.isExecutable($0) }
    }
}
