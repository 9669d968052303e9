import Foundation
import MgitInterop
import MgitNetworks
import MgitTensor

/// Built-in specs for the architectures of Ainsworth et al. 2023 (§4): MLPs, VGG-style CNNs and ResNets.
extension PermutationSpec {
    /// The architectures mgit has a built-in permutation spec for.
    public enum Architecture: String, Sendable, CaseIterable {
        /// Linear layers `X.weight [out, in]` and `X.bias [out]`, in the natural order of their names.
        case mlp
        /// Convolutions `features.N.weight [out, in, kh, kw]` (with optional norms), then linear layers
        /// `classifier.N.weight`, the first reading the flattened `[C, H, W]` feature map.
        case vgg
        /// ResNet-20 style: `conv1`, `bn1`, `layer{s}.{b}.{conv1,bn1,conv2,bn2}`, projection shortcuts
        /// `layer{s}.0.shortcut.{0,1}`, `linear`; BatchNorm or LayerNorm.
        case resnet
    }

    /// The architecture `checkpoint`'s tensor names and shapes show, or nil.
    public static func architecture(of checkpoint: Checkpoint) -> Architecture? {
        if checkpoint["conv1.weight"] != nil && checkpoint["linear.weight"] != nil
            && checkpoint["layer1.0.conv1.weight"] != nil {
            return .resnet
        }
        if checkpoint.namedTensors.contains(where: { $0.name.hasPrefix("features.") && $0.tensor.shape.count == 4 }) {
            return .vgg
        }
        let mlpShaped = checkpoint.namedTensors.allSatisfy { name, tensor in
            (name.hasSuffix(".weight") && tensor.shape.count == 2) || (name.hasSuffix(".bias") && tensor.shape.count == 1)
        }
        return mlpShaped && !checkpoint.names.isEmpty ? .mlp : nil
    }

    /// The built-in spec for `checkpoint`, recognising its architecture.
    ///
    /// - Throws: `MgitError(.mismatch)` when no built-in architecture fits; write a JSON spec then.
    public static func builtin(for checkpoint: Checkpoint) throws -> PermutationSpec {
        try builtin(for: checkpoint, transformerConfig: nil)
    }

    /// The built-in spec for `checkpoint`; a BERT, GPT-2 or Llama checkpoint gets its transformer spec, with
    /// heads when `transformerConfig` holds the model folder's `config.json` bytes and without them otherwise.
    ///
    /// - Throws: `MgitError(.mismatch)` when no built-in architecture fits; the errors of
    ///   ``TransformerConfig/detect(config:checkpoint:)`` for a config.json mgit cannot use.
    public static func builtin(for checkpoint: Checkpoint, transformerConfig: Data?) throws -> PermutationSpec {
        if transformerConfig != nil || TransformerConfig.familyFromNames(checkpoint) != nil {
            return try transformer(TransformerConfig.detect(config: transformerConfig, checkpoint: checkpoint),
                                   checkpoint: checkpoint)
        }
        guard let architecture = architecture(of: checkpoint) else {
            throw MgitError(.mismatch, "the checkpoint matches no built-in architecture (mlp, vgg, resnet, bert, "
                            + "gpt2, llama); give a permutation spec file (docs/PERMUTATION-SPECS.md)")
        }
        return try builtin(architecture, for: checkpoint)
    }

    /// The built-in spec of `architecture`, laid out for `checkpoint`'s tensors.
    public static func builtin(_ architecture: Architecture, for checkpoint: Checkpoint) throws -> PermutationSpec {
        switch architecture {
        case .mlp: try mlp(for: checkpoint)
        case .vgg: try vgg(for: checkpoint)
        case .resnet: try resnet(for: checkpoint)
        }
    }

    /// An MLP: permutation `P_i` on the outputs of hidden layer `i` (0-based, natural name order).
    public static func mlp(for checkpoint: Checkpoint) throws -> PermutationSpec {
        let layers = checkpoint.namedTensors
            .filter { $0.name.hasSuffix(".weight") && $0.tensor.shape.count == 2 }
            .map { String($0.name.dropLast(".weight".count)) }
            .sorted(by: naturallyPrecedes)
        let known = Set(layers.flatMap { ["\($0).weight", "\($0).bias"] })
        for name in checkpoint.names where !known.contains(name) {
            throw MgitError(.mismatch, "tensor '\(name)' is not part of an MLP (only '<layer>.weight' [out, in] "
                            + "and '<layer>.bias' [out]); give a permutation spec file")
        }
        return try mlp(layers: layers, for: checkpoint)
    }

    /// An MLP whose linear layers are `layers` in order (name prefixes: `fc1` for `fc1.weight`, optional
    /// `fc1.bias`): permutation `P_i` on the outputs of layer `i`, for every layer but the last.
    public static func mlp(layers: [String], for checkpoint: Checkpoint) throws -> PermutationSpec {
        var builder = SpecBuilder(checkpoint)
        guard let first = layers.first, let last = layers.last else {
            throw MgitError(.mismatch, "no linear layer (a 2-D tensor named '<layer>.weight') in the checkpoint")
        }
        var previous: String?
        for (index, layer) in layers.enumerated() {
            let weight = try builder.tensor("\(layer).weight", rank: 2)
            if index > 0, let before = checkpoint["\(layers[index - 1]).weight"], before.shape[0] != weight.shape[1] {
                throw MgitError(.mismatch, "tensor '\(layer).weight' axis 1 has \(weight.shape[1]) inputs but the layer "
                                + "before, '\(layers[index - 1])', has \(before.shape[0]) outputs")
            }
            let output = index == layers.count - 1 ? nil : "P_\(index)"
            try builder.bind("\(layer).weight", names: [output, previous])
            if checkpoint["\(layer).bias"] != nil { try builder.bind("\(layer).bias", names: [output]) }
            previous = output
        }
        builder.input("\(first).weight", 1)
        builder.output("\(last).weight", 0)
        if checkpoint["\(last).bias"] != nil { builder.output("\(last).bias", 0) }
        return try builder.spec()
    }

    /// A VGG-style CNN named like torchvision's: convolutions `features.N` (4-D weights) with any
    /// normalisation layers between them, then linear layers `classifier.N`. See
    /// ``vgg(convolutions:classifier:normalisations:for:)``.
    public static func vgg(for checkpoint: Checkpoint) throws -> PermutationSpec {
        func layerKeys(_ prefix: String) -> [String] {
            var keys: [String] = []
            for name in checkpoint.names where name.hasPrefix(prefix) {
                guard let dot = name.lastIndex(of: ".") else { continue }
                let key = String(name[..<dot])
                if !keys.contains(key) { keys.append(key) }
            }
            return keys.sorted(by: naturallyPrecedes)
        }
        var convolutions: [String] = [], classifier: [String] = []
        var normalisations: [String: String] = [:]
        for key in layerKeys("features.") {
            if checkpoint["\(key).weight"]?.shape.count == 4 {
                convolutions.append(key)
            } else if let owner = convolutions.last {
                normalisations[key] = owner
            }
        }
        for key in layerKeys("classifier.") {
            if checkpoint["\(key).weight"]?.shape.count == 2 {
                classifier.append(key)
            } else if let owner = classifier.last {
                normalisations[key] = owner
            }
        }
        return try vgg(convolutions: convolutions, classifier: classifier, normalisations: normalisations, for: checkpoint)
    }

    /// A VGG-style CNN: permutation `P_<conv>` on the output channels of each convolution, `P_<layer>` on each
    /// hidden linear layer; the first linear layer reads the flattened `[C, H, W]` map, so its input axis is
    /// permuted in blocks of `H·W` per channel.
    ///
    /// - Parameters:
    ///   - convolutions: Name prefixes of the convolutions in order (`features.0` for `features.0.weight`
    ///     `[out, in, kh, kw]`, optional `features.0.bias`).
    ///   - classifier: Name prefixes of the linear layers after flattening, in order.
    ///   - normalisations: Prefix of each normalisation layer → prefix of the layer whose outputs it normalises
    ///     (all its tensors of rank ≥ 1 are permuted on axis 0).
    public static func vgg(
        convolutions: [String], classifier: [String], normalisations: [String: String] = [:], for checkpoint: Checkpoint
    ) throws -> PermutationSpec {
        var builder = SpecBuilder(checkpoint)
        guard let firstConv = convolutions.first, let lastConv = convolutions.last else {
            throw MgitError(.mismatch, "no convolution ('features.N.weight' of shape [out, in, kh, kw]) in the checkpoint")
        }
        guard let firstLinear = classifier.first, let lastLinear = classifier.last else {
            throw MgitError(.mismatch, "no linear layer ('classifier.N.weight' of shape [out, in]) in the checkpoint")
        }
        var permutationOf: [String: String] = [:]
        var current: String?
        for key in convolutions {
            _ = try builder.tensor("\(key).weight", rank: 4)
            let perm = "P_\(key)"
            try builder.bind("\(key).weight", names: [perm, current])
            if checkpoint["\(key).bias"] != nil { try builder.bind("\(key).bias", names: [perm]) }
            permutationOf[key] = perm
            current = perm
        }
        let channels = checkpoint["\(lastConv).weight"]!.shape[0]
        let flattened = try builder.tensor("\(firstLinear).weight", rank: 2).shape[1]
        guard channels > 0, flattened % channels == 0 else {
            throw MgitError(.mismatch, "tensor '\(firstLinear).weight' axis 1 has \(flattened) inputs, not a multiple of "
                            + "the last convolution's \(channels) channels")
        }
        var previous = AxisPermutation("P_\(lastConv)", group: flattened / channels)
        for key in classifier {
            _ = try builder.tensor("\(key).weight", rank: 2)
            let output = key == lastLinear ? nil : AxisPermutation("P_\(key)")
            try builder.bind("\(key).weight", [output, previous])
            if checkpoint["\(key).bias"] != nil { try builder.bind("\(key).bias", [output]) }
            if let output {
                previous = output
                permutationOf[key] = output.permutation
            }
        }
        for norm in normalisations.keys.sorted(by: naturallyPrecedes) {
            guard let perm = permutationOf[normalisations[norm]!] else {
                throw MgitError(.mismatch, "normalisation layer '\(norm)' follows '\(normalisations[norm]!)', which is "
                                + "not a convolution or hidden linear layer of the spec")
            }
            try builder.bindNorm(norm, perm)
        }
        builder.input("\(firstConv).weight", 1)
        builder.output("\(lastLinear).weight", 0)
        if checkpoint["\(lastLinear).bias"] != nil { builder.output("\(lastLinear).bias", 0) }
        return try builder.spec()
    }

    /// A ResNet (ResNet-20 and deeper of the same plan): one permutation per residual stream — `P_res1` from
    /// the stem through stage 1, and a new `P_res{s}` where a projection shortcut starts stage `s` — and one
    /// per block's inner channels, `P_layer{s}.{b}.inner`.
    public static func resnet(for checkpoint: Checkpoint) throws -> PermutationSpec {
        var builder = SpecBuilder(checkpoint)
        guard checkpoint["conv1.weight"] != nil, checkpoint["linear.weight"] != nil else {
            throw MgitError(.mismatch, "a ResNet checkpoint needs 'conv1.weight' and 'linear.weight'")
        }
        var stream = "P_res1"
        try builder.bind("conv1.weight", names: [stream, nil])
        try builder.bindNorm("bn1", stream)
        var stage = 1
        while checkpoint["layer\(stage).0.conv1.weight"] != nil {
            var block = 0
            while checkpoint["layer\(stage).\(block).conv1.weight"] != nil {
                let prefix = "layer\(stage).\(block)"
                let inner = "P_\(prefix).inner"
                let input = stream
                if checkpoint["\(prefix).shortcut.0.weight"] != nil {
                    stream = stream == "P_res\(stage)" ? "P_res\(stage)b" : "P_res\(stage)"
                    try builder.bind("\(prefix).shortcut.0.weight", names: [stream, input])
                    try builder.bindNorm("\(prefix).shortcut.1", stream)
                }
                try builder.bind("\(prefix).conv1.weight", names: [inner, input])
                try builder.bindNorm("\(prefix).bn1", inner)
                try builder.bind("\(prefix).conv2.weight", names: [stream, inner])
                try builder.bindNorm("\(prefix).bn2", stream)
                block += 1
            }
            stage += 1
        }
        try builder.bind("linear.weight", names: [nil, stream])
        if checkpoint["linear.bias"] != nil { try builder.bind("linear.bias", names: [nil]) }
        builder.input("conv1.weight", 1)
        builder.output("linear.weight", 0)
        if checkpoint["linear.bias"] != nil { builder.output("linear.bias", 0) }
        return try builder.spec()
    }
}

/// Collects axis bindings for a built-in spec, padding each tensor's list with nil to its rank.
private struct SpecBuilder {
    package let checkpoint: Checkpoint
    package var axes: [String: [PermutationSpec.AxisPermutation?]] = [:]
    package var inputs: [PermutationSpec.TensorAxis] = []
    package var outputs: [PermutationSpec.TensorAxis] = []

    package init(_ checkpoint: Checkpoint) {
        self.checkpoint = checkpoint
    }

    package mutating func bind(_ name: String, names leading: [String?]) throws {
        try bind(name, leading.map { $0.map { PermutationSpec.AxisPermutation($0) } })
    }

    package mutating func bind(_ name: String, _ leading: [PermutationSpec.AxisPermutation?]) throws {
        guard let tensor = checkpoint[name] else {
            throw MgitError(.mismatch, "the built-in spec needs tensor '\(name)', which the checkpoint does not have")
        }
        guard tensor.shape.count >= leading.count else {
            throw MgitError(.mismatch, "tensor '\(name)' has shape \(tensor.shape); the built-in spec expects at least "
                            + "\(leading.count) axes")
        }
        axes[name] = leading + Array(repeating: nil, count: tensor.shape.count - leading.count)
    }

    /// Binds axis 0 of every tensor of a normalisation layer (weight, bias, running statistics); scalars such
    /// as `num_batches_tracked` stay out.
    package mutating func bindNorm(_ prefix: String, _ permutation: String) throws {
        let names = checkpoint.names.filter { $0.hasPrefix(prefix + ".") && !$0.dropFirst(prefix.count + 1).contains(".") }
        guard !names.isEmpty else {
            throw MgitError(.mismatch, "the built-in spec needs the normalisation layer '\(prefix)', which the checkpoint "
                            + "does not have")
        }
        for name in names where checkpoint[name]!.shape.count >= 1 { try bind(name, names: [permutation]) }
    }

    /// The tensor `name`, which must exist with rank `rank`.
    package func tensor(_ name: String, rank: Int) throws -> Tensor {
        guard let tensor = checkpoint[name] else {
            throw MgitError(.mismatch, "the built-in spec needs tensor '\(name)', which the checkpoint does not have")
        }
        guard tensor.shape.count == rank else {
            throw MgitError(.mismatch, "tensor '\(name)' has shape \(tensor.shape); the built-in spec expects \(rank) axes")
        }
        return tensor
    }

    package mutating func input(_ name: String, _ axis: Int) { inputs.append(.init(name, axis)) }
    package mutating func output(_ name: String, _ axis: Int) { outputs.append(.init(name, axis)) }

    package func spec() throws -> PermutationSpec {
        try PermutationSpec(axes: axes, inputAxes: inputs, outputAxes: outputs)
    }
}
