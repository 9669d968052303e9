import ArgumentParser
import Foundation
import ModelRepo

/// Times weight matching (Ainsworth et al. 2023, Algorithm 1) on random MLPs and ResNet-20s.
struct MatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Time weight matching: 784-512-512-512-10 MLPs and ResNet-20 (width 1, 4), random weights.",
        discussion: """
            Cases: 'planted' matches A against a randomly permuted copy of A plus Gaussian noise (--noise times \
            each tensor's scale) and reports the fraction of units recovered; 'independent' matches two \
            models drawn with different seeds. Times are the best of --repeats.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Models: mlp, resnet20-w1, resnet20-w4.")
    var models: [String] = ["mlp", "resnet20-w1", "resnet20-w4"]

    @Option(name: .long, help: "Noise added to the planted copy, relative to the weights' scale.")
    var noise: Double = 0.1

    @Option(name: .long, help: "Seed of the matching's permutation order.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Timed runs per case; the best is reported.")
    var repeats: Int = 3

    @Option(name: .long, help: "Sweep limit.")
    var maxSweeps: Int = 100

    func run() throws {
        print("load: \(loadAverage());  OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
        print("model          case         params  sweeps  LAPs  objective before → after        recovered   wall s    cpu s")
        for model in models {
            let a = try Self.model(model, seed: 1)
            let spec = try PermutationSpec.builtin(for: a)
            let (copy, planted) = try Self.plantedCopy(of: a, spec: spec, noise: noise, seed: 2)
            let independent = try Self.model(model, seed: 3)
            for (name, b) in [("planted", copy), ("independent", independent)] {
                var wall = Double.infinity, cpu = Double.infinity
                var result: WeightMatching.Result!
                for _ in 0..<repeats {
                    let c0 = threadCPUSeconds()
                    result = try WeightMatching.match(a: a, b: b, spec: spec, seed: seed, maxSweeps: maxSweeps)
                    cpu = min(cpu, threadCPUSeconds() - c0)
                    wall = min(wall, result.report.seconds)
                }
                var recovered = "-"
                if name == "planted" {
                    let expected = planted.inverse
                    var right = 0, total = 0
                    for perm in spec.permutationNames {
                        let (got, want) = (result.permutations[perm]!.indices, expected[perm]!.indices)
                        right += zip(got, want).filter { $0 == $1 }.count
                        total += want.count
                    }
                    recovered = String(format: "%.4f", Double(right) / Double(total))
                }
                let r = result.report
                let objectives = String(format: "%.6g → %.6g", r.objectiveBefore, r.objectiveAfter)
                print(pad(model, 14, left: true) + " " + pad(name, 11, left: true) + pad("\(a.parameterCount)", 8)
                      + pad("\(r.sweeps)", 8) + pad("\(r.assignmentsSolved)", 6) + "  " + pad(objectives, 29, left: true)
                      + pad(recovered, 10) + pad(String(format: "%.4f", wall), 9) + pad(String(format: "%.4f", cpu), 9))
            }
        }
    }

    /// A model with random weights (Gaussian, scaled by fan-in).
    static func model(_ name: String, seed: UInt64) throws -> Checkpoint {
        var g = SeededGenerator(seed: seed)
        var c = Checkpoint()
        func gaussian(_ shape: [Int], scale: Double) -> Tensor {
            Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(scale * g.nextGaussian()) })
        }
        switch name {
        case "mlp":
            let widths = [784, 512, 512, 512, 10]
            for k in 1..<widths.count {
                c["fc\(k).weight"] = gaussian([widths[k], widths[k - 1]], scale: 1 / Double(widths[k - 1]).squareRoot())
                c["fc\(k).bias"] = gaussian([widths[k]], scale: 0.01)
            }
        case "resnet20-w1", "resnet20-w4":
            let w = name.hasSuffix("w1") ? 1 : 4
            func norm(_ prefix: String, _ n: Int) {
                c["\(prefix).weight"] = gaussian([n], scale: 0.1)
                c["\(prefix).bias"] = gaussian([n], scale: 0.1)
                c["\(prefix).running_mean"] = gaussian([n], scale: 0.1)
                c["\(prefix).running_var"] = Tensor(shape: [n], floats: (0..<n).map { _ in Float(0.5 + g.nextUnit()) })
            }
            func conv(_ name: String, _ out: Int, _ inp: Int, _ k: Int) {
                c[name] = gaussian([out, inp, k, k], scale: 1 / Double(inp * k * k).squareRoot())
            }
            conv("conv1.weight", 16 * w, 3, 3)
            norm("bn1", 16 * w)
            var channels = 16 * w
            for s in 1...3 {
                let out = 16 * w << (s - 1)
                for b in 0..<3 {
                    let p = "layer\(s).\(b)"
                    conv("\(p).conv1.weight", out, channels, 3)
                    norm("\(p).bn1", out)
                    conv("\(p).conv2.weight", out, out, 3)
                    norm("\(p).bn2", out)
                    if b == 0 && s > 1 {
                        conv("\(p).shortcut.0.weight", out, channels, 1)
                        norm("\(p).shortcut.1", out)
                    }
                    channels = out
                }
            }
            c["linear.weight"] = gaussian([10, channels], scale: 1 / Double(channels).squareRoot())
            c["linear.bias"] = gaussian([10], scale: 0.01)
        default:
            throw ValidationError("unknown model '\(name)'; use mlp, resnet20-w1 or resnet20-w4")
        }
        return c
    }

    /// `a` with random permutations applied and Gaussian noise of `noise` times each tensor's RMS added.
    static func plantedCopy(of a: Checkpoint, spec: PermutationSpec, noise: Double, seed: UInt64) throws -> (Checkpoint, PermutationSet) {
        var g = SeededGenerator(seed: seed)
        var set = PermutationSet()
        let sizes = try spec.sizes(for: a)
        for name in spec.permutationNames { set[name] = try Permutation(g.permutation(sizes[name]!)) }
        var b = try spec.apply(set, to: a)
        for name in b.names {
            let values = b[name]!.floats()
            let rms = (values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, values.count))).squareRoot()
            b[name] = Tensor(shape: b[name]!.shape, floats: values.map { $0 + Float(noise * rms * g.nextGaussian()) })
        }
        return (b, set)
    }
}

private func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return left ? s + fill : fill + s
}
