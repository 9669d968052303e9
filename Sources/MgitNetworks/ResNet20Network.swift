import MgitInterop
import MgitTensor
/// ResNet-20 for CIFAR (He et al. 2016 §4.2) with a width multiplier `w`, as in Git Re-Basin §5.
///
/// A 3×3 stem convolution to `16w` channels, three stages of three BasicBlocks with `16w`, `32w`, `64w`
/// channels (the first block of stages 2 and 3 has stride 2 and a 1×1 projection shortcut + norm), global
/// average pooling and a Linear head. Convolutions have no bias. Tensor names follow docs/ARCHITECTURES.md.
public struct ResNet20Network: Network {
    /// One BasicBlock: `relu(n2(conv2(relu(n1(conv1(x))))) + shortcut(x))`.
    package struct Block: Sendable {
        package let name: String
        package let conv1: ConvLayer, norm1: NormLayer
        package let conv2: ConvLayer, norm2: NormLayer
        /// The 1×1 projection and its norm, for a block that changes the shape; nil for the identity.
        package let shortcut: (conv: ConvLayer, norm: NormLayer)?

    }

    public let spec: ArchitectureSpec
    /// `[channels, height, width]` of one input sample.
    package let inputShape: [Int]
    package let stem: ConvLayer, stemNorm: NormLayer
    package let blocks: [Block]
    package let head: LinearLayer

    public var inputSize: Int { inputShape.reduce(1, *) }
    public var classCount: Int { head.outputs }
    /// `conv1` (the stem), then per block `layer<s>.<b>.conv1` (inside the block) and `layer<s>.<b>.conv2`
    /// (the block's output after the residual add and ReLU, in the channels of `conv2`'s output).
    ///
    /// Each name `X` is the layer whose `X.weight` axis 0 indexes the activation's channels, so an activation
    /// belongs to the permutation acting there (the residual stream for `conv1` and every `conv2`).
    public var activationNames: [String] {
        ["conv1"] + blocks.flatMap { ["\($0.name).conv1", "\($0.name).conv2"] }
    }
    /// The names of the BatchNorm layers in forward order (empty for LayerNorm).
    public var batchNormNames: [String] {
        guard stemNorm.kind == .batch else { return [] }
        return ["bn1"] + blocks.flatMap { b in
            ["\(b.name).bn1", "\(b.name).bn2"] + (b.shortcut.map { [$0.norm.name] } ?? [])
        }
    }

    /// Reads every tensor ResNet-20 needs from `checkpoint`; the class count comes from `linear.weight`.
    public init(spec: ArchitectureSpec, checkpoint: Checkpoint) throws {
        precondition(spec.kind == .resnet20)
        let input = spec.input ?? [3, 32, 32]
        let w = spec.width ?? 1
        let normKind = spec.norm ?? .batchnorm
        guard input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw MgitError(.invalidInput, "a resnet20 input must be [channels, height, width], got \(input)")
        }
        guard w >= 1 else { throw MgitError(.invalidInput, "a resnet20 width must be at least 1, got \(w)") }
        let kind: NormLayer.Kind = normKind == .batchnorm ? .batch : .layer
        var reader = ParameterReader(checkpoint, architecture: "resnet20 (width \(w), \(normKind.rawValue))")

        stem = try ConvLayer(name: "conv1", stride: 1, padding: 1, shape: [16 * w, input[0], 3, 3], reader: &reader)
        stemNorm = try NormLayer(name: "bn1", kind: kind, channels: 16 * w, reader: &reader)
        var blocks: [Block] = []
        var channels = 16 * w
        for stage in 1...3 {
            let out = 16 * w << (stage - 1)
            for index in 0..<3 {
                let name = "layer\(stage).\(index)"
                let stride = stage > 1 && index == 0 ? 2 : 1
                let conv1 = try ConvLayer(name: "\(name).conv1", stride: stride, padding: 1,
                                          shape: [out, channels, 3, 3], reader: &reader)
                let norm1 = try NormLayer(name: "\(name).bn1", kind: kind, channels: out, reader: &reader)
                let conv2 = try ConvLayer(name: "\(name).conv2", stride: 1, padding: 1,
                                          shape: [out, out, 3, 3], reader: &reader)
                let norm2 = try NormLayer(name: "\(name).bn2", kind: kind, channels: out, reader: &reader)
                var shortcut: (ConvLayer, NormLayer)?
                if stride != 1 || channels != out {
                    shortcut = (try ConvLayer(name: "\(name).shortcut.0", stride: stride, padding: 0,
                                              shape: [out, channels, 1, 1], reader: &reader),
                                try NormLayer(name: "\(name).shortcut.1", kind: kind, channels: out, reader: &reader))
                }
                for conv in [conv1, conv2] + (shortcut.map { [$0.0] } ?? []) where conv.bias != nil {
                    throw MgitError(.mismatch, "tensor '\(conv.name).bias' is unexpected: resnet20 convolutions "
                                        + "have no bias")
                }
                blocks.append(Block(name: name, conv1: conv1, norm1: norm1, conv2: conv2, norm2: norm2,
                                    shortcut: shortcut))
                channels = out
            }
        }
        head = try LinearLayer(name: "linear", reader: &reader)
        guard head.inputs == channels else {
            throw MgitError(.mismatch, "tensor 'linear.weight' takes \(head.inputs) inputs but resnet20 width \(w) "
                                + "gives \(channels) channels")
        }
        guard stem.bias == nil else {
            throw MgitError(.mismatch, "tensor 'conv1.bias' is unexpected: resnet20 convolutions have no bias")
        }
        try reader.checkAllUsed()
        self.spec = .resnet20(input: input, width: w, norm: normKind)
        self.inputShape = input
        self.blocks = blocks
    }

    public func forward(_ x: FloatMatrix, recordingActivations: Bool) -> (logits: FloatMatrix, activations: [HiddenActivation]) {
        let run = run(x, recordingActivations: recordingActivations, trainingModeNorms: false)
        return (run.logits, run.activations)
    }

    /// The per-BatchNorm batch statistics of one batch run in training mode (each BatchNorm normalises by the
    /// statistics of its own input), in `batchNormNames` order.
    ///
    /// - Parameter x: Shape `[n, inputSize]`.
    package func batchNormStatistics(_ x: FloatMatrix) -> [NormLayer.BatchStatistics] {
        run(x, recordingActivations: false, trainingModeNorms: true).statistics
    }

    private func run(_ x: FloatMatrix, recordingActivations record: Bool, trainingModeNorms: Bool)
        -> (logits: FloatMatrix, activations: [HiddenActivation], statistics: [NormLayer.BatchStatistics]) {
        precondition(x.columns == inputSize, "resnet20 takes \(inputSize) inputs per sample, got \(x.columns)")
        var statistics: [NormLayer.BatchStatistics] = []
        var activations: [HiddenActivation] = []
        func normalise(_ norm: NormLayer, _ map: inout FeatureMap) {
            if trainingModeNorms && norm.kind == .batch {
                statistics.append(norm.applyTrainingMode(&map))
            } else {
                norm.apply(&map)
            }
        }
        func keep(_ name: String, _ map: FeatureMap) {
            if record { activations.append(HiddenActivation(name: name, values: map.channelActivations())) }
        }

        var h = stem.apply(FeatureMap(nchw: x, channels: inputShape[0], height: inputShape[1], width: inputShape[2]))
        normalise(stemNorm, &h)
        h.applyReLU()
        keep("conv1", h)
        for block in blocks {
            var inner = block.conv1.apply(h)
            normalise(block.norm1, &inner)
            inner.applyReLU()
            keep("\(block.name).conv1", inner)
            var out = block.conv2.apply(inner)
            normalise(block.norm2, &out)
            if let shortcut = block.shortcut {
                var projected = shortcut.conv.apply(h)
                normalise(shortcut.norm, &projected)
                out.add(projected)
            } else {
                out.add(h)
            }
            out.applyReLU()
            keep("\(block.name).conv2", out)
            h = out
        }
        let logits = head.apply(h.globalAveragePooled(), relu: false)
        return (logits, activations, statistics)
    }
}
