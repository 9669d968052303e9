import ArgumentParser
import Foundation
import ModelRepo

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge two teams' models: align, check the loss barrier, run hooks, commit.",
        discussion: """
            Aligns B's head into A's basin by weight matching (unless B's head already is a rebase onto A's head,
            or --no-align), measures the loss barrier on the path from A to the aligned B, and refuses the merge
            if it exceeds --max-barrier (or merge.maxBarrier) or a pre-merge hook rejects it. Otherwise it commits
            θ = (1−α)·θ_A + α·π(θ_B) on A (or --into) with two parents: A's head and the aligned B. Non-floating
            tensors (integer buffers, step counters) come from A. A refused merge moves no ref, exits with status 3,
            and is recorded in the lineage database.

            Examples:
              mgit merge teamA teamB
              mgit merge teamA teamB --no-align --max-barrier 0.2
              mgit merge teamA teamB --alpha 0.3 --into release --json
            """)

    @Argument(help: "The branch merged into (A).")
    var a: String

    @Argument(help: "The branch or commit merged in (B).")
    var b: String

    @Option(help: "θ = (1−α)·θ_A + α·π(θ_B).")
    var alpha = 0.5

    @Flag(inversion: .prefixedNo, help: "Align B into A's basin before mixing.")
    var align = true

    @Option(help: "Commit on this branch instead of A (created if missing).")
    var into: String?

    @Option(help: "Refuse a loss barrier above this (default: config merge.maxBarrier).")
    var maxBarrier: Double?

    @Option(help: "Points on the path, endpoints included.")
    var points = 25

    @Option(help: "Seeds weight matching.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("A permutation spec instead of the built-in one.", valueName: "file"))
    var spec: String?

    @Option(help: "Weight-matching runs side by side (the identity start, then random starts); the best is kept.")
    var restarts = WeightMatching.defaultRestarts

    @Flag(inversion: .prefixedNo, help: "REPAIR the aligned path's models (MLP, VGG without BatchNorm; built-in evaluator).")
    var repair = true

    @Option(name: .shortAndLong, help: "The commit message.")
    var message: String?

    @Option(help: ArgumentHelp("Write an SVG plot of the barrier curve.", valueName: "file.svg"))
    var plot: String?

    @OptionGroup var evaluation: EvaluationArguments
    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var options = MergeOptions()
        options.alpha = alpha
        options.align = align
        options.into = into
        options.maxBarrier = maxBarrier
        options.points = points
        options.seed = seed
        options.restarts = restarts
        options.repair = repair
        options.specPath = spec
        options.message = message
        options.evaluation = evaluation.options
        let progress = ProgressLine(silent: output.json)
        let r = try repository.open().merge(a, b, options: options) { progress.step($0, $1, $2) }
        progress.finish()
        if let plot {
            try BarrierPlot(title: "merge \(b) into \(a)", naive: .init(r.barrier.curve)).svg()
                .write(toFile: plot, atomically: true, encoding: .utf8)
        }
        if output.json {
            try Terminal.json(r)
        } else {
            print("merge \(b) (\(Terminal.short(r.commitB))) into \(r.into) (\(Terminal.short(r.commitA))), α = \(r.alpha)")
            switch r.alignment {
            case "weight":
                let s = r.alignmentSummary!
                print("  aligned by weight matching: objective \(Terminal.format(s.objectiveBefore)) → \(Terminal.format(s.objectiveAfter)), "
                      + "\(s.sweeps) sweeps, \(String(format: "%.2f s", s.seconds)) (aligned commit \(Terminal.short(r.alignedB)))")
                print("  " + Terminal.functionCheckLine(s.functionCheck, skipped: s.functionCheckSkipped))
                if let runs = s.restarts { print("  " + Terminal.restartsLine(runs)) }
            case "lineage": print("  \(b) is already a rebase onto \(a)'s head: no alignment needed")
            default: print("  not aligned (--no-align)")
            }
            print("  " + Terminal.barrierLine(r.barrier.curve.label, r.barrier) + ", evaluated on \(r.evaluator)")
            print("  A:      " + Terminal.figures(r.a))
            print("  B:      " + Terminal.figures(r.b))
            print("  merged: " + Terminal.figures(r.merged))
            if let repair = r.repair { print("  " + Terminal.repairLine(repair)) }
            for h in r.hooks { print("  hook \(h.displayName): \(h.accepted ? "accepted" : "rejected: \(h.reason)")") }
            print("")
            print(BarrierPlot(title: "loss along the merge path", naive: .init(r.barrier.curve)).terminalChart())
            if let commit = r.commit { print("Merged: \(Terminal.short(commit)) on \(r.into)") }
        }
        guard r.accepted else {
            var why = r.rejectedBy == ["merge.maxBarrier"]
                ? "loss barrier \(Terminal.format4(r.barrier.lossBarrier)) exceeds the limit \(Terminal.format4(r.maxBarrier ?? 0)) (merge.maxBarrier / --max-barrier)"
                : "rejected by \(r.rejectedBy.joined(separator: ", "))"
            if let hook = r.hooks.first(where: { !$0.accepted }) {
                why += " (\(hook.reason))"
                if let line = hook.stderr.split(separator: "\n").last { why += ": \(line)" }
            }
            if r.alignment == "none" { why += "; try aligning first (drop --no-align, or 'mgit rebase \(b) --onto \(a)')" }
            throw MgitError(.rejected, "merge refused, nothing was changed: \(why)")
        }
    }
}
