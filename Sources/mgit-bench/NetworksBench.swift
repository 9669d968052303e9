import ArgumentParser
import Foundation
import ModelRepo
import Training

/// `mgit-bench networks`: forward, evaluation and training throughput of the BLAS compute layer.
struct NetworksBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "networks",
        abstract: "Time MLP evaluation and training on Fashion-MNIST and a ResNet-20 forward pass (docs/PERFORMANCE.md).")

    @Option(help: "Samples per forward pass when evaluating.")
    var evalBatch = 1000

    @Option(help: "Samples per training step.")
    var trainBatch = 128

    @Option(help: "Random 3×32×32 images for the ResNet-20 forward pass.")
    var resnetImages = 10000

    @Option(help: "Samples per ResNet-20 forward pass.")
    var resnetBatch = 250

    @Option(help: "ResNet-20 normalisation: batchnorm or layernorm.")
    var resnetNorm = "batchnorm"

    @Option(help: "Repetitions of the evaluation; the best is reported.")
    var repeats = 3

    @Flag(help: "Skip the training epoch.")
    var skipTraining = false

    @Flag(help: "Also train a small CNN (conv 8, pool, conv 16, pool, 64, 10) for one epoch on 60,000 images.")
    var trainCNN = false

    @Flag(help: "Also train the MLP twice on 10,000 images with one seed and report whether the bits agree.")
    var checkDeterminism = false

    func run() throws {
        let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset"
        print("OPENBLAS_NUM_THREADS=\(threads)  load average at start: \(Self.loadAverage())")
        let clock = ContinuousClock()
        let widths = [784, 512, 512, 512, 10]
        let macsPerSample = zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }

        var t0 = clock.now
        let test = try FashionMNIST.load(.test)
        let train = try FashionMNIST.load(.train)
        print(String(format: "load Fashion-MNIST (gunzip + IDX): %.2f s", (clock.now - t0).seconds))

        // Evaluation: 784-512-512-512-10 on the 10,000 test images.
        let parameters = MLPParameters.heInitialized(widths: widths, seed: 1)
        let mlp = try makeNetwork(.mlp(), parameters.checkpoint())
        let evalFlops = 2.0 * Double(macsPerSample) * Double(test.count)
        var best = Double.infinity, bestCPU = Double.infinity
        var result = EvalResult(loss: 0, accuracy: 0, count: 0)
        for _ in 0..<repeats {
            t0 = clock.now
            let cpu0 = Self.processCPUSeconds()
            result = try Evaluation.evaluate(mlp, test, batch: evalBatch)
            best = min(best, (clock.now - t0).seconds)
            bestCPU = min(bestCPU, Self.processCPUSeconds() - cpu0)
        }
        print(String(format: "evaluate MLP 784-512-512-512-10 on %d images (batch %d): %.3f s, %.1f GFLOP/s "
                        + "(%.1f GFLOP; best of %d; loss %.3f; CPU %.3f s)", result.count, evalBatch, best,
                     evalFlops / best / 1e9, evalFlops / 1e9, repeats, result.loss, bestCPU))

        // One training epoch on all 60,000 images: forward + two backward products per layer ≈ 3× forward.
        if !skipTraining {
            let config = TrainingConfig(hidden: [512, 512, 512], epochs: 1, batch: trainBatch, learningRate: 1e-3,
                                        optimizer: .adam(), seed: 1)
            let cpu0 = Self.processCPUSeconds()
            let trained = try Trainer.trainMLP(config, train: train)
            let cpu = Self.processCPUSeconds() - cpu0
            let trainFlops = 6.0 * Double(macsPerSample) * Double(train.count)
            print(String(format: "train MLP one epoch on %d images (batch %d, Adam): %.2f s, %.0f samples/s, "
                            + "%.1f GFLOP/s (%.0f GFLOP); train accuracy %.3f; CPU %.2f s incl. final evaluation",
                         train.count, trainBatch, trained.seconds, Double(train.count) / trained.seconds,
                         trainFlops / trained.seconds / 1e9, trainFlops / 1e9, trained.train.accuracy, cpu))
        }

        if trainCNN {
            let stages: [VGGParameters.Stage] = [.conv(channels: 8, kernel: 3, stride: 1, padding: 1), .pool(size: 2),
                                                 .conv(channels: 16, kernel: 3, stride: 1, padding: 1), .pool(size: 2)]
            let config = TrainingConfig(hidden: [64], epochs: 1, batch: trainBatch, learningRate: 2e-3,
                                        optimizer: .adam(), seed: 1)
            let cpu0 = Self.processCPUSeconds()
            let trained = try Trainer.trainVGG(config, stages: stages, train: train, test: test)
            let cpu = Self.processCPUSeconds() - cpu0
            // Multiply-adds per image: two convolutions and the classifier; training ≈ 3× forward.
            let macs = 8 * 9 * 784 + 16 * 72 * 196 + 784 * 64 + 64 * 10
            let flops = 6.0 * Double(macs) * Double(train.count)
            print(String(format: "train CNN one epoch on %d images (batch %d, Adam): %.2f s, %.0f samples/s, %.1f GFLOP/s "
                            + "(%.0f GFLOP); test accuracy %.3f; CPU %.2f s incl. evaluations", train.count, trainBatch,
                         trained.seconds, Double(train.count) / trained.seconds, flops / trained.seconds / 1e9,
                         flops / 1e9, trained.test?.accuracy ?? 0, cpu))
        }

        if checkDeterminism {
            let config = TrainingConfig(hidden: [512, 512, 512], epochs: 1, batch: trainBatch, learningRate: 1e-3,
                                        optimizer: .adam(), seed: 3, subset: .first(10000))
            let first = try Trainer.trainMLP(config, train: train).checkpoint
            let second = try Trainer.trainMLP(config, train: train).checkpoint
            print("train twice with seed 3 on 10000 images: checkpoints \(first == second ? "bit-identical" : "DIFFER")")
        }

        // ResNet-20 (width 1) forward on random 3×32×32 images.
        guard let norm = ArchitectureSpec.Norm(rawValue: resnetNorm) else {
            throw ValidationError("--resnet-norm must be batchnorm or layernorm")
        }
        var random = SeededGenerator(seed: 7)
        let resnet = try makeNetwork(.resnet20(norm: norm),
                                     Self.resnet20Checkpoint(&random, batchNorm: norm == .batchnorm))
        let images = FloatMatrix(rows: resnetImages, columns: 3 * 32 * 32,
                                 values: (0..<(resnetImages * 3072)).map { _ in Float(random.nextUnit()) })
        t0 = clock.now
        let cpu0 = Self.processCPUSeconds()
        var start = 0
        while start < resnetImages {
            let end = min(start + resnetBatch, resnetImages)
            _ = resnet.forward(images.rows(start..<end))
            start = end
        }
        let seconds = (clock.now - t0).seconds
        let cpu = Self.processCPUSeconds() - cpu0
        let resnetFlops = 2.0 * Double(Self.resnet20MACs()) * Double(resnetImages)
        print("ResNet-20 (w=1, \(resnetNorm)) " + String(format: "forward on %d images 3x32x32 (batch %d): %.2f s, %.1f GFLOP/s (%.0f GFLOP; CPU %.2f s)",
                     resnetImages, resnetBatch, seconds, resnetFlops / seconds / 1e9, resnetFlops / 1e9, cpu))
        print("load average at end: \(Self.loadAverage())")
    }

    /// Multiply-adds of one ResNet-20 (width 1) forward pass on a 32×32 image: convolutions and the head.
    static func resnet20MACs() -> Int {
        var macs = 32 * 32 * 16 * 3 * 9
        var (channels, size) = (16, 32)
        for stage in 1...3 {
            let out = 16 << (stage - 1)
            for b in 0..<3 {
                let stride = stage > 1 && b == 0 ? 2 : 1
                let s = size / stride
                macs += s * s * out * channels * 9 + s * s * out * out * 9
                if stride == 2 { macs += s * s * out * channels }
                (channels, size) = (out, s)
            }
        }
        return macs + 64 * 10
    }

    static func resnet20Checkpoint(_ g: inout SeededGenerator, batchNorm: Bool) -> Checkpoint {
        var c = Checkpoint()
        func conv(_ name: String, _ shape: [Int]) {
            let fanIn = shape.dropFirst().reduce(1, *)
            let std = (2.0 / Double(fanIn)).squareRoot()
            c[name] = Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(g.nextGaussian() * std) })
        }
        func norm(_ p: String, _ n: Int) {
            c["\(p).weight"] = Tensor(shape: [n], floats: [Float](repeating: 1, count: n))
            c["\(p).bias"] = Tensor(shape: [n], floats: [Float](repeating: 0, count: n))
            guard batchNorm else { return }
            c["\(p).running_mean"] = Tensor(shape: [n], floats: [Float](repeating: 0, count: n))
            c["\(p).running_var"] = Tensor(shape: [n], floats: [Float](repeating: 1, count: n))
        }
        conv("conv1.weight", [16, 3, 3, 3])
        norm("bn1", 16)
        var channels = 16
        for stage in 1...3 {
            let out = 16 << (stage - 1)
            for b in 0..<3 {
                conv("layer\(stage).\(b).conv1.weight", [out, channels, 3, 3])
                norm("layer\(stage).\(b).bn1", out)
                conv("layer\(stage).\(b).conv2.weight", [out, out, 3, 3])
                norm("layer\(stage).\(b).bn2", out)
                if stage > 1 && b == 0 {
                    conv("layer\(stage).\(b).shortcut.0.weight", [out, channels, 1, 1])
                    norm("layer\(stage).\(b).shortcut.1", out)
                }
                channels = out
            }
        }
        conv("linear.weight", [10, 64])
        c["linear.bias"] = Tensor(shape: [10], floats: [Float](repeating: 0, count: 10))
        return c
    }

    /// CPU time of the whole process (all threads), which contention from other processes does not inflate.
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "unknown"
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
