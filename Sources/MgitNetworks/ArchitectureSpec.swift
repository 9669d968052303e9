import Foundation
import MgitInterop
import MgitTensor

/// What network a checkpoint's tensors form: the `arch.json` a commit stores or `--arch FILE` gives.
///
/// The JSON format is documented in docs/ARCHITECTURES.md. Three kinds exist: a ReLU MLP, a VGG-style CNN and
/// the CIFAR ResNet-20 of He et al. 2016 §4.2. Tensor names and layouts follow PyTorch's `state_dict`.
public struct ArchitectureSpec: Codable, Sendable, Equatable {
    /// The network family.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Linear layers with ReLU between them.
        case mlp
        /// Conv2d + ReLU (+ max pooling) features, then Linear layers on the NCHW-flattened features.
        case vgg
        /// ResNet-20 for 32×32 images, He et al. 2016 §4.2, with a width multiplier.
        case resnet20
    }

    /// The normalisation layer of a ResNet.
    public enum Norm: String, Codable, Sendable, CaseIterable {
        /// BatchNorm in evaluation mode (running statistics), eps 1e-5.
        case batchnorm
        /// LayerNorm over the channels at each spatial position, eps 1e-5.
        case layernorm
    }

    /// One stage of a VGG feature extractor.
    public enum Feature: Codable, Sendable, Equatable {
        /// A Conv2d layer (tensors `<name>.weight` `[out, in, kh, kw]`, optional `<name>.bias` `[out]`), then ReLU.
        case conv(name: String, stride: Int, padding: Int)
        /// Max pooling with a square `size × size` window and stride `size` (PyTorch `MaxPool2d(size)`).
        case pool(size: Int)

        private enum CodingKeys: String, CodingKey { case conv, stride, padding, pool }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let name = try c.decodeIfPresent(String.self, forKey: .conv) {
                self = .conv(name: name, stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1,
                             padding: try c.decodeIfPresent(Int.self, forKey: .padding) ?? 0)
            } else if let size = try c.decodeIfPresent(Int.self, forKey: .pool) {
                self = .pool(size: size)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "a feature needs a \"conv\" or a \"pool\" key"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case let .conv(name, stride, padding):
                try c.encode(name, forKey: .conv)
                try c.encode(stride, forKey: .stride)
                try c.encode(padding, forKey: .padding)
            case let .pool(size):
                try c.encode(size, forKey: .pool)
            }
        }
    }

    /// The version of this format; mgit reads format 1.
    public var format: Int
    /// The network family.
    public var kind: Kind
    /// MLP: the layer name prefixes in order (`fc1` for `fc1.weight`); nil means found from the names.
    public var layers: [String]?
    /// VGG and ResNet: the shape of one input sample, `[channels, height, width]`.
    public var input: [Int]?
    /// VGG: the feature extractor in order.
    public var features: [Feature]?
    /// VGG: the Linear layers after flattening, as name prefixes in order.
    public var classifier: [String]?
    /// ResNet-20: the width multiplier `w` (channels 16w, 32w, 64w).
    public var width: Int?
    /// ResNet-20: the normalisation layers.
    public var norm: Norm?

    /// The current format version.
    public static let currentFormat = 1

    /// An MLP; `layers` nil means the layer order is found from the tensor names.
    public static func mlp(layers: [String]? = nil) -> ArchitectureSpec {
        ArchitectureSpec(format: currentFormat, kind: .mlp, layers: layers)
    }

    /// A VGG-style CNN on inputs of shape `input` = `[channels, height, width]`.
    public static func vgg(input: [Int], features: [Feature], classifier: [String]) -> ArchitectureSpec {
        ArchitectureSpec(format: currentFormat, kind: .vgg, input: input, features: features, classifier: classifier)
    }

    /// A CIFAR ResNet-20 with width multiplier `width` on inputs of shape `input` = `[channels, height, width]`.
    public static func resnet20(input: [Int] = [3, 32, 32], width: Int = 1, norm: Norm = .batchnorm) -> ArchitectureSpec {
        ArchitectureSpec(format: currentFormat, kind: .resnet20, input: input, width: width, norm: norm)
    }

    /// Decodes a spec from its JSON bytes; `source` names the file in errors.
    public static func decode(json: Data, source: String = "architecture description") throws -> ArchitectureSpec {
        let spec: ArchitectureSpec
        do {
            spec = try JSONDecoder().decode(ArchitectureSpec.self, from: json)
        } catch let error as DecodingError {
            throw MgitError(.invalidInput, "\(source) is not a valid architecture description: \(Self.explain(error)); "
                                + "see docs/ARCHITECTURES.md")
        }
        guard spec.format == currentFormat else {
            throw MgitError(.invalidInput, "\(source) has format \(spec.format) but this mgit reads format "
                                + "\(currentFormat); upgrade mgit or rewrite the file")
        }
        return spec
    }

    /// The spec as pretty-printed JSON with sorted keys (stable bytes for a commit).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(self) // Encoding plain strings and integers cannot fail.
    }

    /// Detects an MLP from a checkpoint whose tensors are all 2-D `.weight` and 1-D `.bias` tensors.
    ///
    /// The layer order is the natural (numeric-aware) order of the name prefixes, so `fc2` precedes `fc10`
    /// and `net.2` precedes `net.10`; the shapes must chain. Other architectures need an explicit spec.
    public static func detect(from checkpoint: Checkpoint) throws -> ArchitectureSpec {
        guard !checkpoint.names.isEmpty else {
            throw MgitError(.invalidInput, "cannot detect the architecture of an empty checkpoint")
        }
        for (name, tensor) in checkpoint.namedTensors {
            let isWeight = name.hasSuffix(".weight") && tensor.shape.count == 2
            let isBias = name.hasSuffix(".bias") && tensor.shape.count == 1
            guard isWeight || isBias else {
                throw MgitError(.invalidInput, "cannot detect the architecture: tensor '\(name)' has shape "
                                    + "\(tensor.shape), and only MLPs (2-D '.weight' and 1-D '.bias' tensors) are "
                                    + "detected automatically; describe the network in an architecture file "
                                    + "(docs/ARCHITECTURES.md)", parameter: "architecture")
            }
        }
        let layers = try MLPNetwork.layerOrder(in: checkpoint)
        return .mlp(layers: layers)
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing key '\(key.stringValue)'\(path(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }

    /// The memberwise initializer, for the modules above this one.
    package init(format: Int, kind: Kind, layers: [String]? = nil, input: [Int]? = nil, features: [Feature]? = nil, classifier: [String]? = nil, width: Int? = nil, norm: Norm? = nil) {
        self.format = format
        self.kind = kind
        self.layers = layers
        self.input = input
        self.features = features
        self.classifier = classifier
        self.width = width
        self.norm = norm
    }
}
