import Foundation
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// Straightforward Double-precision loops that the BLAS forward passes are checked against: direct
/// convolution, window-by-window pooling, textbook norms. NCHW layout, nothing shared with the code under test.
enum NaiveReference {
    /// A batch of feature maps, NCHW, in Double.
    struct Maps {
        var n: Int, c: Int, h: Int, w: Int
        var v: [Double]
        func at(_ s: Int, _ ch: Int, _ y: Int, _ x: Int) -> Double { v[((s * c + ch) * h + y) * w + x] }

        /// Rows `(sample, y, x)`, columns channels: the layout `HiddenActivation` promises.
        func positionsByChannel() -> [[Double]] {
            var rows: [[Double]] = []
            for s in 0..<n { for y in 0..<h { for x in 0..<w { rows.append((0..<c).map { at(s, $0, y, x) }) } } }
            return rows
        }
    }

    static func maps(_ x: [[Double]], c: Int, h: Int, w: Int) -> Maps {
        Maps(n: x.count, c: c, h: h, w: w, v: x.flatMap { $0 })
    }

    /// `y[s][o] = b[o] + Σ_i x[s][i] · W[o][i]`, W row-major `[out, in]`.
    static func linear<W: BinaryFloatingPoint>(_ x: [[Double]], weight: [W], bias: [W]?, outputs: Int) -> [[Double]] {
        let inputs = x.first?.count ?? 0
        return x.map { row in
            (0..<outputs).map { o in
                var sum = Double(bias?[o] ?? 0)
                for i in 0..<inputs { sum += row[i] * Double(weight[o * inputs + i]) }
                return sum
            }
        }
    }

    static func relu(_ x: [[Double]]) -> [[Double]] { x.map { $0.map { max($0, 0) } } }
    static func relu(_ m: Maps) -> Maps { var m = m; m.v = m.v.map { max($0, 0) }; return m }

    /// Direct convolution (cross-correlation) with zero padding; weight `[out, in, k, k]`.
    static func conv<W: BinaryFloatingPoint>(_ x: Maps, weight: [W], bias: [W]?, out: Int, k: Int, stride: Int,
                                             padding: Int) -> Maps {
        let oh = (x.h + 2 * padding - k) / stride + 1, ow = (x.w + 2 * padding - k) / stride + 1
        var y = Maps(n: x.n, c: out, h: oh, w: ow, v: [])
        for s in 0..<x.n {
            for o in 0..<out {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(bias?[o] ?? 0)
                        for i in 0..<x.c {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                                    guard iy >= 0, iy < x.h, ix >= 0, ix < x.w else { continue }
                                    sum += x.at(s, i, iy, ix) * Double(weight[((o * x.c + i) * k + ky) * k + kx])
                                }
                            }
                        }
                        y.v.append(sum)
                    }
                }
            }
        }
        return y
    }

    static func maxPool(_ x: Maps, _ k: Int) -> Maps {
        var y = Maps(n: x.n, c: x.c, h: x.h / k, w: x.w / k, v: [])
        for s in 0..<x.n { for c in 0..<x.c { for oy in 0..<y.h { for ox in 0..<y.w {
            var best = -Double.infinity
            for dy in 0..<k { for dx in 0..<k { best = max(best, x.at(s, c, oy * k + dy, ox * k + dx)) } }
            y.v.append(best)
        } } } }
        return y
    }

    /// BatchNorm with given per-channel mean and variance, eps 1e-5.
    static func batchNorm(_ x: Maps, mean: [Double], variance: [Double], weight: [Float], bias: [Float]) -> Maps {
        var y = x
        for s in 0..<x.n { for c in 0..<x.c { for p in 0..<(x.h * x.w) {
            let i = (s * x.c + c) * x.h * x.w + p
            y.v[i] = (x.v[i] - mean[c]) / (variance[c] + 1e-5).squareRoot() * Double(weight[c]) + Double(bias[c])
        } } }
        return y
    }

    /// Per-channel mean and biased variance over all samples and positions (BatchNorm training mode).
    static func channelStatistics(_ x: Maps) -> (mean: [Double], variance: [Double]) {
        var mean = [Double](repeating: 0, count: x.c), variance = mean
        let m = Double(x.n * x.h * x.w)
        for c in 0..<x.c {
            var values: [Double] = []
            for s in 0..<x.n { for y in 0..<x.h { for xx in 0..<x.w { values.append(x.at(s, c, y, xx)) } } }
            mean[c] = values.reduce(0, +) / m
            variance[c] = values.map { ($0 - mean[c]) * ($0 - mean[c]) }.reduce(0, +) / m
        }
        return (mean, variance)
    }

    /// LayerNorm over the channels at each position, eps 1e-5, per-channel weight and bias.
    static func layerNorm(_ x: Maps, weight: [Float], bias: [Float]) -> Maps {
        var y = x
        for s in 0..<x.n { for p in 0..<(x.h * x.w) {
            let idx = (0..<x.c).map { (s * x.c + $0) * x.h * x.w + p }
            let mean = idx.map { x.v[$0] }.reduce(0, +) / Double(x.c)
            let variance = idx.map { (x.v[$0] - mean) * (x.v[$0] - mean) }.reduce(0, +) / Double(x.c)
            for (c, i) in idx.enumerated() {
                y.v[i] = (x.v[i] - mean) / (variance + 1e-5).squareRoot() * Double(weight[c]) + Double(bias[c])
            }
        } }
        return y
    }

    static func add(_ a: Maps, _ b: Maps) -> Maps { var y = a; y.v = zip(a.v, b.v).map(+); return y }

    static func flatten(_ x: Maps) -> [[Double]] {
        (0..<x.n).map { s in Array(x.v[(s * x.c * x.h * x.w)..<((s + 1) * x.c * x.h * x.w)]) }
    }

    static func globalAveragePool(_ x: Maps) -> [[Double]] {
        (0..<x.n).map { s in
            (0..<x.c).map { c in
                var sum = 0.0
                for y in 0..<x.h { for xx in 0..<x.w { sum += x.at(s, c, y, xx) } }
                return sum / Double(x.h * x.w)
            }
        }
    }

    /// The largest `|a − b|` relative to the largest `|b|` (so near-zero entries do not dominate).
    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
        let scale = max(b.map(abs).max() ?? 0, 1e-30)
        return zip(a, b).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }
}

/// Random parameters and inputs for tests, from a fixed seed.
struct TestRandom {
    var generator: SeededGenerator
    init(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func uniform(_ count: Int, _ low: Float, _ high: Float) -> [Float] {
        (0..<count).map { _ in low + (high - low) * Float(generator.nextUnit()) }
    }

    /// He-scaled weights so activations stay near unit size through deep nets.
    mutating func weights(_ shape: [Int]) -> Tensor {
        let fanIn = shape.dropFirst().reduce(1, *)
        let bound = Float((6.0 / Double(fanIn)).squareRoot())
        return Tensor(shape: shape, floats: uniform(shape.reduce(1, *), -bound, bound))
    }

    mutating func tensor(_ shape: [Int], _ low: Float, _ high: Float) -> Tensor {
        Tensor(shape: shape, floats: uniform(shape.reduce(1, *), low, high))
    }

    mutating func inputs(rows: Int, columns: Int) -> FloatMatrix {
        FloatMatrix(rows: rows, columns: columns, values: uniform(rows * columns, -1, 1))
    }

    /// Norm parameters: weight, bias, and for BatchNorm running statistics with positive variance.
    mutating func norm(_ prefix: String, _ channels: Int, batchNorm: Bool, into c: inout Checkpoint) {
        c["\(prefix).weight"] = tensor([channels], 0.5, 1.5)
        c["\(prefix).bias"] = tensor([channels], -0.3, 0.3)
        if batchNorm {
            c["\(prefix).running_mean"] = tensor([channels], -0.3, 0.3)
            c["\(prefix).running_var"] = tensor([channels], 0.5, 2)
        }
    }

    /// A ResNet-20 checkpoint with the names of docs/ARCHITECTURES.md.
    mutating func resnet20(width w: Int, inChannels: Int, classes: Int, batchNorm: Bool) -> Checkpoint {
        var c = Checkpoint()
        c["conv1.weight"] = weights([16 * w, inChannels, 3, 3])
        norm("bn1", 16 * w, batchNorm: batchNorm, into: &c)
        var channels = 16 * w
        for stage in 1...3 {
            let out = 16 * w << (stage - 1)
            for b in 0..<3 {
                let p = "layer\(stage).\(b)"
                c["\(p).conv1.weight"] = weights([out, channels, 3, 3])
                norm("\(p).bn1", out, batchNorm: batchNorm, into: &c)
                c["\(p).conv2.weight"] = weights([out, out, 3, 3])
                norm("\(p).bn2", out, batchNorm: batchNorm, into: &c)
                if stage > 1 && b == 0 {
                    c["\(p).shortcut.0.weight"] = weights([out, channels, 1, 1])
                    norm("\(p).shortcut.1", out, batchNorm: batchNorm, into: &c)
                }
                channels = out
            }
        }
        c["linear.weight"] = weights([classes, channels])
        c["linear.bias"] = tensor([classes], -0.1, 0.1)
        return c
    }
}
