import ArgumentParser
import Foundation
import ModelRepo
import Training

extension LearningRateSchedule: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an MLP on the CPU and commit it (or write it to a file).",
        discussion: """
            He initialisation and shuffling come from --seed: the same seed, data and OPENBLAS_NUM_THREADS give a
            bit-identical checkpoint. The commit records train and test loss and accuracy as metrics, the
            training settings in operation.json, and the architecture as arch.json.

            Examples:
              mgit train --hidden 512,512,512 --epochs 2 --seed 1 --branch teamA -m "team A, seed 1"
              mgit train --hidden 128 --subset first:10000 --seed 7 -o small.safetensors
              mgit train --subset team-a:1 --seed 1 --branch teamA -m "mostly classes 0-4"
            """)

    @Option(help: "The architecture (only mlp is trainable).")
    var arch = "mlp"

    @Option(help: ArgumentHelp("Hidden layer widths, comma-separated.", valueName: "widths"))
    var hidden = "512,512,512"

    @Option(help: "Training data: fashion-mnist:train or a dataset safetensors file (inputs, labels).")
    var data = "fashion-mnist:train"

    @Option(help: "Test data for the recorded test metrics ('none' to skip).")
    var testData = "fashion-mnist:test"

    @Option(help: "Which training samples: all, first:N, random:N:SEED, team-a:SEED[:FRACTION], team-b:SEED[:FRACTION].")
    var subset = "all"

    @Option(help: "Passes over the training data.")
    var epochs = 1

    @Option(help: "Samples per step.")
    var batch = 128

    @Option(help: "Learning rate.")
    var lr = 1e-3

    @Option(help: "sgd (momentum 0.9) or adam.")
    var optimizer = "adam"

    @Option(help: "Learning-rate schedule: constant, or cosine (decay to zero over the run).")
    var schedule: LearningRateSchedule = .constant

    @Option(help: "Seeds initialisation and shuffling.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Commit on this branch (created if missing).")
    var branch: String?

    @Option(name: .shortAndLong, help: "The commit message.")
    var message: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write a safetensors file instead of committing.", valueName: "file"))
    var output: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard arch == "mlp" else { throw ValidationError("only --arch mlp can be trained here (got '\(arch)')") }
        guard ["sgd", "adam"].contains(optimizer) else { throw ValidationError("--optimizer is sgd or adam") }
        if output == nil && message == nil { throw ValidationError("give -m MESSAGE to commit, or -o FILE to write a file") }
        if output != nil && branch != nil { throw ValidationError("--branch commits; -o writes a file: pick one") }
    }

    func run() throws {
        let widths = try hidden.split(separator: ",").map { part -> Int in
            guard let w = Int(part.trimmingCharacters(in: .whitespaces)), w > 0 else {
                throw ValidationError("--hidden takes positive widths separated by commas, like 512,512,512")
            }
            return w
        }
        var config = TrainingConfig(hidden: widths, epochs: epochs, batch: batch, learningRate: lr,
                                    optimizer: optimizer == "sgd" ? .sgd() : .adam(), seed: seed,
                                    subset: try DatasetSubset.parse(subset))
        config.schedule = schedule
        try config.validate()
        if let output { try OutputTarget.requireRegularOrAbsent(output) }
        // Open the repository before training, so a wrong folder fails in a second, not after an epoch.
        let repo = output == nil ? try repository.open() : nil
        let test = testData == "none" ? nil : testData
        let progress = ProgressLine(silent: format.json)
        let result = try Trainer.run(config, data: data, testData: test) { p in
            let done = Double((p.epoch - 1) * p.stepsPerEpoch + p.step) / Double(p.epochs * p.stepsPerEpoch)
            progress.update("train \(ProgressLine.bar(done)) epoch \(p.epoch)/\(p.epochs) step \(p.step)/\(p.stepsPerEpoch) "
                            + String(format: "loss %.4f  %.0f samples/s", p.loss, p.samplesPerSecond),
                            force: p.step == p.stepsPerEpoch)
        }
        progress.finish(String(format: "trained in %.1f s: train accuracy %.4f", result.seconds, result.train.accuracy)
                        + (result.test.map { String(format: ", test accuracy %.4f", $0.accuracy) } ?? ""))
        let metrics = result.metrics(trainData: data, testData: test)
        if let output {
            try SafeTensors.write(result.checkpoint, to: output)
            if format.json { return try Terminal.json(TrainOutput(file: output, commit: nil, metrics: metrics)) }
            return print("Wrote \(output)")
        }
        var details = try JSONDecoder().decode(JSONDocument.self, from: JSONEncoder().encode(config))
        if case .object(var object) = details {
            object["data"] = .string(data)
            object["seconds"] = .number(result.seconds)
            details = .object(object)
        }
        let operation = OperationRecord(operation: "train", branch: branch, metrics: metrics, details: details)
        let commit = try repo!.commit(result.checkpoint, message: message!, branch: branch, operation: operation,
                                      architecture: result.spec)
        if format.json { return try Terminal.json(TrainOutput(file: nil, commit: commit, metrics: metrics)) }
        print("[\(commit.branch) \(Terminal.short(commit.commit))] \(message!)")
        for m in metrics { print("  \(Terminal.metric(m))") }
    }
}

/// `mgit train --json`.
struct TrainOutput: Codable {
    var file: String?
    var commit: CommitResult?
    var metrics: [Metric]
}
