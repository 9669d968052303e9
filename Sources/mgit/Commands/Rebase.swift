import ArgumentParser
import Foundation
import ModelRepo

extension MatchingMethod: ExpressibleByArgument {}

struct Rebase: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Permute a branch's weights into another model's basin (Git Re-Basin).",
        discussion: """
            Finds the permutation of BRANCH's hidden units that brings its head closest to REV (weight matching,
            or activation matching on data), checks on a probe batch that the permuted model computes the same
            function, and commits it on BRANCH. The commit stores the permutations, so --undo restores the
            original bytes exactly. A pre-rebase hook can refuse it.

            Examples:
              mgit rebase teamB --onto teamA
              mgit rebase teamB --onto teamA --method activation --data fashion-mnist:train
              mgit rebase teamB --onto teamA --dry-run --json
              mgit rebase --undo teamB
            """)

    @Argument(help: "The branch whose head is permuted.")
    var branch: String

    @Option(help: "The commit whose basin to move into (a branch, tag, id).")
    var onto: String?

    @Option(help: "weight (from the weights alone) or activation (from hidden activations on --data).")
    var method: MatchingMethod = .weight

    @Option(help: ArgumentHelp("A permutation spec (JSON, docs/PERMUTATION-SPECS.md) instead of the built-in one.", valueName: "file"))
    var spec: String?

    @Option(help: ArgumentHelp("An architecture description, for the function check and activation matching.", valueName: "file"))
    var arch: String?

    @Option(help: "Data for activation matching: fashion-mnist:train or a dataset file.")
    var data: String?

    @Option(help: "Seeds the order of the coordinate descent (the same seed gives the same permutation).")
    var seed: UInt64 = 0

    @Option(help: "Weight-matching runs side by side (the identity start, then random starts); the best is kept.")
    var restarts = WeightMatching.defaultRestarts

    @Option(help: "Stop after this many sweeps.")
    var maxSweeps = 100

    @Option(name: .shortAndLong, help: "The commit message.")
    var message: String?

    @Flag(help: "Report what would be done; commit nothing.")
    var dryRun = false

    @Flag(help: "Undo the rebase at BRANCH's head (apply the inverse permutation).")
    var undo = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if undo && onto != nil { throw ValidationError("--undo takes only the branch") }
        if !undo && onto == nil { throw ValidationError("give --onto REV: the model whose basin to move into") }
        if method == .activation && data == nil { throw ValidationError("--method activation needs --data") }
    }

    func run() throws {
        let repo = try repository.open()
        if undo {
            let report = try repo.undoRebase(branch)
            if output.json { return try Terminal.json(report) }
            return print("Undid rebase \(Terminal.short(report.source)) of \(branch): \(Terminal.short(report.commit ?? "")) holds the original weights again.")
        }
        var options = RebaseOptions()
        options.method = method
        options.specPath = spec
        options.architecturePath = arch
        options.data = data
        options.seed = seed
        options.maxSweeps = maxSweeps
        options.restarts = restarts
        options.dryRun = dryRun
        options.message = message
        let progress = ProgressLine(silent: output.json)
        let report = try repo.rebase(branch, onto: onto!, options: options) { p in
            progress.update("matching: sweep \(p.sweep), objective \(Terminal.format(p.objective)), \(p.changed) permutations changed")
        }
        progress.finish()
        if !report.accepted {
            if output.json { try Terminal.json(report) }
            throw HookRunner.rejection(report.hooks)
                ?? MgitError(.rejected, "rebase refused by \(report.rejectedBy.joined(separator: ", ")); nothing was changed")
        }
        if output.json { return try Terminal.json(report) }
        let moved = report.unitsMoved.values.reduce(0, +), total = report.unitsMoved.count
        print("\(dryRun ? "Would rebase" : "Rebased") \(branch) (\(Terminal.short(report.source))) onto \(onto!) (\(Terminal.short(report.basin))) by \(report.method.rawValue) matching")
        print("  objective Σ⟨θ_A, π(θ_B)⟩: \(Terminal.format(report.objectiveBefore)) → \(Terminal.format(report.objectiveAfter))")
        print("  \(report.sweeps) sweep\(report.sweeps == 1 ? "" : "s")\(report.converged ? " (converged)" : " (sweep limit)"), "
              + String(format: "%.2f s", report.seconds) + ", \(moved) units moved across \(total) permutations")
        if let runs = report.restarts { print("  " + Terminal.restartsLine(runs)) }
        print("  " + Terminal.functionCheckLine(report.functionCheck, skipped: report.functionCheckSkipped))
        if let commit = report.commit { print("  committed \(Terminal.short(commit)) on \(branch)") }
    }
}
