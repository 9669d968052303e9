/// A PyTorch `nn.Conv2d` (no groups, no dilation) computed as one sgemm over an im2col matrix.
struct ConvLayer: Sendable {
    /// The name prefix, `layer1.0.conv1` for `layer1.0.conv1.weight`.
    let name: String
    let inChannels: Int
    let outChannels: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let stride: Int
    let padding: Int
    /// Shape `[out, in, kh, kw]`, row-major, i.e. `[out, in·kh·kw]`.
    let weight: [Float]
    /// Shape `[out]`, or nil for a convolution without bias.
    let bias: [Float]?

    /// Reads `<name>.weight` (`[out, in, kh, kw]`) and, if present, `<name>.bias` (`[out]`).
    ///
    /// - Parameter shape: The exact weight shape the architecture needs, or nil to take the checkpoint's.
    init(name: String, stride: Int, padding: Int, shape: [Int]? = nil, reader: inout ParameterReader) throws {
        let w = try reader.tensor("\(name).weight")
        if let shape, w.shape != shape {
            throw MgitError(.mismatch, "tensor '\(name).weight' has shape \(w.shape) but \(reader.architecture) "
                                + "needs \(shape)")
        }
        guard w.shape.count == 4 else {
            throw MgitError(.mismatch, "tensor '\(name).weight' has shape \(w.shape) but a Conv2d weight is 4-D "
                                + "[out, in, kh, kw]")
        }
        guard stride >= 1, padding >= 0 else {
            throw MgitError(.invalidInput, "convolution '\(name)' has stride \(stride) and padding \(padding); "
                                + "stride must be at least 1 and padding at least 0")
        }
        self.name = name
        (outChannels, inChannels, kernelHeight, kernelWidth) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        (self.stride, self.padding) = (stride, padding)
        weight = w.floats()
        bias = reader.contains("\(name).bias") ? try reader.floats("\(name).bias", shape: [outChannels]) : nil
    }

    /// The output height and width for an input of `height × width` (PyTorch's floor rule).
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernelHeight) / stride + 1, (width + 2 * padding - kernelWidth) / stride + 1)
    }

    /// The convolution of a batch (cross-correlation, as PyTorch computes it).
    ///
    /// - Parameter x: `[inChannels, n, h, w]`.
    /// - Returns: `[outChannels, n, oh, ow]`.
    func apply(_ x: FeatureMap) -> FeatureMap {
        precondition(x.channels == inChannels, "convolution '\(name)' takes \(inChannels) channels, got \(x.channels)")
        let (oh, ow) = outputSize(height: x.height, width: x.width)
        let columns = x.count * oh * ow
        let k = inChannels * kernelHeight * kernelWidth
        var out = [Float](repeating: 0, count: outChannels * columns)
        guard columns > 0 else {
            return FeatureMap(channels: outChannels, count: x.count, height: oh, width: ow, values: out)
        }
        if let bias {
            out.withUnsafeMutableBufferPointer { y in
                for o in 0..<outChannels {
                    y.baseAddress!.advanced(by: o * columns).update(repeating: bias[o], count: columns)
                }
            }
        }
        let direct = kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0
        let cols = direct ? x.values : im2col(x, oh: oh, ow: ow)
        cols.withUnsafeBufferPointer { b in
            weight.withUnsafeBufferPointer { a in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(outChannels, columns, k, a.baseAddress!, lda: k, b.baseAddress!, ldb: columns,
                              c.baseAddress!, ldc: columns, beta: bias == nil ? 0 : 1)
                }
            }
        }
        return FeatureMap(channels: outChannels, count: x.count, height: oh, width: ow, values: out)
    }

    /// The im2col matrix: row `(c, ky, kx)`, column `(sample, oy, ox)` holds the input pixel that kernel tap
    /// meets at that output position (zero in the padding). Shape `[in·kh·kw, n·oh·ow]`.
    private func im2col(_ x: FeatureMap, oh: Int, ow: Int) -> [Float] {
        let (n, h, w) = (x.count, x.height, x.width)
        let columns = n * oh * ow
        var cols = [Float](repeating: 0, count: inChannels * kernelHeight * kernelWidth * columns)
        x.values.withUnsafeBufferPointer { src in
            cols.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for c in 0..<inChannels {
                    for ky in 0..<kernelHeight {
                        for kx in 0..<kernelWidth {
                            let out = dst.baseAddress!.advanced(by: row * columns)
                            // Output columns whose tap lands inside the image: ox·s − p + kx ∈ [0, w).
                            let oxLow = max(0, (padding - kx + stride - 1) / stride)
                            let last = w - 1 + padding - kx
                            let oxHigh = last < 0 ? 0 : min(ow, last / stride + 1)
                            for s in 0..<n {
                                let plane = src.baseAddress!.advanced(by: (c * n + s) * h * w)
                                for oy in 0..<oh {
                                    let iy = oy * stride - padding + ky
                                    guard iy >= 0, iy < h, oxLow < oxHigh else { continue }
                                    let line = plane.advanced(by: iy * w)
                                    let target = out.advanced(by: (s * oh + oy) * ow)
                                    if stride == 1 {
                                        let start = oxLow - padding + kx
                                        target.advanced(by: oxLow).update(from: line.advanced(by: start),
                                                                          count: oxHigh - oxLow)
                                    } else {
                                        for ox in oxLow..<oxHigh { target[ox] = line[ox * stride - padding + kx] }
                                    }
                                }
                            }
                            row += 1
                        }
                    }
                }
            }
        }
        return cols
    }
}
