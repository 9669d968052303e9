import Foundation
import MgitHooks

/// The one refusal contract of every hook-gated operation (rebase, merge, ...): the operation asks the hooks and
/// records their verdict in its report (`accepted`, `rejectedBy`, `hooks`); it never throws for a refusal, and the
/// CLI turns a refusal into its exit status.
package struct HookGate {
    /// Every hook's outcome, in run order.
    package var hooks: [HookOutcome] = []
    /// The names of whatever refused: a policy (`merge.maxBarrier`) or hooks (`pre-merge.d/max-loss-barrier`).
    package var rejectedBy: [String] = []
    package var accepted: Bool { rejectedBy.isEmpty }

    /// Runs the `hook` hooks of `repo` with `payload` on stdin and `environment` set.
    package static func ask(_ hook: String, in repo: Repository, payload: some Encodable,
                            environment: [String: String]) throws -> HookGate {
        let outcomes = try HookRunner.run(hook, in: try repo.hookContext(), payload: payload, environment: environment)
        return HookGate(hooks: outcomes, rejectedBy: outcomes.filter { !$0.accepted }.map(\.displayName))
    }

    /// A refusal by a policy, before any hook runs.
    package static func refusedByPolicy(_ name: String) -> HookGate { HookGate(hooks: [], rejectedBy: [name]) }
}
