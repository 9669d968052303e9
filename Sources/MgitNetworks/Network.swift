import MgitInterop
import MgitTensor
/// A network read from a checkpoint that maps a batch of inputs to logits on the CPU (OpenBLAS sgemm).
///
/// Inputs are flattened samples in PyTorch's layout: `[n, features]` for an MLP and `[n, c·h·w]` (NCHW order)
/// for a CNN. Networks are immutable values; `makeNetwork(_:_:)` builds one from a spec and a checkpoint.
public protocol Network: Sendable {
    /// The architecture this network was built from.
    var spec: ArchitectureSpec { get }
    /// The number of input features per sample (columns of the input matrix).
    var inputSize: Int { get }
    /// The number of classes (columns of the logits).
    var classCount: Int { get }
    /// The names of the hidden activations `forward(_:recordingActivations:)` records, in order.
    var activationNames: [String] { get }

    /// The logits for a batch.
    ///
    /// - Parameter x: Shape `[n, inputSize]`.
    /// - Returns: Shape `[n, classCount]`.
    func forward(_ x: FloatMatrix) -> FloatMatrix

    /// The logits for a batch and, if asked, every hidden activation named in `activationNames`.
    ///
    /// - Parameter x: Shape `[n, inputSize]`.
    /// - Returns: logits `[n, classCount]`; activations `[n, units]` for a dense layer and `[n·h·w, channels]`
    ///   for a convolutional one (rows in `(sample, y, x)` order), each after its ReLU.
    func forward(_ x: FloatMatrix, recordingActivations: Bool) -> (logits: FloatMatrix, activations: [HiddenActivation])
}

extension Network {
    /// The logits for a batch `[n, inputSize]`, shape `[n, classCount]`, without recording activations.
    public func forward(_ x: FloatMatrix) -> FloatMatrix {
        forward(x, recordingActivations: false).logits
    }
}

/// One recorded hidden activation: the post-ReLU outputs of a layer, for activation matching
/// (Ainsworth et al. 2023 §3.1).
public struct HiddenActivation: Sendable, Equatable {
    /// The layer's name, e.g. `fc1`, `features.3` or `layer2.0.conv1` (docs/ARCHITECTURES.md lists them).
    public let name: String
    /// Shape `[samples, units]`: `[n, width]` for a dense layer, `[n·h·w, channels]` for a convolution.
    public let values: FloatMatrix

    /// Wraps a layer's recorded outputs.
    public init(name: String, values: FloatMatrix) {
        self.name = name
        self.values = values
    }
}

/// Builds the network `spec` describes from `checkpoint`'s tensors, checking every name and shape.
///
/// - Throws: `MgitError(.mismatch)` naming the tensor when a tensor is missing, has the wrong shape, or the
///   layers do not chain; `MgitError(.invalidInput)` when the spec itself is incomplete.
public func makeNetwork(_ spec: ArchitectureSpec, _ checkpoint: Checkpoint) throws -> any Network {
    switch spec.kind {
    case .mlp: try MLPNetwork(spec: spec, checkpoint: checkpoint)
    case .vgg: try VGGNetwork(spec: spec, checkpoint: checkpoint)
    case .resnet20: try ResNet20Network(spec: spec, checkpoint: checkpoint)
    }
}

extension Network {
    /// Every hidden activation over the first `limit` samples of `dataset`, computed `batch` samples at a time
    /// and concatenated by rows (so rows stay in `(sample, y, x)` order across batches).
    ///
    /// - Parameter dataset: Inputs `[N, inputSize]`.
    /// - Returns: One `HiddenActivation` per name in `activationNames`, `[limit, units]` for dense layers and
    ///   `[limit·h·w, channels]` for convolutions. A width-1 ResNet-20 over 1,000 CIFAR images records about 750 MB.
    public func activations(on dataset: Dataset, limit: Int? = nil, batch: Int = 500) throws -> [HiddenActivation] {
        guard dataset.inputs.columns == inputSize else {
            throw MgitError(.mismatch, "the network takes \(inputSize) inputs per sample but the dataset has "
                                + "\(dataset.inputs.columns)")
        }
        precondition(batch > 0)
        let n = min(limit ?? dataset.count, dataset.count)
        var columns: [Int] = []
        var values: [[Float]] = []
        var start = 0
        while start < n {
            let end = min(start + batch, n)
            let recorded = forward(dataset.inputs.rows(start..<end), recordingActivations: true).activations
            if values.isEmpty {
                columns = recorded.map(\.values.columns)
                values = recorded.map { _ in [] }
            }
            for (i, a) in recorded.enumerated() { values[i] += a.values.values }
            start = end
        }
        if values.isEmpty { return activationNames.map { HiddenActivation(name: $0, values: FloatMatrix(rows: 0, columns: 0, values: [])) } }
        return zip(activationNames, zip(columns, values)).map { name, cv in
            HiddenActivation(name: name, values: FloatMatrix(rows: cv.1.count / cv.0, columns: cv.0, values: cv.1))
        }
    }
}
