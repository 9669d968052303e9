import ArgumentParser
import Foundation
import ModelRepo

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge models: align and interpolate two teams' models, or merge fine-tunes by a method from their base.",
        discussion: """
            --method interpolate (the default) merges two models trained apart. It aligns B's head into A's basin by weight matching (unless B's head already is a rebase onto A's head,
            or --no-align), measures the loss barrier on the path from A to the aligned B, and refuses the merge
            if it exceeds --max-barrier (or merge.maxBarrier) or a pre-merge hook rejects it. Otherwise it commits
            θ = (1−α)·θ_A + α·π(θ_B) on A (or --into) with two parents: A's head and the aligned B. Non-floating
            tensors (integer buffers, step counters) come from A. A refused merge moves no ref, exits with status 3,
            and is recorded in the lineage database.

            Examples:
              mgit merge teamA teamB
              mgit merge teamA teamB --no-align --max-barrier 0.2
              mgit merge teamA teamB --alpha 0.3 --into release --json

            --method linear, task-arithmetic, ties, dare-linear, dare-ties, slerp or model-stock (mergekit's
            methods; underscores accepted) merges two or more fine-tunes of one base, with mergekit 0.1.5's
            parameters and defaults (docs/MERGING.md). The base is --base, else the inputs' merge base; a tensor
            changed on one side only is taken byte for byte, like a three-way git merge, and only tensors changed
            on several sides go through the method. The inputs and the merge are evaluated (not with --no-check,
            which records the merge as unchecked), merge.maxLossIncrease and the pre-merge hooks decide, and the
            commit has every input as a parent, its provenance in operation.json and the config that reproduces
            it in mergekit_config.yml. --config reads a mergekit YAML config whose model names are revisions.
            Where mgit differs from mergekit on purpose: the three-way rule; DARE's drops come from --seed and are
            recorded; every tensor is computed in float32 and rounded to nearest even; dot products in float64.

              mgit merge math code --method ties --density 0.5 --weights 0.6,0.4
              mgit merge math code chat --method dare-ties --density 0.3 --seed 7 --into merged
              mgit merge --config merge.yml --into merged --no-check
            """)

    @Argument(help: "The revisions merged; the first receives the merge (A), unless --into.")
    var revisions: [String] = []

    @Option(help: "interpolate (default), linear, task-arithmetic, ties, dare-linear, dare-ties, slerp, model-stock.")
    var method = "interpolate"

    @Option(help: "The base of the task vectors (default: the merge base of the revisions).")
    var base: String?

    @Option(help: ArgumentHelp("Each input's weight, comma-separated (default 1 each).", valueName: "w1,w2,..."))
    var weights: String?

    @Option(help: "The fraction of each task vector kept (TIES, DARE; default 1).")
    var density: Double?

    @Option(help: "λ, the factor on the merged task vector (default 1).")
    var lambda: Double?

    @Option(name: .customLong("t"), help: "SLERP's position from the first input (0) to the second (1) (default 0.5).")
    var t: Double?

    @Option(help: ArgumentHelp("A mergekit YAML config; model names are revisions.", valueName: "file.yml"))
    var config: String?

    @Flag(help: "Skip evaluation; the merge is recorded as unchecked (method merges).")
    var noCheck = false

    @Option(help: "Refuse a merged loss above the worst input's by more than this (default: config merge.maxLossIncrease).")
    var maxLossIncrease: Double?

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

    @Option(help: "Seeds weight matching, and DARE's random drops.")
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
        if config != nil || MergeMethod(name: method) != .interpolate { return try runMethod() }
        guard revisions.count == 2 else {
            throw MgitError(.invalidInput, "interpolate merges exactly two models, got \(revisions.count); name a method "
                            + "(--method task-arithmetic, ties, ...) to merge more")
        }
        let (a, b) = (revisions[0], revisions[1])
        // A NaN limit compares false with every barrier: refuse it here, before anything is measured.
        if let maxBarrier, !(maxBarrier.isFinite && maxBarrier >= 0) {
            throw MgitError(.invalidInput, "--max-barrier must be a number ≥ 0, got \(maxBarrier)")
        }
        guard alpha.isFinite, alpha >= 0, alpha <= 1 else {
            throw MgitError(.invalidInput, "--alpha must be in [0, 1], got \(alpha)")
        }
        if let plot { try OutputTarget.requireRegularOrAbsent(plot) }
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

    /// A method merge: the recipe from --config or the options, then ``MethodMergeOperation``.
    private func runMethod() throws {
        var recipe: MergeRecipe
        if let config {
            guard revisions.isEmpty else {
                throw MgitError(.invalidInput, "--config names the models; give no revisions beside it")
            }
            let text: String
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                throw MgitError(.notFound, "cannot read the merge config '\(config)': \(error.localizedDescription)")
            }
            recipe = try MergeRecipe(mergekitYAML: text)
        } else {
            guard let m = MergeMethod(name: method) else {
                throw MgitError(.invalidInput, "unknown merge method '\(method)': use interpolate, "
                                + MergeMethod.allCases.filter { $0 != .interpolate }.map(\.rawValue).joined(separator: ", "))
            }
            var parameters: [String: ParameterSetting] = [:]
            if let density { parameters["density"] = .number(density) }
            if let lambda { parameters["lambda"] = .number(lambda) }
            if let t { parameters["t"] = .number(t) }
            var inputs = revisions.map { MergeRecipe.Input(model: $0) }
            if let weights {
                let values = weights.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard values.count == inputs.count, values.allSatisfy({ $0?.isFinite == true }) else {
                    throw MgitError(.invalidInput, "--weights needs \(inputs.count) numbers separated by commas, one per revision")
                }
                for i in inputs.indices { inputs[i].parameters["weight"] = .number(values[i]!) }
            }
            recipe = MergeRecipe(method: m, base: base, inputs: inputs, parameters: parameters, seed: seed)
        }
        if let base { recipe.base = base }
        var options = MethodMergeOptions()
        options.into = into
        options.noCheck = noCheck
        options.maxLossIncrease = maxLossIncrease
        options.evaluation = evaluation.options
        options.message = message
        let r = try repository.open().merge(recipe: recipe, options: options)
        if output.json {
            try Terminal.json(r)
        } else {
            let p = r.provenance
            print("merge \(r.inputs.map(\.revision).joined(separator: ", ")) by \(p.method.rawValue)"
                  + (p.base.map { " from base \(Terminal.short($0))" } ?? " (no shared base)"))
            print("  \(p.report.unchanged) tensors unchanged, \(p.report.takenFromOneSide.count) taken from one side, "
                  + "\(p.report.merged.count) merged")
            for m in p.report.merged.prefix(20) {
                var line = "    \(m.tensor): \(m.sides) sides"
                if let c = m.changeCosine { line += String(format: ", cosine between changes %.3f", c) }
                if let s = m.signConflicts { line += String(format: ", sign conflicts %.1f%%", 100 * s) }
                print(line)
            }
            if p.report.merged.count > 20 { print("    ... \(p.report.merged.count - 20) more (--json lists all)") }
            for i in r.inputs {
                print("  \(i.revision): " + (i.loss.map { "loss \(Terminal.format4($0))" } ?? "not evaluated")
                      + (i.accuracy.map { String(format: "  accuracy %.2f%%", 100 * $0) } ?? ""))
            }
            print("  merged: " + (r.merged.map { "loss \(Terminal.format4($0.loss))" + ($0.accuracy.map { String(format: "  accuracy %.2f%%", 100 * $0) } ?? "") }
                                 ?? "not evaluated (--no-check): recorded as unchecked"))
            for h in r.hooks { print("  hook \(h.displayName): \(h.accepted ? "accepted" : "rejected: \(h.reason)")") }
            if let commit = r.commit { print("Merged: \(Terminal.short(commit)) on \(r.into)") }
        }
        guard r.accepted else {
            var why = r.rejectedBy == ["merge.maxLossIncrease"]
                ? "merged loss is more than \(Terminal.format4(r.maxLossIncrease ?? 0)) above the worst input's (merge.maxLossIncrease)"
                : "rejected by \(r.rejectedBy.joined(separator: ", "))"
            if let hook = r.hooks.first(where: { !$0.accepted }), let line = hook.stderr.split(separator: "\n").last {
                why += ": \(line)"
            }
            throw MgitError(.rejected, "merge refused, nothing was changed: \(why)")
        }
    }
}
