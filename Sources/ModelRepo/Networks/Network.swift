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
