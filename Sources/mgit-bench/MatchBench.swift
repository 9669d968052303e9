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

    @Flag(name: .long, help: "Skip the numpy + scipy reference (the official algorithm, run by python3).")
    var noReference = false

    func run() throws {
        print("load: \(loadAverage());  OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
        let python = noReference ? nil : ScipyRunner()
        if !noReference && python == nil { print("note: python3 with numpy/scipy not found; reference skipped") }
        print("model          case         params  sweeps  LAPs  objective before → after        recovered   wall s    cpu s"
              + (python == nil ? "" : "   reference: sweeps  objective  cpu s"))
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
                var line = pad(model, 14, left: true) + " " + pad(name, 11, left: true) + pad("\(a.parameterCount)", 8)
                    + pad("\(r.sweeps)", 8) + pad("\(r.assignmentsSolved)", 6) + "  " + pad(objectives, 29, left: true)
                    + pad(recovered, 10) + pad(String(format: "%.4f", wall), 9) + pad(String(format: "%.4f", cpu), 9)
                if python != nil {
                    let reference = try Self.reference(a: a, b: b, spec: spec, seed: seed, maxSweeps: maxSweeps)
                    line += pad("\(reference.sweeps)", 20) + pad(String(format: "%.6g", reference.objective), 11)
                        + pad(String(format: "%.3f", reference.cpu), 7)
                }
                print(line)
            }
        }
    }

    /// Runs the official algorithm (numpy + scipy, as in the paper's code) on the same weights.
    static func reference(
        a: Checkpoint, b: Checkpoint, spec: PermutationSpec, seed: UInt64, maxSweeps: Int
    ) throws -> (sweeps: Int, objective: Double, cpu: Double) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-match-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var shapes: [String] = []
        for (index, name) in spec.tensorNames.enumerated() {
            for (model, checkpoint) in [("a", a), ("b", b)] {
                let values = checkpoint[name]!.floats()
                try values.withUnsafeBufferPointer { Data(buffer: $0) }
                    .write(to: directory.appendingPathComponent("\(model)\(index).f32"))
            }
            shapes.append("[" + checkpoint(a, name).map(String.init).joined(separator: ",") + "]")
        }
        try spec.jsonString().write(to: directory.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
        let script = """
            import sys, json, time, numpy as np
            from scipy.optimize import linear_sum_assignment
            d = sys.argv[1]
            spec = json.load(open(d + "/spec.json"))
            names = sorted(spec["tensors"])
            order = [\(spec.tensorNames.map { "\"\($0)\"" }.joined(separator: ", "))]
            shapes = [\(shapes.joined(separator: ", "))]
            A = {n: np.fromfile(f"{d}/a{i}.f32", dtype='<f4').reshape(shapes[i]) for i, n in enumerate(order)}
            B = {n: np.fromfile(f"{d}/b{i}.f32", dtype='<f4').reshape(shapes[i]) for i, n in enumerate(order)}
            axes_to_perm = {k: [e if e is None or isinstance(e, str) else e["perm"] for e in v] for k, v in spec["tensors"].items()}
            perm_to_axes = {}
            for k, v in axes_to_perm.items():
                for axis, p in enumerate(v):
                    if p is not None: perm_to_axes.setdefault(p, []).append((k, axis))
            sizes = {p: A[axes[0][0]].shape[axes[0][1]] for p, axes in perm_to_axes.items()}
            def permuted(perm, k, params, except_axis=None):
                w = params[k]
                for axis, p in enumerate(axes_to_perm[k]):
                    if axis != except_axis and p is not None: w = np.take(w, perm[p], axis=axis)
                return w
            # Weight matching as in the paper's code (Algorithm 1): one LAP per permutation, random order per sweep.
            c0 = time.process_time()
            perm = {p: np.arange(n) for p, n in sizes.items()}
            pnames = list(perm.keys())
            rng = np.random.default_rng(\(seed))
            sweeps = 0
            for iteration in range(\(maxSweeps)):
                sweeps += 1
                progress = False
                for p_ix in rng.permutation(len(pnames)):
                    p = pnames[p_ix]; n = sizes[p]
                    S = np.zeros((n, n))
                    for wk, axis in perm_to_axes[p]:
                        w_a = np.moveaxis(A[wk], axis, 0).reshape((n, -1))
                        w_b = np.moveaxis(permuted(perm, wk, B, except_axis=axis), axis, 0).reshape((n, -1))
                        S += w_a @ w_b.T
                    ri, ci = linear_sum_assignment(S, maximize=True)
                    oldL = np.vdot(S, np.eye(n)[perm[p]]); newL = np.vdot(S, np.eye(n)[ci, :])
                    progress = progress or newL > oldL + 1e-12
                    perm[p] = ci
                if not progress: break
            cpu = time.process_time() - c0
            objective = sum(float(np.vdot(A[k].astype(np.float64), permuted(perm, k, B).astype(np.float64))) for k in order)
            print(sweeps, repr(objective), cpu)
            """
        let out = try ScipyRunner.python(["-c", script, directory.path])
        let parts = out.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count == 3, let sweeps = Int(parts[0]), let objective = Double(parts[1]), let cpu = Double(parts[2]) else {
            throw ValidationError("unexpected output from the python reference: \(out)")
        }
        return (sweeps, objective, cpu)
    }

    private static func checkpoint(_ c: Checkpoint, _ name: String) -> [Int] { c[name]!.shape }

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
