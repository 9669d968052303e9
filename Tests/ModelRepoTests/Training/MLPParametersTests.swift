import Foundation
import Testing
import ModelRepo
@testable import Training

@Suite struct MLPParametersTests {
    /// The mean cross-entropy of the MLP in Double, by plain loops.
    static func referenceLoss(_ widths: [Int], _ p: [Double], _ x: [[Double]], _ labels: [Int]) -> Double {
        var total = 0.0
        for (row, label) in zip(x, labels) {
            var a = row
            var offset = 0
            for l in 0..<(widths.count - 1) {
                let (inputs, outputs) = (widths[l], widths[l + 1])
                var z = [Double](repeating: 0, count: outputs)
                for o in 0..<outputs {
                    z[o] = p[offset + inputs * outputs + o]
                    for i in 0..<inputs { z[o] += p[offset + o * inputs + i] * a[i] }
                }
                offset += (inputs + 1) * outputs
                a = l < widths.count - 2 ? z.map { max($0, 0) } : z
            }
            let m = a.max()!
            total += log(a.map { exp($0 - m) }.reduce(0, +)) + m - a[label]
        }
        return total / Double(x.count)
    }

    @Test(arguments: [[5, 4, 3], [6, 5, 4, 3], [3, 7]])
    func gradientMatchesCentralFiniteDifferences(widths: [Int]) {
        var generator = SeededGenerator(seed: UInt64(widths.reduce(0, +)))
        let parameters = MLPParameters(widths: widths, values: (0..<MLPParameters.parameterCount(widths)).map { _ in
            Float(generator.nextUnit() * 2 - 1)
        })
        let n = 6
        let x = FloatMatrix(rows: n, columns: widths[0], values: (0..<(n * widths[0])).map { _ in Float(generator.nextUnit() * 2 - 1) })
        let labels = (0..<n).map { $0 % widths.last! }
        let (loss, gradient) = parameters.lossAndGradient(x, labels: labels[...])

        let rows = (0..<n).map { r in (0..<widths[0]).map { Double(x[r, $0]) } }
        let p = parameters.values.map(Double.init)
        let reference = Self.referenceLoss(widths, p, rows, labels)
        #expect(abs(loss - reference) < 1e-5 * max(1, reference))
        let h = 1e-5
        for i in p.indices {
            var plus = p, minus = p
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.referenceLoss(widths, plus, rows, labels) - Self.referenceLoss(widths, minus, rows, labels)) / (2 * h)
            #expect(abs(Double(gradient[i]) - numeric) < 1e-5 + 1e-3 * abs(numeric), "parameter \(i): \(gradient[i]) vs \(numeric)")
        }
    }

    @Test func heInitialisationHasTheRightSpreadAndZeroBiases() {
        let p = MLPParameters.heInitialized(widths: [784, 256, 10], seed: 3)
        let w = Array(p.values[0..<(784 * 256)]).map(Double.init)
        let mean = w.reduce(0, +) / Double(w.count)
        let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)
        #expect(abs(mean) < 0.002)
        #expect(abs(variance / (2.0 / 784) - 1) < 0.02)
        #expect(p.values[(784 * 256)..<(785 * 256)].allSatisfy { $0 == 0 })
        #expect(MLPParameters.heInitialized(widths: [784, 256, 10], seed: 3) == p)
        #expect(MLPParameters.heInitialized(widths: [784, 256, 10], seed: 4) != p)
    }

    @Test func checkpointRoundTripsWithPyTorchNames() throws {
        let p = MLPParameters.heInitialized(widths: [4, 3, 2], seed: 1)
        let c = p.checkpoint()
        #expect(c.names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(c["fc1.weight"]?.shape == [3, 4] && c["fc2.bias"]?.shape == [2] && c["fc1.weight"]?.dtype == .f32)
        #expect(try MLPParameters(checkpoint: c) == p)
        // The ModelRepo forward pass and the training forward pass agree on the logits' loss.
        let x = FloatMatrix(rows: 2, columns: 4, values: [0.1, -0.2, 0.3, 0.4, 1, 0, -1, 0.5])
        let eval = try Evaluation.evaluate(makeNetwork(.mlp(), c), Dataset(inputs: x, labels: [0, 1]))
        #expect(abs(eval.loss - p.lossAndGradient(x, labels: [0, 1]).loss) < 1e-6)
    }

    @Test func sgdMomentumAndAdamFollowPyTorchsRules() {
        var sgd = OptimizerState(.sgd(momentum: 0.5), learningRate: 0.1, parameterCount: 2)
        var p: [Float] = [1, -1]
        sgd.step(&p, gradient: [2, 4])     // v = g = [2, 4]; p = [1 − 0.2, −1 − 0.4]
        #expect(p == [0.8, -1.4])
        sgd.step(&p, gradient: [0, -2])    // v = [1, 0]; p = [0.7, −1.4]
        #expect(abs(p[0] - 0.7) < 1e-6 && abs(p[1] + 1.4) < 1e-6)

        var adam = OptimizerState(.adam(), learningRate: 0.01, parameterCount: 2)
        var q: [Float] = [0, 0]
        // First Adam step: m̂ = g, v̂ = g², so each parameter moves lr·g/(|g| + ε) ≈ −lr·sign(g).
        adam.step(&q, gradient: [3, -0.5])
        #expect(abs(q[0] + 0.01) < 1e-6 && abs(q[1] - 0.01) < 1e-6)
        // Second step with the same gradient: m̂ = g and v̂ = g² again, so the same move.
        adam.step(&q, gradient: [3, -0.5])
        #expect(abs(q[0] + 0.02) < 1e-6 && abs(q[1] - 0.02) < 1e-6)
    }
}
