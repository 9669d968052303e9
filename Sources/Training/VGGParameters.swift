import Foundation
import MgitInterop
import MgitTensor
import MgitNetworks

/// The parameters of a VGG-style CNN (Conv2d + ReLU, max pooling, then ReLU Linear layers) in one flat buffer,
/// with its forward and backward pass: im2col + sgemm for convolutions, col2im for their input gradients.
///
/// Names follow a PyTorch `nn.Sequential`: in `features` a convolution and its ReLU take two indices and a
/// pooling layer one (`features.0`, `features.3`, …); in `classifier` a Linear and its ReLU take two
/// (`classifier.0`, `classifier.2`, …), matching `ArchitectureSpec.vgg`.
public struct VGGParameters: Sendable, Equatable {
    /// One stage of the feature extractor.
    public enum Stage: Sendable, Equatable, Codable {
        /// A square `kernel × kernel` convolution to `channels` outputs, then ReLU.
        case conv(channels: Int, kernel: Int, stride: Int, padding: Int)
        /// Max pooling with a `size × size` window and stride `size`.
        case pool(size: Int)
    }

    /// One sample's shape, `[channels, height, width]`.
    public let input: [Int]
    /// The feature extractor.
    public let stages: [Stage]
    /// Classifier widths after flattening: `[c·h·w, hidden…, classes]`.
    public let classifierWidths: [Int]
    /// Every parameter: each convolution's weight `[out, in, k, k]` and bias `[out]`, then each Linear layer's
    /// weight `[out, in]` and bias `[out]`.
    public var values: [Float]

    package struct Conv {
        package let name: String
        package let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
        package let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int
        package let weightOffset: Int, biasOffset: Int
        package var fanIn: Int { inChannels * kernel * kernel }
    }
    package struct Pool { let size: Int; let channels: Int, inHeight: Int, inWidth: Int }
    package enum Layer { case conv(Conv), pool(Pool) }
    package struct Linear { let name: String; let inputs: Int, outputs: Int, weightOffset: Int, biasOffset: Int }

    package let layers: [Layer]
    package let linears: [Linear]

    /// Same architecture and the same parameter bits.
    public static func == (a: VGGParameters, b: VGGParameters) -> Bool {
        a.input == b.input && a.stages == b.stages && a.classifierWidths == b.classifierWidths && a.values == b.values
    }

    /// Lays out the parameters of the network and He-initialises them (He et al. 2015 §2.2): weights
    /// `N(0, 2/fan_in)`, biases zero, in layer order from `SeededGenerator(seed:)`.
    ///
    /// - Throws: `MgitError(.invalidInput)` when a stage does not fit the feature map.
    public init(input: [Int], stages: [Stage], hidden: [Int], classes: Int, seed: UInt64) throws {
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw MgitError(.invalidInput, "a VGG input is [channels, height, width], got \(input)")
        }
        var layers: [Layer] = []
        var (c, h, w) = (input[0], input[1], input[2])
        var offset = 0
        var index = 0
        for stage in stages {
            switch stage {
            case let .conv(out, k, stride, padding):
                let oh = (h + 2 * padding - k) / stride + 1, ow = (w + 2 * padding - k) / stride + 1
                guard out > 0, k > 0, stride > 0, padding >= 0, oh > 0, ow > 0 else {
                    throw MgitError(.invalidInput, "convolution \(stage) does not fit a \(c)×\(h)×\(w) feature map")
                }
                let conv = Conv(name: "features.\(index)", inChannels: c, outChannels: out, kernel: k, stride: stride,
                                padding: padding, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow,
                                weightOffset: offset, biasOffset: offset + out * c * k * k)
                layers.append(.conv(conv))
                offset = conv.biasOffset + out
                (c, h, w) = (out, oh, ow)
                index += 2
            case let .pool(size):
                guard size > 0, h / size > 0, w / size > 0 else {
                    throw MgitError(.invalidInput, "pooling of size \(size) does not fit a \(h)×\(w) feature map")
                }
                layers.append(.pool(Pool(size: size, channels: c, inHeight: h, inWidth: w)))
                (h, w) = (h / size, w / size)
                index += 1
            }
        }
        let widths = [c * h * w] + hidden + [classes]
        guard widths.allSatisfy({ $0 > 0 }) else {
            throw MgitError(.invalidInput, "classifier widths must be positive, got \(widths)")
        }
        var linears: [Linear] = []
        for l in 0..<(widths.count - 1) {
            linears.append(Linear(name: "classifier.\(2 * l)", inputs: widths[l], outputs: widths[l + 1],
                                  weightOffset: offset, biasOffset: offset + widths[l] * widths[l + 1]))
            offset += (widths[l] + 1) * widths[l + 1]
        }
        self.input = input
        self.stages = stages
        self.classifierWidths = widths
        self.layers = layers
        self.linears = linears

        var generator = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: offset)
        for layer in layers {
            guard case let .conv(conv) = layer else { continue }
            let std = (2.0 / Double(conv.fanIn)).squareRoot()
            for i in conv.weightOffset..<conv.biasOffset { values[i] = Float(generator.nextGaussian() * std) }
        }
        for linear in linears {
            let std = (2.0 / Double(linear.inputs)).squareRoot()
            for i in linear.weightOffset..<linear.biasOffset { values[i] = Float(generator.nextGaussian() * std) }
        }
        self.values = values
    }

    /// The architecture description of this network, for `makeNetwork` and `arch.json`.
    public var spec: ArchitectureSpec {
        .vgg(input: input,
             features: layers.map {
                 switch $0 {
                 case let .conv(c): .conv(name: c.name, stride: c.stride, padding: c.padding)
                 case let .pool(p): .pool(size: p.size)
                 }
             },
             classifier: linears.map(\.name))
    }

    /// The parameters as an F32 checkpoint with PyTorch names (`features.0.weight`, `classifier.0.bias`, …).
    public func checkpoint(metadata: [String: String] = [:]) -> Checkpoint {
        var c = Checkpoint(metadata: metadata)
        for layer in layers {
            guard case let .conv(v) = layer else { continue }
            c["\(v.name).weight"] = Tensor(shape: [v.outChannels, v.inChannels, v.kernel, v.kernel],
                                           floats: Array(values[v.weightOffset..<v.biasOffset]))
            c["\(v.name).bias"] = Tensor(shape: [v.outChannels],
                                         floats: Array(values[v.biasOffset..<(v.biasOffset + v.outChannels)]))
        }
        for l in linears {
            c["\(l.name).weight"] = Tensor(shape: [l.outputs, l.inputs], floats: Array(values[l.weightOffset..<l.biasOffset]))
            c["\(l.name).bias"] = Tensor(shape: [l.outputs], floats: Array(values[l.biasOffset..<(l.biasOffset + l.outputs)]))
        }
        return c
    }

    /// The mean cross-entropy of a batch and its gradient with respect to every parameter.
    ///
    /// Convolution: `Y = W · cols(X) + b` (`cols` the im2col matrix `[in·k·k, n·oh·ow]`), so `∂W = ∂Y · colsᵀ`,
    /// `∂b = Σ_columns ∂Y`, `∂X = col2im(Wᵀ · ∂Y)`; max pooling routes each gradient to the window's first
    /// maximum; ReLU masks by its output. Feature maps are channel-major `[c, n, h, w]` internally.
    ///
    /// - Parameters:
    ///   - x: Shape `[n, c·h·w]`, rows in NCHW order.
    ///   - labels: `n` class ids.
    /// - Returns: The mean loss (nats) and the gradient, laid out like `values`.
    public func lossAndGradient(_ x: FloatMatrix, labels: ArraySlice<Int>) -> (loss: Double, gradient: [Float]) {
        let n = x.rows
        precondition(n > 0 && n == labels.count && x.columns == input.reduce(1, *))
        var gradient = [Float](repeating: 0, count: values.count)
        // Forward through the features, keeping what the backward pass needs.
        var h = Self.channelMajor(x.values, n: n, channels: input[0], plane: input[1] * input[2])
        var saved: [(cols: [Float], output: [Float])?] = []   // per conv: im2col and post-ReLU output
        var argmax: [[Int32]?] = []                          // per pool: index of each output's source
        for layer in layers {
            switch layer {
            case let .conv(c):
                let cols = Self.im2col(h, c, n: n)
                var y = convForward(cols, c, n: n)
                for i in y.indices { y[i] = max(y[i], 0) }
                saved.append((cols, y)); argmax.append(nil)
                h = y
            case let .pool(p):
                let (y, from) = Self.maxPool(h, p, n: n)
                saved.append(nil); argmax.append(from)
                h = y
            }
        }
        let last = layers.last.map { layer -> (Int, Int) in
            switch layer {
            case let .conv(c): (c.outChannels, c.outHeight * c.outWidth)
            case let .pool(p): (p.channels, (p.inHeight / p.size) * (p.inWidth / p.size))
            }
        } ?? (input[0], input[1] * input[2])
        let flat = Self.sampleMajor(h, n: n, channels: last.0, plane: last.1)

        // The classifier, as in MLPParameters.
        let mlp = MLPParameters(widths: classifierWidths, values: Array(values[linears[0].weightOffset...]))
        let (loss, classifierGradient, inputGradient) = mlp.backpropagate(
            FloatMatrix(rows: n, columns: classifierWidths[0], values: flat), labels: labels, inputGradient: true)
        gradient.replaceSubrange(linears[0].weightOffset..., with: classifierGradient)

        // Back through the features.
        var delta = Self.channelMajor(inputGradient, n: n, channels: last.0, plane: last.1)
        for (i, layer) in layers.enumerated().reversed() {
            switch layer {
            case let .conv(c):
                let (cols, output) = saved[i]!
                for j in delta.indices where output[j] <= 0 { delta[j] = 0 }
                delta = convBackward(delta, cols: cols, c, n: n, into: &gradient, needInput: i > 0)
            case let .pool(p):
                var d = [Float](repeating: 0, count: p.channels * n * p.inHeight * p.inWidth)
                for (j, source) in argmax[i]!.enumerated() { d[Int(source)] += delta[j] }
                delta = d
            }
        }
        return (loss, gradient)
    }

    // MARK: Convolution forward and backward

    private func convForward(_ cols: [Float], _ c: Conv, n: Int) -> [Float] {
        let p = n * c.outHeight * c.outWidth
        var y = [Float](repeating: 0, count: c.outChannels * p)
        values.withUnsafeBufferPointer { v in
            y.withUnsafeMutableBufferPointer { out in
                for o in 0..<c.outChannels { (out.baseAddress! + o * p).update(repeating: v[c.biasOffset + o], count: p) }
                cols.withUnsafeBufferPointer { b in
                    BLASKernels.gemm(c.outChannels, p, c.fanIn, v.baseAddress! + c.weightOffset, lda: c.fanIn,
                                     transposeA: false, b.baseAddress!, ldb: p, transposeB: false,
                                     out.baseAddress!, ldc: p, beta: 1)
                }
            }
        }
        return y
    }

    /// Accumulates `∂W`, `∂b` into `gradient` and returns `∂X` `[in, n, h, w]` (empty unless `needInput`).
    private func convBackward(_ dy: [Float], cols: [Float], _ c: Conv, n: Int, into gradient: inout [Float],
                              needInput: Bool) -> [Float] {
        let p = n * c.outHeight * c.outWidth
        var dcols: [Float] = []
        values.withUnsafeBufferPointer { v in
            gradient.withUnsafeMutableBufferPointer { g in
                dy.withUnsafeBufferPointer { d in
                    cols.withUnsafeBufferPointer { b in
                        BLASKernels.gemm(c.outChannels, c.fanIn, p, d.baseAddress!, lda: p, transposeA: false,
                                         b.baseAddress!, ldb: p, transposeB: true,
                                         g.baseAddress! + c.weightOffset, ldc: c.fanIn, beta: 0)
                    }
                    for o in 0..<c.outChannels {
                        var sum: Float = 0
                        for j in 0..<p { sum += d[o * p + j] }
                        g[c.biasOffset + o] = sum
                    }
                    guard needInput else { return }
                    dcols = [Float](repeating: 0, count: c.fanIn * p)
                    dcols.withUnsafeMutableBufferPointer { dc in
                        BLASKernels.gemm(c.fanIn, p, c.outChannels, v.baseAddress! + c.weightOffset, lda: c.fanIn,
                                         transposeA: true, d.baseAddress!, ldb: p, transposeB: false,
                                         dc.baseAddress!, ldc: p, beta: 0)
                    }
                }
            }
        }
        return needInput ? Self.col2im(dcols, c, n: n) : []
    }

    /// `[in·k·k, n·oh·ow]`: row `(ci, ky, kx)`, column `(s, oy, ox)` holds input `(ci, s, oy·stride − p + ky,
    /// ox·stride − p + kx)`, zero outside the image.
    package static func im2col(_ x: [Float], _ c: Conv, n: Int) -> [Float] {
        let (h, w, oh, ow, k) = (c.inHeight, c.inWidth, c.outHeight, c.outWidth, c.kernel)
        let p = n * oh * ow
        var cols = [Float](repeating: 0, count: c.fanIn * p)
        x.withUnsafeBufferPointer { src in
            cols.withUnsafeMutableBufferPointer { dst in
                for ci in 0..<c.inChannels { for ky in 0..<k { for kx in 0..<k {
                    let row = ((ci * k + ky) * k + kx) * p
                    for s in 0..<n { for oy in 0..<oh {
                        let iy = oy * c.stride - c.padding + ky
                        guard iy >= 0, iy < h else { continue }
                        let base = ((ci * n + s) * h + iy) * w
                        let target = row + (s * oh + oy) * ow
                        for ox in 0..<ow {
                            let ix = ox * c.stride - c.padding + kx
                            if ix >= 0 && ix < w { dst[target + ox] = src[base + ix] }
                        }
                    } }
                } } }
            }
        }
        return cols
    }

    /// The adjoint of `im2col`: adds each column entry back onto the input pixel it came from.
    package static func col2im(_ cols: [Float], _ c: Conv, n: Int) -> [Float] {
        let (h, w, oh, ow, k) = (c.inHeight, c.inWidth, c.outHeight, c.outWidth, c.kernel)
        let p = n * oh * ow
        var x = [Float](repeating: 0, count: c.inChannels * n * h * w)
        cols.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { dst in
                for ci in 0..<c.inChannels { for ky in 0..<k { for kx in 0..<k {
                    let row = ((ci * k + ky) * k + kx) * p
                    for s in 0..<n { for oy in 0..<oh {
                        let iy = oy * c.stride - c.padding + ky
                        guard iy >= 0, iy < h else { continue }
                        let base = ((ci * n + s) * h + iy) * w
                        let source = row + (s * oh + oy) * ow
                        for ox in 0..<ow {
                            let ix = ox * c.stride - c.padding + kx
                            if ix >= 0 && ix < w { dst[base + ix] += src[source + ox] }
                        }
                    } }
                } } }
            }
        }
        return x
    }

    /// Max pooling of `[c, n, h, w]` and, for each output, the flat index of the input it took (first maximum).
    package static func maxPool(_ x: [Float], _ p: Pool, n: Int) -> ([Float], [Int32]) {
        let (h, w, k) = (p.inHeight, p.inWidth, p.size)
        let (oh, ow) = (h / k, w / k)
        var y = [Float](repeating: 0, count: p.channels * n * oh * ow)
        var from = [Int32](repeating: 0, count: y.count)
        for m in 0..<(p.channels * n) {
            for oy in 0..<oh { for ox in 0..<ow {
                let first = (m * h + oy * k) * w + ox * k
                var best = x[first], at = first
                for dy in 0..<k { for dx in 0..<k {
                    let i = first + dy * w + dx
                    if x[i] > best { best = x[i]; at = i }
                } }
                let o = (m * oh + oy) * ow + ox
                y[o] = best
                from[o] = Int32(at)
            } }
        }
        return (y, from)
    }

    /// NCHW rows `[n, c·plane]` to channel-major `[c, n, plane]`.
    package static func channelMajor(_ x: [Float], n: Int, channels: Int, plane: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        for s in 0..<n { for c in 0..<channels { for i in 0..<plane {
            out[(c * n + s) * plane + i] = x[(s * channels + c) * plane + i]
        } } }
        return out
    }

    /// Channel-major `[c, n, plane]` to NCHW rows `[n, c·plane]`.
    package static func sampleMajor(_ x: [Float], n: Int, channels: Int, plane: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        for s in 0..<n { for c in 0..<channels { for i in 0..<plane {
            out[(s * channels + c) * plane + i] = x[(c * n + s) * plane + i]
        } } }
        return out
    }
}
