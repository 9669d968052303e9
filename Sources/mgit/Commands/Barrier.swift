import ArgumentParser
import Foundation
import ModelRepo

struct Barrier: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the loss barrier between two models, naive and aligned.",
        discussion: """
            Evaluates θ(λ) = (1−λ)·θ_A + λ·θ_B at evenly spaced λ in [0, 1]. The loss barrier is the largest rise
            of the loss above the straight line between the endpoints; the accuracy barrier the largest fall of
            the accuracy below it. With --align (the default) B is also weight-matched to A and both curves are
            reported. Networks with BatchNorm get their statistics recomputed at every point (--no-reset-bn).

            Examples:
              mgit barrier teamA teamB --plot barrier.svg
              mgit barrier teamA teamB --no-align --points 11 --json
              mgit barrier teamA teamB --eval-cmd 'python3 eval.py {checkpoint}'
            """)

    @Argument(help: "Model A (λ = 0).")
    var a: String

    @Argument(help: "Model B (λ = 1).")
    var b: String

    @Flag(inversion: .prefixedNo, help: "Also weight-match B to A and measure the aligned path.")
    var align = true

    @Option(help: "Points on the path, endpoints included.")
    var points = 25

    @Option(help: "Seeds weight matching.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Write an SVG plot (naive and aligned curves) to this file.", valueName: "file.svg"))
    var plot: String?

    @Option(help: ArgumentHelp("A permutation spec (JSON) instead of the built-in one (docs/PERMUTATION-SPECS.md).",
                               valueName: "file"))
    var spec: String?

    @Option(help: "Weight-matching runs side by side (the identity start, then random starts); the best is kept.")
    var restarts = WeightMatching.defaultRestarts

    @Flag(inversion: .prefixedNo, help: "REPAIR the aligned path's models (MLP, VGG without BatchNorm; built-in evaluator).")
    var repair = true

    @OptionGroup var evaluation: EvaluationArguments
    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if let plot { try OutputTarget.requireRegularOrAbsent(plot) }
        let progress = ProgressLine(silent: output.json)
        var operation = BarrierOperation(a, b)
        operation.align = align
        operation.points = points
        operation.seed = seed
        operation.restarts = restarts
        operation.repair = repair
        operation.specPath = spec
        operation.evaluation = evaluation.options
        let report = try operation.run(in: try repository.open()) { progress.step($0, $1, $2) }
        progress.finish()
        if let plot { try report.plot.svg().write(toFile: plot, atomically: true, encoding: .utf8) }
        if output.json { return try Terminal.json(report) }
        print("A \(Terminal.short(report.a)) → B \(Terminal.short(report.b)), evaluated on \(report.evaluator)")
        print(Terminal.barrierLine("naive  ", report.naive))
        if let aligned = report.aligned { print(Terminal.barrierLine("aligned", aligned)) }
        if let s = report.alignment { print(Terminal.functionCheckLine(s.functionCheck, skipped: s.functionCheckSkipped)) }
        if let runs = report.alignment?.restarts { print(Terminal.restartsLine(runs)) }
        if let repair = report.repair { print(Terminal.repairLine(repair)) }
        if let r = report.lossBarrierReduction { print("alignment removed \(String(format: "%.1f%%", r * 100)) of the loss barrier") }
        print("")
        print(report.plot.terminalChart())
        if let plot { print("plot written to \(plot)") }
    }
}
