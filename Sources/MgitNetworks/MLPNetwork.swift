import MgitInterop
import MgitTensor
/// A multilayer perceptron: Linear layers with ReLU between them and none after the last.
public struct MLPNetwork: Network {
    public let spec: ArchitectureSpec
    package let layers: [LinearLayer]

    public var inputSize: Int { layers[0].inputs }
    public var classCount: Int { layers[layers.count - 1].outputs }
    /// Every layer but the last, by name prefix (`fc1`, `fc2`, …).
    public var activationNames: [String] { layers.dropLast().map(\.name) }
    /// The layer widths from input to output, e.g. `[784, 512, 512, 512, 10]`.
    public var widths: [Int] { [inputSize] + layers.map(\.outputs) }

    /// Reads the layers `spec.layers` (or the detected order) from `checkpoint`.
    public init(spec: ArchitectureSpec, checkpoint: Checkpoint) throws {
        precondition(spec.kind == .mlp)
        let names = try spec.layers ?? Self.layerOrder(in: checkpoint)
        guard !names.isEmpty else {
            throw MgitError(.invalidInput, "the MLP architecture lists no layers")
        }
        var reader = ParameterReader(checkpoint, architecture: "the MLP \(names)")
        var layers: [LinearLayer] = []
        for name in names {
            let layer = try LinearLayer(name: name, reader: &reader)
            if let previous = layers.last, previous.outputs != layer.inputs {
                throw MgitError(.mismatch, "layer '\(name).weight' takes \(layer.inputs) inputs but "
                                    + "'\(previous.name).weight' gives \(previous.outputs) outputs")
            }
            layers.append(layer)
        }
        try reader.checkAllUsed()
        self.spec = .mlp(layers: names)
        self.layers = layers
    }

    public func forward(_ x: FloatMatrix, recordingActivations: Bool) -> (logits: FloatMatrix, activations: [HiddenActivation]) {
        var h = x
        var recorded: [HiddenActivation] = []
        for (i, layer) in layers.enumerated() {
            let hidden = i < layers.count - 1
            h = layer.apply(h, relu: hidden)
            if hidden && recordingActivations { recorded.append(HiddenActivation(name: layer.name, values: h)) }
        }
        return (h, recorded)
    }

    /// The Linear layer name prefixes of `checkpoint` in natural order, checked to chain by shape.
    package static func layerOrder(in checkpoint: Checkpoint) throws -> [String] {
        var prefixes: [String] = []
        for name in checkpoint.names where name.hasSuffix(".weight") {
            prefixes.append(String(name.dropLast(".weight".count)))
        }
        for name in checkpoint.names where name.hasSuffix(".bias") {
            let prefix = String(name.dropLast(".bias".count))
            guard checkpoint["\(prefix).weight"] != nil else {
                throw MgitError(.mismatch, "tensor '\(name)' has no matching '\(prefix).weight'")
            }
        }
        guard !prefixes.isEmpty else {
            throw MgitError(.invalidInput, "the checkpoint has no '.weight' tensors, so it holds no MLP layers")
        }
        prefixes.sort(by: NaturalOrder.less)
        for (a, b) in zip(prefixes, prefixes.dropFirst()) {
            let (wa, wb) = (checkpoint["\(a).weight"]!, checkpoint["\(b).weight"]!)
            if wa.shape.count == 2, wb.shape.count == 2, wa.shape[0] != wb.shape[1] {
                throw MgitError(.mismatch, "layer '\(b).weight' takes \(wb.shape[1]) inputs but '\(a).weight' "
                                    + "gives \(wa.shape[0]) outputs")
            }
        }
        return prefixes
    }
}
