import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations
@testable import Training

@Suite struct VGGParametersTests {
    typealias Naive = NaiveReference
    /// input [2, 6, 6] → conv 3×3 to 3 (pad 1) → pool 2 → conv 3×3 to 4 (stride 2, pad 1) → 4×2×2 → 5 → 3.
    static let stages: [VGGParameters.Stage] = [.conv(channels: 3, kernel: 3, stride: 1, padding: 1), .pool(size: 2),
                                                .conv(channels: 4, kernel: 3, stride: 2, padding: 1)]

    /// The mean cross-entropy by plain Double loops, reading the parameters at their documented offsets.
    static func referenceLoss(_ p: [Double], _ x: [[Double]], _ labels: [Int]) -> Double {
        var m = Naive.maps(x, c: 2, h: 6, w: 6)
        m = Naive.relu(Naive.conv(m, weight: Array(p[0..<54]), bias: Array(p[54..<57]), out: 3, k: 3, stride: 1, padding: 1))
        m = Naive.maxPool(m, 2)
        m = Naive.relu(Naive.conv(m, weight: Array(p[57..<165]), bias: Array(p[165..<169]), out: 4, k: 3, stride: 2, padding: 1))
        var h = Naive.relu(Naive.linear(Naive.flatten(m), weight: Array(p[169..<249]), bias: Array(p[249..<254]), outputs: 5))
        h = Naive.linear(h, weight: Array(p[254..<269]), bias: Array(p[269..<272]), outputs: 3)
        return zip(h, labels).map { z, y in
            let top = z.max()!
            return log(z.map { exp($0 - top) }.reduce(0, +)) + top - z[y]
        }.reduce(0, +) / Double(x.count)
    }

    @Test func gradientMatchesCentralFiniteDifferences() throws {
        var p = try VGGParameters(input: [2, 6, 6], stages: Self.stages, hidden: [5], classes: 3, seed: 4)
        #expect(p.values.count == 272)
        var g = SeededGenerator(seed: 8)
        // Nonzero biases so that every parameter's gradient is exercised.
        p.values = p.values.map { $0 + Float(g.nextUnit() * 0.2 - 0.1) }
        let n = 4
        let x = FloatMatrix(rows: n, columns: 72, values: (0..<(n * 72)).map { _ in Float(g.nextUnit() * 2 - 1) })
        let labels = [0, 2, 1, 2]
        let (loss, gradient) = p.lossAndGradient(x, labels: labels[...])
        let rows = (0..<n).map { r in (0..<72).map { Double(x[r, $0]) } }
        let params = p.values.map(Double.init)
        #expect(abs(loss - Self.referenceLoss(params, rows, labels)) < 1e-5)
        let h = 1e-5
        for i in params.indices {
            var plus = params, minus = params
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.referenceLoss(plus, rows, labels) - Self.referenceLoss(minus, rows, labels)) / (2 * h)
            #expect(abs(Double(gradient[i]) - numeric) < 1e-5 + 1e-3 * abs(numeric), "parameter \(i): \(gradient[i]) vs \(numeric)")
        }
    }

    @Test func checkpointAndSpecBuildTheSameNetworkInModelRepo() throws {
        let p = try VGGParameters(input: [2, 6, 6], stages: Self.stages, hidden: [5], classes: 3, seed: 5)
        let c = p.checkpoint()
        #expect(c.names == ["features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
                            "classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "classifier.2.bias"])
        #expect(c["features.3.weight"]?.floats() == Array(p.values[57..<165]))
        let x = FloatMatrix(rows: 3, columns: 72, values: (0..<216).map { Float($0 % 13) / 13 - 0.4 })
        let dataset = Dataset(inputs: x, labels: [1, 0, 2], sampleShape: [2, 6, 6])
        let eval = try Evaluation.evaluate(makeNetwork(p.spec, c), dataset)
        #expect(abs(eval.loss - p.lossAndGradient(x, labels: [1, 0, 2]).loss) < 1e-5)
        #expect(throws: MgitError.self) {
            try VGGParameters(input: [1, 4, 4], stages: [.pool(size: 8)], hidden: [], classes: 2, seed: 1)
        }
    }
}
