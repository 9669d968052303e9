import MgitInterop
import MgitTensor
/// A labelled classification dataset in memory: flattened float inputs and integer class labels.
public struct Dataset: Sendable, Equatable {
    /// Shape `[count, features]`: each row one sample flattened in PyTorch's order (NCHW for images).
    public let inputs: FloatMatrix
    /// The shape of one sample before flattening, e.g. `[1, 28, 28]`; its product is `inputs.columns`.
    public let sampleShape: [Int]
    /// Shape `[count]`: class ids in `0..<classCount`.
    public let labels: [Int]

    /// The number of samples.
    public var count: Int { labels.count }
    /// One more than the largest label (0 for an empty dataset).
    public var classCount: Int { (labels.max() ?? -1) + 1 }

    /// Wraps inputs `[count, features]` and labels `[count]`; `sampleShape` defaults to `[features]`.
    public init(inputs: FloatMatrix, labels: [Int], sampleShape: [Int]? = nil) {
        precondition(inputs.rows == labels.count, "\(inputs.rows) inputs but \(labels.count) labels")
        precondition(labels.allSatisfy { $0 >= 0 }, "negative class label")
        let shape = sampleShape ?? [inputs.columns]
        precondition(shape.reduce(1, *) == inputs.columns, "sample shape \(shape) does not hold \(inputs.columns) features")
        self.inputs = inputs
        self.labels = labels
        self.sampleShape = shape
    }

    /// Reads a dataset stored as a checkpoint: an `inputs` tensor `[N, ...]` (floating point, or U8 scaled by
    /// 1/255 to `[0, 1]`) and a `labels` tensor `[N]` of class ids of any integer type.
    ///
    /// - Parameter source: Names the file in errors.
    public init(checkpoint: Checkpoint, source: String = "the dataset") throws {
        guard let inputs = checkpoint["inputs"], let labels = checkpoint["labels"] else {
            throw MgitError(.invalidInput, "\(source) needs tensors 'inputs' [N, ...] and 'labels' [N]; it has "
                                + "\(checkpoint.names.prefix(5).map { "'\($0)'" }.joined(separator: ", "))")
        }
        guard inputs.shape.count >= 1 else {
            throw MgitError(.invalidInput, "\(source): 'inputs' must have a sample dimension, got shape \(inputs.shape)")
        }
        guard labels.shape.count == 1, labels.shape[0] == inputs.shape[0] else {
            throw MgitError(.invalidInput, "\(source): 'labels' has shape \(labels.shape) but 'inputs' holds "
                                + "\(inputs.shape[0]) samples; labels must be [\(inputs.shape[0])]")
        }
        let integerTypes: Set<DType> = [.i64, .i32, .i16, .i8, .u8]
        guard integerTypes.contains(labels.dtype) else {
            throw MgitError(.invalidInput, "\(source): 'labels' has dtype \(labels.dtype.rawValue); class ids must "
                                + "be an integer type (I64, I32, I16, I8 or U8)")
        }
        var values: [Float]
        switch inputs.dtype {
        case .u8: values = inputs.floats().map { $0 / 255 }
        case let t where t.isFloatingPoint: values = inputs.floats()
        default:
            throw MgitError(.invalidInput, "\(source): 'inputs' has dtype \(inputs.dtype.rawValue); it must be "
                                + "floating point or U8")
        }
        let ids = labels.doubles().map { Int($0) }
        if let bad = ids.firstIndex(where: { $0 < 0 }) {
            throw MgitError(.invalidInput, "\(source): label \(bad) is \(ids[bad]); class ids start at 0")
        }
        let n = inputs.shape[0]
        let shape = Array(inputs.shape.dropFirst())
        let features = shape.reduce(1, *)
        if n == 0 { values = [] }
        self.init(inputs: FloatMatrix(rows: n, columns: features, values: values), labels: ids, sampleShape: shape)
    }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        Dataset(inputs: inputs.rows(at: indices), labels: indices.map { labels[$0] }, sampleShape: sampleShape)
    }

    /// The dataset as a checkpoint with `inputs` (F32, `[N] + sampleShape`) and `labels` (I64, `[N]`).
    public func checkpoint() -> Checkpoint {
        var c = Checkpoint()
        c["inputs"] = Tensor(shape: [count] + sampleShape, floats: inputs.values)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count * 8)
        for l in labels { withUnsafeBytes(of: Int64(l).littleEndian) { bytes.append(contentsOf: $0) } }
        c["labels"] = Tensor(dtype: .i64, shape: [count], bytes: bytes)
        return c
    }
}
