import MgitTensor
import MgitNetworks
/// Checks that a permuted network computes the same function as the original: the exact identity that makes
/// re-basin correct (and the most common bug in public re-basin code).
public struct FunctionCheck: Codable, Sendable, Equatable {
    /// Probe samples run through both networks.
    public var samples: Int
    /// max |logits′ − logits| / max(1, max |logits|): only floating-point summation order may differ.
    public var maxRelativeDifference: Double
    /// The bound it must stay under.
    public var tolerance: Double
    public var passed: Bool { maxRelativeDifference <= tolerance }

    /// Runs `inputs` through `original` and `permuted` and compares the logits.
    ///
    /// - Parameter inputs: Shape `[n, inputSize]`.
    public static func run(architecture: ArchitectureSpec, original: Checkpoint, permuted: Checkpoint,
                           inputs: FloatMatrix, tolerance: Double = 1e-4) throws -> FunctionCheck {
        let x = try makeNetwork(architecture, original).forward(inputs)
        let y = try makeNetwork(architecture, permuted).forward(inputs)
        var scale: Float = 1, worst: Float = 0
        for i in 0..<x.values.count {
            scale = max(scale, abs(x.values[i]))
            let d = abs(x.values[i] - y.values[i])
            worst = d.isNaN ? .infinity : max(worst, d)
        }
        return FunctionCheck(samples: inputs.rows, maxRelativeDifference: Double(worst / scale), tolerance: tolerance)
    }

    /// `count` seeded pseudo-random probe inputs in [0, 1), shape `[count, inputSize]`.
    public static func probeInputs(count: Int, inputSize: Int, seed: UInt64) -> FloatMatrix {
        var generator = SeededGenerator(seed: seed)
        return FloatMatrix(rows: count, columns: inputSize,
                           values: (0..<(count * inputSize)).map { _ in Float(generator.nextUnit()) })
    }

    /// The memberwise initializer, for the modules above this one.
    package init(samples: Int, maxRelativeDifference: Double, tolerance: Double) {
        self.samples = samples
        self.maxRelativeDifference = maxRelativeDifference
        self.tolerance = tolerance
    }
}
