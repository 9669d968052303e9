import MgitInterop
import MgitTensor
/// A VGG-style CNN (Simonyan & Zisserman 2015): Conv2d + ReLU layers with optional max pooling, then Linear
/// layers (ReLU between them) on the features flattened in PyTorch's NCHW order.
public struct VGGNetwork: Network {
    package enum Stage: Sendable {
        case conv(ConvLayer)
        case pool(Int)
    }

    public let spec: ArchitectureSpec
    /// `[channels, height, width]` of one input sample.
    package let inputShape: [Int]
    package let stages: [Stage]
    package let classifier: [LinearLayer]

    public var inputSize: Int { inputShape.reduce(1, *) }
    public var classCount: Int { classifier[classifier.count - 1].outputs }
    /// Every convolution (after its ReLU, before any pooling), then every classifier layer but the last.
    public var activationNames: [String] {
        stages.compactMap { if case let .conv(c) = $0 { c.name } else { nil } } + classifier.dropLast().map(\.name)
    }

    /// Reads the layers `spec.features` and `spec.classifier` name from `checkpoint`, checking they chain.
    public init(spec: ArchitectureSpec, checkpoint: Checkpoint) throws {
        precondition(spec.kind == .vgg)
        guard let input = spec.input, input.count == 3, input.allSatisfy({ $0 > 0 }) else {
            throw MgitError(.invalidInput, "a vgg architecture needs \"input\": [channels, height, width], got "
                                + "\(spec.input.map { "\($0)" } ?? "none")")
        }
        guard let features = spec.features, let classifierNames = spec.classifier, !classifierNames.isEmpty else {
            throw MgitError(.invalidInput, "a vgg architecture needs \"features\" and a non-empty \"classifier\"")
        }
        var reader = ParameterReader(checkpoint, architecture: "the vgg architecture")
        var (channels, height, width) = (input[0], input[1], input[2])
        var previous = "the input"
        var stages: [Stage] = []
        for feature in features {
            switch feature {
            case let .conv(name, stride, padding):
                let conv = try ConvLayer(name: name, stride: stride, padding: padding, reader: &reader)
                guard conv.inChannels == channels else {
                    throw MgitError(.mismatch, "layer '\(name).weight' takes \(conv.inChannels) input channels but "
                                        + "\(previous) gives \(channels)")
                }
                (height, width) = conv.outputSize(height: height, width: width)
                guard height > 0, width > 0 else {
                    throw MgitError(.mismatch, "layer '\(name)' leaves no output: its \(conv.kernelHeight)×"
                                        + "\(conv.kernelWidth) kernel does not fit the feature map")
                }
                channels = conv.outChannels
                previous = "'\(name).weight'"
                stages.append(.conv(conv))
            case let .pool(size):
                guard size >= 1, height / size > 0, width / size > 0 else {
                    throw MgitError(.invalidInput, "max pooling of size \(size) does not fit a \(height)×\(width) "
                                        + "feature map")
                }
                (height, width) = (height / size, width / size)
                stages.append(.pool(size))
            }
        }
        var classifier: [LinearLayer] = []
        var units = channels * height * width
        for name in classifierNames {
            let layer = try LinearLayer(name: name, reader: &reader)
            guard layer.inputs == units else {
                let source = classifier.isEmpty
                    ? "the features give \(channels)×\(height)×\(width) = \(units)"
                    : "'\(classifier[classifier.count - 1].name).weight' gives \(units) outputs"
                throw MgitError(.mismatch, "layer '\(name).weight' takes \(layer.inputs) inputs but \(source)")
            }
            units = layer.outputs
            classifier.append(layer)
        }
        try reader.checkAllUsed()
        self.spec = spec
        self.inputShape = input
        self.stages = stages
        self.classifier = classifier
    }

    public func forward(_ x: FloatMatrix, recordingActivations record: Bool) -> (logits: FloatMatrix, activations: [HiddenActivation]) {
        precondition(x.columns == inputSize, "the vgg network takes \(inputSize) inputs per sample, got \(x.columns)")
        var activations: [HiddenActivation] = []
        var h = FeatureMap(nchw: x, channels: inputShape[0], height: inputShape[1], width: inputShape[2])
        for stage in stages {
            switch stage {
            case let .conv(conv):
                h = conv.apply(h)
                h.applyReLU()
                if record { activations.append(HiddenActivation(name: conv.name, values: h.channelActivations())) }
            case let .pool(size):
                h = h.maxPooled(size)
            }
        }
        var y = h.flattenedNCHW()
        for (i, layer) in classifier.enumerated() {
            let hidden = i < classifier.count - 1
            y = layer.apply(y, relu: hidden)
            if hidden && record { activations.append(HiddenActivation(name: layer.name, values: y)) }
        }
        return (y, activations)
    }
}
