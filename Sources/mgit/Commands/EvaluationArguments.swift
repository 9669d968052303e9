import ArgumentParser
import ModelRepo
import Foundation

/// How `barrier` and `merge` measure models.
struct EvaluationArguments: ParsableArguments {
    @Option(help: "Data for the loss: fashion-mnist:test, fashion-mnist:train, or a dataset file (inputs, labels).")
    var data = "fashion-mnist:test"

    @Option(help: "Evaluate on the first N samples only (faster, noisier).")
    var samples: Int?

    @Option(help: ArgumentHelp("Your own evaluator: a command with {checkpoint}, printing {\"loss\": ..., \"accuracy\": ...} last (docs/EVALUATORS.md). Default: config eval.command, else the built-in one.", valueName: "command"))
    var evalCmd: String?

    @Flag(inversion: .prefixedNo, help: "Recompute BatchNorm statistics of each interpolated model on training data.")
    var resetBn = true

    @Option(help: ArgumentHelp("An architecture description (docs/ARCHITECTURES.md).", valueName: "file"))
    var arch: String?

    var options: EvaluationOptions {
        var o = EvaluationOptions()
        o.data = data
        o.samples = samples
        o.command = evalCmd
        o.resetBatchNorm = resetBn
        o.architecturePath = arch
        return o
    }
}

extension Terminal {
    /// A barrier measurement in one line.
    static func barrierLine(_ label: String, _ m: LossBarrier.Measurement) -> String {
        var s = "\(label): loss barrier \(format4(m.lossBarrier)) (at λ = \(format4(m.lossBarrierLambda)))"
        if let acc = m.accuracyBarrier { s += ", accuracy barrier \(format4(acc * 100)) points" }
        return s
    }

    static func format4(_ v: Double) -> String { String(format: "%.4f", v) }

    static func figures(_ f: MergeReport.ModelFigures) -> String {
        "loss \(format4(f.loss))" + (f.accuracy.map { ", accuracy \(String(format: "%.2f%%", $0 * 100))" } ?? "")
    }
}
