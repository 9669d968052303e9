import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitHooks
@testable import MgitMerge

/// Each method against values worked out by hand or recomputed here in plain Double loops.
@Suite struct MergeMethodTests {
    private func parameters(_ method: MergeMethod, _ inputs: Int, _ edit: (inout TensorMergeParameters) -> Void = { _ in })
        -> TensorMergeParameters {
        var p = TensorMergeParameters(method: method, inputs: inputs)
        edit(&p)
        return p
    }

    private let seed = DropMask.Stream(seed: 7).forTensor("w")

    @Test func tiesTrimsWithPositionTieBreakElectsBySumAndAverages() throws {
        // Worked by hand. τ1 = [3, −2, 2, 2, −1], density 0.6 → k = ⌊3.0⌋ = 3; magnitudes 3, 2, 2, 2, 1: the
        // third largest is 2, one entry is above it, so the first two of the three 2s (positions 1, 2) stay.
        // τ2 = [−1, 4, 1, −5, 2], density 0.6 → keeps −5, 4, 2.
        // Weights (1, 2): d1 = [3, −2, 2, 0, 0], d2 = [0, 8, 0, −10, 4]; Σ = [3, 6, 2, −10, 4] elects + + + − +.
        // Kept and divided by the kept weights: [3/1, 8/2, 2/1, −10/2, 4/2] = [3, 4, 2, −5, 2].
        let base: [Float] = [0.5, -0.5, 1, 2, 0]
        let tau1: [Float] = [3, -2, 2, 2, -1], tau2: [Float] = [-1, 4, 1, -5, 2]
        let x1 = zip(base, tau1).map { $0 + $1 }, x2 = zip(base, tau2).map { $0 + $1 }
        let (merged, stats) = try TensorMerge.merge(
            method: .ties, base: base, inputs: [x1, x2], shape: [5],
            parameters: parameters(.ties, 2) { $0.weights = [1, 2]; $0.densities = [0.6, 0.6] }, randomness: seed)
        #expect(merged == zip(base, [3, 4, 2, -5, 2] as [Float]).map { $0 + $1 })
        // Only position 1 kept changes of both signs (−2 and 8).
        #expect(stats.signConflicts == 0.2)
    }

    @Test func tiesElectsTheSignOfTheSumNotTheCountAndZeroSumIsPositive() throws {
        let zero: [Float] = [0, 0]
        // Position 0: two of three changes are positive, but the weighted sum is negative and wins.
        let (merged, _) = try TensorMerge.merge(
            method: .ties, base: zero, inputs: [[1, 2], [1, 0], [-5, -1]], shape: [2],
            parameters: parameters(.ties, 3) { $0.weights = [1, 1, 2] }, randomness: seed)
        // With weights (1, 1, 2): position 0 has d = [1, 1, −10], Σ = −8, kept −10 / 2 = −5;
        // position 1 has d = [2, 0, −2], Σ = 0 → +, kept 2 / 1.
        #expect(merged == [-5, 2])
        // Without normalize the kept entries are summed as they are.
        let (raw, _) = try TensorMerge.merge(
            method: .ties, base: zero, inputs: [[1, 2], [1, 0], [-5, -1]], shape: [2],
            parameters: parameters(.ties, 3) { $0.weights = [1, 1, 2]; $0.normalize = false; $0.lambda = 0.5 }, randomness: seed)
        #expect(raw == [-5, 1])
    }

    @Test func magnitudeTrimKeepsAtLeastOneAndHandlesTheEdges() {
        var t: [Float] = [0.1, -0.3, 0.2]
        MagnitudeTrim.apply(&t, density: 0.01, rescale: .none)     // ⌊0.03⌋ = 0 → at least one
        #expect(t == [0, -0.3, 0])
        var all: [Float] = [1, 2]
        MagnitudeTrim.apply(&all, density: 1, rescale: .l1)
        #expect(all == [1, 2])
        var none: [Float] = [1, 2]
        MagnitudeTrim.apply(&none, density: 0, rescale: .none)
        #expect(none == [0, 0])
        var rescaled: [Float] = [4, -1, 3]                          // keeps 4 and 3, L1 8 → 7 scaled by 8/7
        MagnitudeTrim.apply(&rescaled, density: 0.67, rescale: .l1)
        #expect(abs(rescaled[0] - 32.0 / 7) < 1e-6 && rescaled[1] == 0 && abs(rescaled[2] - 24.0 / 7) < 1e-6)
    }

    @Test func quickselectAgreesWithSorting() {
        var generator = SeededGenerator(seed: 3)
        for n in [1, 2, 7, 100, 1001] {
            let values = (0..<n).map { _ in Float(generator.nextIndex(below: 50)) }   // many ties
            let sorted = values.sorted(by: >)
            for k in Set([1, n / 2 + 1, n]) {
                var copy = values
                #expect(MagnitudeTrim.kthLargest(&copy, k) == sorted[k - 1])
            }
        }
    }

    @Test func dareDropsAtTheDensityAndKeepsTheL1Norm() {
        let n = 200_000
        var generator = SeededGenerator(seed: 11)
        let tau = (0..<n).map { _ in Float(generator.nextIndex(below: 2001) - 1000) / 1000 }
        let l1 = tau.reduce(0.0) { $0 + Double(abs($1)) }
        let stream = DropMask.Stream(seed: 42).forTensor("model.layers.0.mlp.up_proj.weight").forInput(0)

        var kept = tau
        DropMask.apply(&kept, density: 0.3, rescale: .l1, stream: stream)
        let survivors = zip(tau, kept).filter { $0.0 != 0 && $0.1 != 0 }.count
        let nonzero = tau.filter { $0 != 0 }.count
        // Binomial(nonzero, 0.3): σ ≈ 0.001 of the fraction; 5σ bounds.
        #expect(abs(Double(survivors) / Double(nonzero) - 0.3) < 0.005)
        let after = kept.reduce(0.0) { $0 + Double(abs($1)) }
        #expect(abs(after - l1) / l1 < 1e-5)
        // Every survivor is scaled by the same factor ‖τ‖₁ / ‖mask·τ‖₁.
        let ratios = zip(tau, kept).filter { $0.1 != 0 }.map { Double($0.1 / $0.0) }
        #expect(ratios.max()! - ratios.min()! < 1e-5)

        // The paper's rule: survivors × 1/density, the same entries kept.
        var paper = tau
        DropMask.apply(&paper, density: 0.3, rescale: .inverseDensity, stream: stream)
        #expect(zip(paper, kept).allSatisfy { ($0 == 0) == ($1 == 0) })
        #expect(zip(tau, paper).allSatisfy { $1 == 0 || abs($1 - $0 / 0.3) <= 1e-6 * abs($1) })

        // Same seed, same drops; another seed, tensor or input, other drops (overlap ≈ density² = 0.09).
        var again = tau
        DropMask.apply(&again, density: 0.3, rescale: .l1, stream: stream)
        #expect(again == kept)
        for other in [DropMask.Stream(seed: 43).forTensor("model.layers.0.mlp.up_proj.weight").forInput(0),
                      DropMask.Stream(seed: 42).forTensor("model.layers.1.mlp.up_proj.weight").forInput(0),
                      DropMask.Stream(seed: 42).forTensor("model.layers.0.mlp.up_proj.weight").forInput(1)] {
            var x = tau
            DropMask.apply(&x, density: 0.3, rescale: .none, stream: other)
            let both = zip(x, kept).filter { $0.0 != 0 && $0.1 != 0 }.count
            #expect(abs(Double(both) / Double(nonzero) - 0.09) < 0.005)
        }
    }

    @Test func dareLinearIsTaskArithmeticOverTheKeptRescaledDeltas() throws {
        let n = 1000
        var generator = SeededGenerator(seed: 5)
        let base = (0..<n).map { _ in Float(generator.nextIndex(below: 100)) / 50 - 1 }
        let x = (0..<2).map { _ in base.map { $0 + Float(generator.nextIndex(below: 100)) / 100 - 0.5 } }
        let p = parameters(.dareLinear, 2) { $0.weights = [0.7, 0.3]; $0.densities = [0.5, 0.8]; $0.lambda = 1.5 }
        let (merged, _) = try TensorMerge.merge(method: .dareLinear, base: base, inputs: x, shape: [n], parameters: p, randomness: seed)
        // Reference: the same masks (DropMask is tested above), then Σ w_i·τ_i·λ in Double, normalize off.
        var expected = base.map(Double.init)
        for i in 0..<2 {
            var tau = zip(x[i], base).map { $0 - $1 }
            DropMask.apply(&tau, density: p.densities[i], rescale: .l1, stream: seed.forInput(i))
            for j in 0..<n { expected[j] += 1.5 * p.weights[i] * Double(tau[j]) }
        }
        #expect(zip(merged, expected).allSatisfy { abs(Double($0) - $1) < 1e-5 })
    }

    @Test func taskArithmeticAndLinearMatchTheirFormulas() throws {
        let base: [Float] = [1, 2, 3], a: [Float] = [2, 2, 1], b: [Float] = [0, 4, 3]
        let (ta, stats) = try TensorMerge.merge(method: .taskArithmetic, base: base, inputs: [a, b], shape: [3],
                                                parameters: parameters(.taskArithmetic, 2) { $0.weights = [0.5, 2]; $0.lambda = 0.8 },
                                                randomness: seed)
        // τa = [1, 0, −2], τb = [−1, 2, 0]: base + 0.8·(0.5·τa + 2·τb) = [1 − 1.2, 2 + 3.2, 3 − 0.8]
        #expect(zip(ta, [-0.2, 5.2, 2.2] as [Double]).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        // cos(τa, τb) = −1 / (√5·√5)
        #expect(abs(stats.changeCosine! - (-0.2)) < 1e-12)
        let (normalized, _) = try TensorMerge.merge(method: .taskArithmetic, base: base, inputs: [a, b], shape: [3],
                                                    parameters: parameters(.taskArithmetic, 2) { $0.weights = [1, 3]; $0.normalize = true },
                                                    randomness: seed)
        #expect(normalized == [0.5, 3.5, 2.5])
        let (linear, _) = try TensorMerge.merge(method: .linear, base: nil, inputs: [a, b], shape: [3],
                                                parameters: parameters(.linear, 2) { $0.weights = [3, 1] }, randomness: seed)
        #expect(linear == [1.5, 2.5, 1.5])
        #expect(throws: MgitError.self) {
            try TensorMerge.merge(method: .linear, base: nil, inputs: [a, b], shape: [3],
                                  parameters: parameters(.linear, 2) { $0.weights = [1, -1] }, randomness: seed)
        }
    }

    @Test func slerpFollowsTheArcAndFallsBackToLinearNearColinear() throws {
        // Orthogonal unit vectors: the midpoint of the arc is (√½, √½), of the chord (½, ½).
        let (mid, _) = try TensorMerge.merge(method: .slerp, base: nil, inputs: [[1, 0], [0, 1]], shape: [2],
                                             parameters: parameters(.slerp, 2) { $0.t = 0.5 }, randomness: seed)
        #expect(abs(mid[0] - Float(0.5.squareRoot())) < 1e-6 && abs(mid[1] - Float(0.5.squareRoot())) < 1e-6)
        // t = 0.25 on a 90° arc: (cos 22.5°, sin 22.5°).
        let (quarter, _) = try TensorMerge.merge(method: .slerp, base: nil, inputs: [[2, 0], [0, 2]], shape: [2],
                                                 parameters: parameters(.slerp, 2) { $0.t = 0.25 }, randomness: seed)
        #expect(abs(Double(quarter[0]) - 2 * cos(Double.pi / 8)) < 1e-6 && abs(Double(quarter[1]) - 2 * sin(Double.pi / 8)) < 1e-6)
        // cos φ just below the 0.9995 threshold: the arc (midpoint of norm 1); just above: the chord (norm cos(φ/2)).
        for (c, spherical) in [(0.9994, true), (0.9996, false)] {
            let s = (1 - c * c).squareRoot()
            let (m, _) = try TensorMerge.merge(method: .slerp, base: nil, inputs: [[1, 0], [Float(c), Float(s)]], shape: [2],
                                               parameters: parameters(.slerp, 2) { $0.t = 0.5 }, randomness: seed)
            let norm = (Double(m[0]) * Double(m[0]) + Double(m[1]) * Double(m[1])).squareRoot()
            let chord = ((1 + c) / 2).squareRoot()
            #expect(abs(norm - (spherical ? 1 : chord)) < 2e-6, "cos φ = \(c)")
        }
        // SLERP is between two models only.
        #expect(throws: MgitError.self) {
            try TensorMerge.merge(method: .slerp, base: nil, inputs: [[1], [2], [3]], shape: [1],
                                  parameters: parameters(.slerp, 3), randomness: seed)
        }
    }

    @Test func modelStockInterpolatesByTheAngleBetweenFineTunes() throws {
        // Reference in Double: offsets o1 = [1, 1], o2 = [1, 0]; cos = 1/√2; t = 2c / (1 + c).
        let base: [Float] = [0.5, -1], w1: [Float] = [1.5, 0], w2: [Float] = [1.5, -1]
        let c = 1 / 2.0.squareRoot(), t = 2 * c / (1 + c)
        let expected = (0..<2).map { j in t * (Double(w1[j]) + Double(w2[j])) / 2 + (1 - t) * Double(base[j]) }
        let (m, stats) = try TensorMerge.merge(method: .modelStock, base: base, inputs: [w1, w2], shape: [2],
                                               parameters: parameters(.modelStock, 2), randomness: seed)
        #expect(zip(m, expected).allSatisfy { abs(Double($0) - $1) < 1e-6 })
        #expect(abs(stats.changeCosine! - c) < 1e-12)
        // Orthogonal changes: t = 0, the base.
        let (orthogonal, _) = try TensorMerge.merge(method: .modelStock, base: [0, 0], inputs: [[1, 0], [0, 1]], shape: [2],
                                                    parameters: parameters(.modelStock, 2), randomness: seed)
        #expect(orthogonal == [0, 0])
        // Filter-wise on [2, 2]: row 0 has colinear changes (t = 1, the mean), row 1 orthogonal ones (t = 0).
        let (rows, _) = try TensorMerge.merge(method: .modelStock, base: [0, 0, 0, 0], inputs: [[1, 1, 1, 0], [2, 2, 0, 1]],
                                              shape: [2, 2], parameters: parameters(.modelStock, 2) { $0.filterWise = true },
                                              randomness: seed)
        #expect(zip(rows, [1.5, 1.5, 0, 0] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        // Opposed changes make 1 + (k−1)·c = 0: the base is kept rather than an unbounded ratio.
        let (opposed, _) = try TensorMerge.merge(method: .modelStock, base: [1, 1], inputs: [[2, 1], [0, 1]], shape: [2],
                                                 parameters: parameters(.modelStock, 2), randomness: seed)
        #expect(opposed == [1, 1])
    }

    @Test func methodsThatNeedABaseRefuseWithoutOne() {
        for method in [MergeMethod.taskArithmetic, .ties, .dareLinear, .dareTies, .modelStock] {
            #expect(throws: MgitError.self) {
                try TensorMerge.merge(method: method, base: nil, inputs: [[1], [2]], shape: [1],
                                      parameters: parameters(method, 2), randomness: seed)
            }
        }
    }

    @Test(arguments: [("task_arithmetic", MergeMethod.taskArithmetic), ("dare_ties", .dareTies), ("DARE-linear", .dareLinear),
                      ("model_stock", .modelStock), ("slerp", .slerp), ("ties", .ties), ("linear", .linear)])
    func mergekitSpellingsAreAccepted(name: String, method: MergeMethod) {
        #expect(MergeMethod(name: name) == method)
        #expect(MergeMethod(name: method.mergekitName!) == method)
    }

    @Test func defaultsAreMergekits() {
        #expect(TensorMergeParameters(method: .ties, inputs: 1).normalize)
        #expect(TensorMergeParameters(method: .linear, inputs: 1).normalize)
        for m in [MergeMethod.taskArithmetic, .dareLinear, .dareTies] { #expect(!TensorMergeParameters(method: m, inputs: 1).normalize) }
        #expect(TensorMergeParameters(method: .dareTies, inputs: 1).rescale == .l1)
        #expect(TensorMergeParameters(method: .ties, inputs: 1).rescale == DeltaRescale.none)
    }
}
