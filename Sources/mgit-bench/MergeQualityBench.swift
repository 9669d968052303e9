import ArgumentParser
import Foundation
import ModelRepo
import Training

/// Measures how good an aligned merge is: weight matching with restarts, then the loss barrier and the
/// midpoint's accuracy with and without REPAIR (Jordan et al. 2022), for a trained MLP pair.
struct MergeQualityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-quality",
        abstract: "Barrier and merged accuracy of a trained MLP pair: restarts × REPAIR on and off.",
        discussion: """
            Trains two MLPs on Fashion-MNIST (or reads --pair A,B), aligns B to A by weight matching with each \
            --restarts value, and prints the spread of the restarts' objectives, the aligned loss barrier on the \
            test set, and the midpoint model's test loss and accuracy, without and with REPAIR (statistics on \
            --repair-samples random training samples).
            """
    )

    @Option(help: "Two safetensors files A,B (skips training).")
    var pair: String?

    @Option(help: "Hidden widths of the MLPs to train.")
    var hidden = "512,512,512"

    @Option(help: "Epochs of Adam.")
    var epochs = 20

    @Option(help: "Batch size.")
    var batch = 256

    @Option(help: "Learning rate of Adam.")
    var learningRate = 1e-3

    @Option(help: "Learning-rate schedule: constant or cosine.")
    var schedule = "constant"

    @Option(help: "Training seeds of A and B.")
    var seeds = "1,2"

    @Option(help: "Subsets of A and B (disjoint halves by default).")
    var subsets = "team-a:7:0.5,team-b:7:0.5"

    @Option(help: "Write the trained pair to DIR/a.safetensors and DIR/b.safetensors.")
    var save: String?

    @Option(help: "Restart counts to compare.")
    var restarts = "1,2,4"

    @Option(help: "Seed of weight matching.")
    var matchSeed: UInt64 = 0

    @Option(help: "Training samples for REPAIR's statistics.")
    var repairSamples = 5000

    @Option(help: "Points on the barrier path.")
    var points = 11

    @Option(help: "Test samples (0: all 10,000).")
    var testSamples = 0

    func run() throws {
        print("load: \(loadAverage());  OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
        var test = try DatasetSource.parse("fashion-mnist:test").load()
        if testSamples > 0 { test = try DatasetSubset.first(min(testSamples, test.count)).apply(to: test) }
        let train = try DatasetSource.parse("fashion-mnist:train").load()
        let (a, b) = try models(train: train, test: test)
        let spec = try ArchitectureSpec.detect(from: a)
        let permutationSpec = try PermutationSpec.builtin(for: a)
        let evaluator = BuiltinEvaluator(spec: spec, dataset: test, dataDescription: "fashion-mnist:test", batchNormData: nil)
        let repairData = try DatasetSubset.random(count: min(repairSamples, train.count), seed: 0).apply(to: train).inputs
        let (ea, eb) = (try evaluator.evaluate(a), try evaluator.evaluate(b))
        print(String(format: "A: loss %.4f acc %.2f%%   B: loss %.4f acc %.2f%%", ea.loss, 100 * (ea.accuracy ?? 0),
                     eb.loss, 100 * (eb.accuracy ?? 0)))
        let naive = try LossBarrier.measure(a, b, points: points, label: "naive", evaluator: evaluator)
        print(String(format: "naive barrier %.4f", naive.lossBarrier))
        print("restarts  objective best (spread)        sweeps       wall s   barrier  mid loss  mid acc | +REPAIR barrier  mid loss  mid acc  repair s")
        for count in restarts.split(separator: ",").compactMap({ Int($0) }) {
            let r = try WeightMatching.match(a: a, b: b, spec: permutationSpec, seed: matchSeed, restarts: count)
            let aligned = try permutationSpec.apply(r.best.permutations, to: b)
            let plain = try LossBarrier.measure(a, aligned, points: points, label: "aligned", evaluator: evaluator)
            let mid = try evaluator.evaluate(try Interpolation.interpolate(a, aligned, lambda: 0.5))
            let t0 = Date()
            let repair = try Repair(a: a, b: aligned, spec: spec, data: repairData)
            let repaired = try LossBarrier.measure(a, aligned, points: points, label: "repaired", evaluator: evaluator,
                                                   repair: repair)
            let repairedMid = try evaluator.evaluate(try repair.repair(try Interpolation.interpolate(a, aligned, lambda: 0.5),
                                                                       lambda: 0.5))
            let repairSeconds = Date().timeIntervalSince(t0) / Double(points - 2 + 1)
            let best = r.best.report.objectiveAfter
            print(pad("\(count)", 8) + "  " + pad(String(format: "%.5g (%.3g)", best, best - r.worstObjective), 28, left: true)
                  + pad(r.runs.map { "\($0.sweeps)" }.joined(separator: ","), 12, left: true)
                  + pad(String(format: "%.3f", r.seconds), 8)
                  + pad(String(format: "%.4f", plain.lossBarrier), 10) + pad(String(format: "%.4f", mid.loss), 10)
                  + pad(String(format: "%.2f%%", 100 * (mid.accuracy ?? 0)), 9) + " |"
                  + pad(String(format: "%.4f", repaired.lossBarrier), 16) + pad(String(format: "%.4f", repairedMid.loss), 10)
                  + pad(String(format: "%.2f%%", 100 * (repairedMid.accuracy ?? 0)), 9)
                  + pad(String(format: "%.3f", repairSeconds), 10))
        }
    }

    private func models(train: Dataset, test: Dataset) throws -> (Checkpoint, Checkpoint) {
        if let pair {
            let paths = pair.split(separator: ",").map(String.init)
            guard paths.count == 2 else { throw ValidationError("--pair needs two files A,B") }
            return (try SafeTensors.read(path: paths[0]), try SafeTensors.read(path: paths[1]))
        }
        let widths = hidden.split(separator: ",").compactMap { Int($0) }
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0) }
        let subsetList = try subsets.split(separator: ",").map { try DatasetSubset.parse(String($0)) }
        guard seedList.count == 2, subsetList.count == 2 else { throw ValidationError("--seeds and --subsets need two values") }
        var out: [Checkpoint] = []
        for k in 0..<2 {
            var config = TrainingConfig(hidden: widths, epochs: epochs, batch: batch, seed: seedList[k], subset: subsetList[k])
            config.learningRate = learningRate
            config.schedule = LearningRateSchedule(rawValue: schedule) ?? .constant
            let result = try Trainer.trainMLP(config, train: train, test: test)
            print(String(format: "trained %@ seed %llu in %.1f s: test accuracy %.2f%%", "\(widths)", seedList[k], result.seconds,
                         100 * (result.test?.accuracy ?? 0)))
            out.append(result.checkpoint)
            if let save {
                try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
                try SafeTensors.write(result.checkpoint, to: "\(save)/\(k == 0 ? "a" : "b").safetensors")
            }
        }
        return (out[0], out[1])
    }
}

private func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    s.count >= width ? s : (left ? s + String(repeating: " ", count: width - s.count) : String(repeating: " ", count: width - s.count) + s)
}
