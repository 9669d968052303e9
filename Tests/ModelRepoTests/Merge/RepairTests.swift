import Foundation
import Testing
@testable import ModelRepo

/// REPAIR checked against a naive Double-precision reference: per-unit statistics computed with plain loops
/// (NaiveReference's forward passes, nothing shared with the BLAS code), the algorithm re-implemented
/// directly from Jordan et al. 2022, and the repaired model's statistics compared with the targets.
@Suite struct RepairTests {
    static let mlpSpec = ArchitectureSpec.mlp(layers: ["fc1", "fc2", "fc3"])
    static let vggSpec = ArchitectureSpec.vgg(
        input: [3, 4, 4],
        features: [.conv(name: "features.0", stride: 1, padding: 1), .pool(size: 2),
                   .conv(name: "features.3", stride: 1, padding: 1)],
        classifier: ["classifier.0", "classifier.2"])

    static func mlp(seed: UInt64) -> Checkpoint {
        var r = TestRandom(seed)
        var c = Checkpoint()
        for (name, out, inp) in [("fc1", 16, 12), ("fc2", 16, 16), ("fc3", 5, 16)] {
            c["\(name).weight"] = r.weights([out, inp])
            c["\(name).bias"] = r.tensor([out], -0.2, 0.2)
        }
        return c
    }

    /// A VGG without BatchNorm whose second convolution has no bias (REPAIR then only rescales it).
    static func vgg(seed: UInt64) -> Checkpoint {
        var r = TestRandom(seed)
        var c = Checkpoint()
        c["features.0.weight"] = r.weights([4, 3, 3, 3])
        c["features.0.bias"] = r.tensor([4], -0.2, 0.2)
        c["features.3.weight"] = r.weights([6, 4, 3, 3])
        c["classifier.0.weight"] = r.weights([5, 24])
        c["classifier.0.bias"] = r.tensor([5], -0.2, 0.2)
        c["classifier.2.weight"] = r.weights([3, 5])
        c["classifier.2.bias"] = r.tensor([3], -0.1, 0.1)
        return c
    }

    /// Each hidden layer's pre-activations as rows of positions by units, by naive loops in Double.
    static func naivePreActivations(_ c: Checkpoint, spec: ArchitectureSpec, _ x: FloatMatrix) -> [[[Double]]] {
        let rows = (0..<x.rows).map { r in (0..<x.columns).map { Double(x[r, $0]) } }
        func lin(_ h: [[Double]], _ name: String) -> [[Double]] {
            NaiveReference.linear(h, weight: c["\(name).weight"]!.floats(), bias: c["\(name).bias"]?.floats(),
                                  outputs: c["\(name).weight"]!.shape[0])
        }
        if spec.kind == .mlp {
            let z1 = lin(rows, "fc1"), z2 = lin(NaiveReference.relu(z1), "fc2")
            return [z1, z2]
        }
        let m0 = NaiveReference.maps(rows, c: 3, h: 4, w: 4)
        let z1 = NaiveReference.conv(m0, weight: c["features.0.weight"]!.floats(), bias: c["features.0.bias"]?.floats(),
                                     out: 4, k: 3, stride: 1, padding: 1)
        let p = NaiveReference.maxPool(NaiveReference.relu(z1), 2)
        let z2 = NaiveReference.conv(p, weight: c["features.3.weight"]!.floats(), bias: nil, out: 6, k: 3, stride: 1, padding: 1)
        let z3 = lin(NaiveReference.flatten(NaiveReference.relu(z2)), "classifier.0")
        return [z1.positionsByChannel(), z2.positionsByChannel(), z3]
    }

    /// Population mean and standard deviation of each column.
    static func columnStatistics(_ rows: [[Double]]) -> (mean: [Double], std: [Double]) {
        let n = Double(rows.count), units = rows[0].count
        let mean = (0..<units).map { u in rows.reduce(0.0) { $0 + $1[u] } / n }
        let std = (0..<units).map { u in (rows.reduce(0.0) { $0 + ($1[u] - mean[u]) * ($1[u] - mean[u]) } / n).squareRoot() }
        return (mean, std)
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test(arguments: ["mlp", "vgg"])
    func theRepairedModelsStatisticsHitTheInterpolatedTargets(kind: String) throws {
        let spec = kind == "mlp" ? Self.mlpSpec : Self.vggSpec
        let (a, b) = kind == "mlp" ? (Self.mlp(seed: 1), Self.mlp(seed: 2)) : (Self.vgg(seed: 1), Self.vgg(seed: 2))
        var r = TestRandom(3)
        let x = r.inputs(rows: 150, columns: kind == "mlp" ? 12 : 48)
        let lambda = 0.3
        let repair = try Repair(a: a, b: b, spec: spec, data: x, batch: 64)

        // The endpoints' statistics, measured in batches of 64, match naive loops over all samples.
        let naiveA = Self.naivePreActivations(a, spec: spec, x).map(Self.columnStatistics)
        let naiveB = Self.naivePreActivations(b, spec: spec, x).map(Self.columnStatistics)
        #expect(repair.a.count == naiveA.count)
        for (got, want) in zip(repair.a + repair.b, naiveA + naiveB) {
            #expect(Self.close(got.mean, want.mean, 1e-5) && Self.close(got.std, want.std, 1e-5), "\(got.layer)")
        }

        let mixed = try Interpolation.interpolate(a, b, lambda: lambda)
        let repaired = try repair.repair(mixed, lambda: lambda)
        #expect(repaired.names.sorted() == mixed.names.sorted())
        for name in mixed.names { #expect(repaired[name]!.shape == mixed[name]!.shape && repaired[name]!.dtype == mixed[name]!.dtype) }
        // The output layer is not a hidden layer: untouched.
        let last = kind == "mlp" ? "fc3" : "classifier.2"
        #expect(repaired["\(last).weight"] == mixed["\(last).weight"] && repaired["\(last).bias"] == mixed["\(last).bias"])

        // Measured independently on the repaired checkpoint: every unit's mean and std are the targets
        // (1−λ)·stat_A + λ·stat_B; a layer without a bias is only rescaled, so its std hits the target.
        let measured = Self.naivePreActivations(repaired, spec: spec, x).map(Self.columnStatistics)
        let before = Self.naivePreActivations(mixed, spec: spec, x).map(Self.columnStatistics)
        for (l, stats) in measured.enumerated() {
            let targetMean = zip(naiveA[l].mean, naiveB[l].mean).map { (1 - lambda) * $0 + lambda * $1 }
            let targetStd = zip(naiveA[l].std, naiveB[l].std).map { (1 - lambda) * $0 + lambda * $1 }
            #expect(Self.close(stats.std, targetStd, 1e-4), "layer \(l) std \(stats.std) vs \(targetStd)")
            let noBias = kind == "vgg" && l == 1
            if !noBias { #expect(Self.close(stats.mean, targetMean, 1e-4), "layer \(l) mean \(stats.mean) vs \(targetMean)") }
            // The test means something: before REPAIR the mix's statistics were off the targets.
            #expect(!Self.close(before[l].std, targetStd, 1e-2), "layer \(l) was already at its targets")
        }
    }

    @Test func foldedWeightsEqualANaiveReimplementation() throws {
        // REPAIR written out directly: measure layer 1 of the mix, fold, then layer 2 of the partly repaired mix.
        let (a, b) = (Self.mlp(seed: 11), Self.mlp(seed: 12))
        var r = TestRandom(13)
        let x = r.inputs(rows: 120, columns: 12)
        let lambda = 0.5
        let statsA = Self.naivePreActivations(a, spec: Self.mlpSpec, x).map(Self.columnStatistics)
        let statsB = Self.naivePreActivations(b, spec: Self.mlpSpec, x).map(Self.columnStatistics)
        var targets: [(mean: [Double], std: [Double])] = []
        for l in statsA.indices {
            let mean: [Double] = zip(statsA[l].mean, statsB[l].mean).map { ($0 + $1) / 2 }
            let std: [Double] = zip(statsA[l].std, statsB[l].std).map { ($0 + $1) / 2 }
            targets.append((mean, std))
        }
        var reference = try Interpolation.interpolate(a, b, lambda: lambda)
        var weights: [String: [Double]] = [:]
        for (l, name) in ["fc1", "fc2"].enumerated() {
            let stats = Self.columnStatistics(Self.naivePreActivations(reference, spec: Self.mlpSpec, x)[l])
            let w = reference["\(name).weight"]!.floats().map(Double.init), bias = reference["\(name).bias"]!.floats().map(Double.init)
            let inputs = w.count / bias.count
            var newW = w, newB = bias
            for u in bias.indices {
                let s = targets[l].std[u] / stats.std[u]
                for k in 0..<inputs { newW[u * inputs + k] = s * w[u * inputs + k] }
                newB[u] = s * (bias[u] - stats.mean[u]) + targets[l].mean[u]
            }
            weights["\(name).weight"] = newW
            weights["\(name).bias"] = newB
            reference["\(name).weight"] = Tensor(shape: reference["\(name).weight"]!.shape, floats: newW.map(Float.init))
            reference["\(name).bias"] = Tensor(shape: [bias.count], floats: newB.map(Float.init))
        }
        let repaired = try Repair(a: a, b: b, spec: Self.mlpSpec, data: x).repair(try Interpolation.interpolate(a, b, lambda: lambda),
                                                                                  lambda: lambda)
        for (name, want) in weights {
            #expect(NaiveReference.relativeError(repaired[name]!.floats(), want) < 1e-5, "\(name)")
        }
    }

    @Test func endpointsAreLeftAsTheyAreAndOtherArchitecturesAreRefused() throws {
        let (a, b) = (Self.mlp(seed: 21), Self.mlp(seed: 22))
        var r = TestRandom(23)
        let x = r.inputs(rows: 40, columns: 12)
        let repair = try Repair(a: a, b: b, spec: Self.mlpSpec, data: x)
        #expect(try repair.repair(a, lambda: 0) == a)
        #expect(try repair.repair(b, lambda: 1) == b)
        #expect(repair.summary(data: "test").units == 32 && repair.summary(data: "test").layers == 2)
        let resnet = AlignmentFixtures.resnet20(width: 1, norm: .batch, seed: 24)
        #expect(throws: MgitError.self) {
            _ = try Repair(a: resnet, b: resnet, spec: .resnet20(input: [3, 32, 32]), data: FloatMatrix(rows: 2, columns: 3072))
        }
        #expect(throws: MgitError.self) { _ = try Repair(a: a, b: b, spec: Self.mlpSpec, data: FloatMatrix(rows: 4, columns: 11)) }
    }
}
