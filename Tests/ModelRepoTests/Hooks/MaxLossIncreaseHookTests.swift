import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitHooks
@testable import MgitMerge

/// The `max-loss-increase` sample hook, run as mgit runs it: a shell script reading the merge's environment.
@Suite struct MaxLossIncreaseHookTests {
    @Test(arguments: [
        // Two inputs: the merge may not be worse than the worse one (default maximum 0).
        (["MGIT_MERGED_LOSS": "0.50", "MGIT_LOSS_A": "0.40", "MGIT_LOSS_B": "0.55"], true, "within 0 of the worst input's 0.55"),
        (["MGIT_MERGED_LOSS": "0.60", "MGIT_LOSS_A": "0.40", "MGIT_LOSS_B": "0.55"], false, "0.05 above the worst input's 0.55"),
        // The limit from the environment.
        (["MGIT_MERGED_LOSS": "0.60", "MGIT_LOSS_A": "0.40", "MGIT_LOSS_B": "0.55", "MGIT_MAX_LOSS_INCREASE": "0.1"], true, "within 0.1"),
        // N-way: every input's loss; the worst is the third.
        (["MGIT_MERGED_LOSS": "0.70", "MGIT_INPUT_LOSSES": "0.4 0.5 0.7", "MGIT_LOSS_A": "0.4", "MGIT_LOSS_B": "0.5"], true, "worst input's 0.7"),
        (["MGIT_MERGED_LOSS": "0.71", "MGIT_INPUT_LOSSES": "0.4 0.5 0.7"], false, "above the worst input's 0.7"),
        // An unchecked merge, or one without figures, is refused with the reason.
        (["MGIT_UNCHECKED": "1", "MGIT_MERGED_LOSS": "0.1", "MGIT_LOSS_A": "0.4"], false, "--no-check"),
        (["MGIT_LOSS_A": "0.4", "MGIT_LOSS_B": "0.5"], false, "no loss was measured for the merged model"),
        (["MGIT_MERGED_LOSS": "0.4"], false, "no input's loss is known"),
        (["MGIT_MERGED_LOSS": "0.4", "MGIT_LOSS_A": "x"], false, "'x' is not a number"),
        (["MGIT_MERGED_LOSS": "0.4", "MGIT_LOSS_A": "0.5", "MGIT_MAX_LOSS_INCREASE": "lots"], false, "'lots', not a number"),
    ] as [([String: String], Bool, String)])
    func decidesOnTheWorstInputsLoss(environment: [String: String], accepts: Bool, says: String) {
        let result = ChildProcess(executable: "/bin/sh", arguments: [packageRoot + "/hooks/max-loss-increase"],
                                  environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 },
                                  directory: packageRoot, timeout: 30).run()
        #expect(result.succeeded == accepts, "\(environment)")
        let said = String(decoding: accepts ? result.stdout : result.stderr, as: UTF8.self)
        #expect(said.contains(says), "\(said)")
        #expect(said.hasPrefix(accepts ? "accepted: " : "rejected: "))
    }
}
