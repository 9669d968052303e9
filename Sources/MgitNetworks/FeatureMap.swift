/// A batch of feature maps stored channel-major, `[channels, n, height, width]` (CNHW).
///
/// Channel-major storage makes a convolution over the whole batch one sgemm (`W · im2col(x)` gives
/// `[out, n·h·w]` directly) and makes every per-channel operation (BatchNorm, bias) a contiguous row.
package struct FeatureMap {
    package let channels: Int
    package let count: Int
    package let height: Int
    package let width: Int
    /// Shape `[channels, count, height, width]`.
    package var values: [Float]

    /// Positions per channel, `count · height · width`.
    package var plane: Int { count * height * width }

    package init(channels: Int, count: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * count * height * width)
        (self.channels, self.count, self.height, self.width, self.values) = (channels, count, height, width, values)
    }

    /// Rearranges a batch of NCHW-flattened samples.
    ///
    /// - Parameter x: Shape `[n, channels·height·width]`, each row in PyTorch's CHW order.
    package init(nchw x: FloatMatrix, channels: Int, height: Int, width: Int) {
        let hw = height * width
        precondition(x.columns == channels * hw)
        let n = x.rows
        var out = [Float](repeating: 0, count: x.values.count)
        x.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for s in 0..<n {
                    for c in 0..<channels {
                        dst.baseAddress!.advanced(by: (c * n + s) * hw)
                            .update(from: src.baseAddress!.advanced(by: (s * channels + c) * hw), count: hw)
                    }
                }
            }
        }
        self.init(channels: channels, count: n, height: height, width: width, values: out)
    }

    /// The batch flattened per sample in PyTorch's NCHW order, shape `[n, channels·height·width]`.
    package func flattenedNCHW() -> FloatMatrix {
        let hw = height * width
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for s in 0..<count {
                    for c in 0..<channels {
                        dst.baseAddress!.advanced(by: (s * channels + c) * hw)
                            .update(from: src.baseAddress!.advanced(by: (c * count + s) * hw), count: hw)
                    }
                }
            }
        }
        return FloatMatrix(rows: count, columns: channels * hw, values: out)
    }

    /// Every position's channel vector, shape `[n·height·width, channels]`, rows in `(sample, y, x)` order.
    package func channelActivations() -> FloatMatrix {
        FloatMatrix(rows: channels, columns: plane, values: values).transposed()
    }

    /// The mean over each sample's positions, shape `[n, channels]` (global average pooling).
    package func globalAveragePooled() -> FloatMatrix {
        let hw = height * width
        var out = [Float](repeating: 0, count: count * channels)
        values.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                for s in 0..<count {
                    var sum: Float = 0
                    let base = (c * count + s) * hw
                    for i in 0..<hw { sum += src[base + i] }
                    out[s * channels + c] = sum / Float(hw)
                }
            }
        }
        return FloatMatrix(rows: count, columns: channels, values: out)
    }

    /// ReLU in place.
    package mutating func applyReLU() {
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = max(v[i], 0) }
        }
    }

    /// Adds `other` element-wise (a residual connection); shapes must agree.
    package mutating func add(_ other: FeatureMap) {
        precondition(other.values.count == values.count)
        values.withUnsafeMutableBufferPointer { v in
            other.values.withUnsafeBufferPointer { o in
                for i in v.indices { v[i] += o[i] }
            }
        }
    }

    /// Max pooling with a `size × size` window and stride `size`, flooring the output size like PyTorch.
    package func maxPooled(_ size: Int) -> FeatureMap {
        let (oh, ow) = (height / size, width / size)
        var out = [Float](repeating: 0, count: channels * count * oh * ow)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for m in 0..<(channels * count) {
                    let sBase = m * height * width, dBase = m * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var best = -Float.infinity
                            for dy in 0..<size {
                                let row = sBase + (oy * size + dy) * width + ox * size
                                for dx in 0..<size { best = max(best, src[row + dx]) }
                            }
                            dst[dBase + oy * ow + ox] = best
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: channels, count: count, height: oh, width: ow, values: out)
    }
}
