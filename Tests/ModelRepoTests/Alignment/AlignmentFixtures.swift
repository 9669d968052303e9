@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// Random checkpoints with the tensor names of the built-in architectures.
enum AlignmentFixtures {
    static func gaussian(_ shape: [Int], _ g: inout SeededGenerator, scale: Double = 1, dtype: DType = .f32) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, floats: (0..<count).map { _ in Float(scale * g.nextGaussian()) }, dtype: dtype)
    }

    /// An MLP with layers `fc1 … fcL`; `widths` = [inputs, hidden…, classes].
    static func mlp(_ widths: [Int], seed: UInt64, dtype: DType = .f32) -> Checkpoint {
        var g = SeededGenerator(seed: seed)
        var c = Checkpoint()
        for k in 1..<widths.count {
            c["fc\(k).weight"] = gaussian([widths[k], widths[k - 1]], &g, scale: 1 / Double(widths[k - 1]).squareRoot(), dtype: dtype)
            c["fc\(k).bias"] = gaussian([widths[k]], &g, scale: 0.1, dtype: dtype)
        }
        return c
    }

    enum Norm { case batch, layer }

    /// ResNet-20 with width multiplier `w` (channels 16w, 32w, 64w), exactly the names of the built-in spec.
    static func resnet20(width w: Int, norm: Norm, seed: UInt64, classes: Int = 10) -> Checkpoint {
        var g = SeededGenerator(seed: seed)
        var c = Checkpoint()
        func addNorm(_ prefix: String, _ channels: Int) {
            c["\(prefix).weight"] = gaussian([channels], &g, scale: 0.2)
            c["\(prefix).bias"] = gaussian([channels], &g, scale: 0.2)
            if norm == .batch {
                c["\(prefix).running_mean"] = gaussian([channels], &g, scale: 0.2)
                c["\(prefix).running_var"] = Tensor(shape: [channels], floats: (0..<channels).map { _ in Float(0.5 + g.nextUnit()) })
                c["\(prefix).num_batches_tracked"] = Tensor(dtype: .i64, shape: [], bytes: [7, 0, 0, 0, 0, 0, 0, 0])
            }
        }
        func conv(_ name: String, _ out: Int, _ inp: Int, _ k: Int) {
            c[name] = gaussian([out, inp, k, k], &g, scale: 1 / Double(inp * k * k).squareRoot())
        }
        conv("conv1.weight", 16 * w, 3, 3)
        addNorm("bn1", 16 * w)
        var channels = 16 * w
        for s in 1...3 {
            let out = 16 * w << (s - 1)
            for b in 0..<3 {
                let p = "layer\(s).\(b)"
                conv("\(p).conv1.weight", out, channels, 3)
                addNorm("\(p).bn1", out)
                conv("\(p).conv2.weight", out, out, 3)
                addNorm("\(p).bn2", out)
                if b == 0 && s > 1 {
                    conv("\(p).shortcut.0.weight", out, channels, 1)
                    addNorm("\(p).shortcut.1", out)
                }
                channels = out
            }
        }
        c["linear.weight"] = gaussian([classes, channels], &g, scale: 0.1)
        c["linear.bias"] = gaussian([classes], &g, scale: 0.1)
        return c
    }

    /// A small VGG: conv 3→4 (BatchNorm), conv 4→6, then a classifier on a 2×2 map: 24 → 5 → 3.
    static func vgg(seed: UInt64) -> Checkpoint {
        var g = SeededGenerator(seed: seed)
        var c = Checkpoint()
        c["features.0.weight"] = gaussian([4, 3, 3, 3], &g)
        c["features.0.bias"] = gaussian([4], &g)
        c["features.1.weight"] = gaussian([4], &g)
        c["features.1.bias"] = gaussian([4], &g)
        c["features.1.running_mean"] = gaussian([4], &g)
        c["features.1.running_var"] = gaussian([4], &g)
        c["features.3.weight"] = gaussian([6, 4, 3, 3], &g)
        c["features.3.bias"] = gaussian([6], &g)
        c["classifier.0.weight"] = gaussian([5, 24], &g)
        c["classifier.0.bias"] = gaussian([5], &g)
        c["classifier.2.weight"] = gaussian([3, 5], &g)
        c["classifier.2.bias"] = gaussian([3], &g)
        return c
    }

    /// `checkpoint` with every permutation of `spec` drawn at random and applied; returns the permutations.
    static func randomlyPermuted(
        _ checkpoint: Checkpoint, spec: PermutationSpec, seed: UInt64
    ) throws -> (Checkpoint, PermutationSet) {
        var g = SeededGenerator(seed: seed)
        let sizes = try spec.sizes(for: checkpoint)
        var set = PermutationSet()
        for name in spec.permutationNames { set[name] = try Permutation(g.permutation(sizes[name]!)) }
        return (try spec.apply(set, to: checkpoint), set)
    }
}
