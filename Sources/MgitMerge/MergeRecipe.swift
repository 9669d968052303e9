import Foundation
import MgitInterop
import MgitTensor

/// A merge as mergekit's YAML config describes it: the method, the base, the inputs with their parameters, the
/// global parameters, dtypes; plus the seed mergekit's config has no place for. Model names are mgit revisions.
///
/// Parameters resolve per tensor as mergekit 0.1.5 resolves them (`parameter_resolver.py`): an input's own
/// setting first, then the global one, then the method's default; shared parameters (λ, normalize, rescale, t,
/// filter_wise) come from the global settings only. Filters match substrings of the tensor's name; gradients
/// spread over the numbered layers (`….layers.N.…`).
public struct MergeRecipe: Sendable, Equatable {
    /// One model merged, with its own parameter settings (`weight`, `density`).
    public struct Input: Sendable, Equatable {
        public var model: String
        public var parameters: [String: ParameterSetting]
        public init(model: String, parameters: [String: ParameterSetting] = [:]) {
            self.model = model
            self.parameters = parameters
        }
    }

    public var method: MergeMethod
    /// The base model (task-vector methods, Model Stock; SLERP's t = 0 end in a mergekit config), or nil.
    public var base: String?
    /// The merged models in order, the base excluded.
    public var inputs: [Input]
    /// Settings for every input and tensor unless an input's own setting overrides them.
    public var parameters: [String: ParameterSetting]
    /// The dtype tensors are merged from (`dtype`); mgit computes in f32 whatever it says.
    public var dtype: DType?
    /// The dtype of the merged tensors (`out_dtype`, else `dtype`, else the base's or first input's).
    public var outputDType: DType?
    /// DARE's seed.
    public var seed: UInt64

    public init(method: MergeMethod, base: String? = nil, inputs: [Input], parameters: [String: ParameterSetting] = [:],
                dtype: DType? = nil, outputDType: DType? = nil, seed: UInt64 = 0) {
        self.method = method
        self.base = base
        self.inputs = inputs
        self.parameters = parameters
        self.dtype = dtype
        self.outputDType = outputDType
        self.seed = seed
    }

    /// The parameters shared by all inputs, as opposed to per input.
    static let sharedNames: Set<String> = ["lambda", "normalize", "rescale", "t", "filter_wise", "int8_mask", "alpha"]

    /// Checks that every parameter named is one the method reads.
    ///
    /// - Throws: `.invalidInput` naming the first unknown parameter and the ones the method takes.
    public func validate() throws {
        let known = Set(method.parameterNames).union(["int8_mask"])
        let named = parameters.keys.map { ($0, "parameters") } + inputs.flatMap { i in i.parameters.keys.map { ($0, i.model) } }
        for (name, place) in named.sorted(by: { $0.0 < $1.0 }) where !known.contains(name) {
            throw MgitError(.invalidInput, "\(method.rawValue) has no parameter '\(name)' (in \(place)); "
                            + "it takes \(method.parameterNames.joined(separator: ", "))")
        }
        if let max = method.maximumInputs, inputs.count > max {
            throw MgitError(.invalidInput, "\(method.rawValue) merges at most \(max) models, got \(inputs.count)")
        }
        if inputs.count < method.minimumInputs {
            throw MgitError(.invalidInput, "\(method.rawValue) needs at least \(method.minimumInputs) models besides the base, got \(inputs.count)")
        }
    }

    /// The parameters of tensor `name`.
    ///
    /// - Parameter layers: The number of numbered layers in the model (``LayerIndex/count(in:)``), for gradients.
    /// - Throws: `.invalidInput` when a setting has the wrong type (a string where a number belongs).
    public func parameters(forTensor name: String, layers: Int) throws -> TensorMergeParameters {
        let t = LayerIndex.fraction(of: name, layers: layers)
        var p = TensorMergeParameters(method: method, inputs: inputs.count)
        func shared(_ key: String) -> ParameterSetting? { parameters[key]?.value(forTensor: name, layerFraction: t) }
        func own(_ key: String, _ i: Int) -> ParameterSetting? {
            inputs[i].parameters[key]?.value(forTensor: name, layerFraction: t) ?? shared(key)
        }
        for i in inputs.indices {
            if let v = own("weight", i) { p.weights[i] = try number(v, "weight", name) }
            if let v = own("density", i) { p.densities[i] = try number(v, "density", name) }
        }
        if let v = shared("lambda") { p.lambda = try number(v, "lambda", name) }
        if let v = shared("normalize") { p.normalize = try flag(v, "normalize", name) }
        if let v = shared("filter_wise") { p.filterWise = try flag(v, "filter_wise", name) }
        if let v = shared("t") ?? shared("alpha") { p.t = try number(v, "t", name) }
        if let v = shared("rescale") {
            switch v {
            case .flag(let on): p.rescale = on ? .l1 : .none
            case .text(let s):
                guard let r = DeltaRescale(rawValue: s.replacingOccurrences(of: "_", with: "-")) else {
                    throw MgitError(.invalidInput, "rescale '\(s)' is not one of true, false, l1, inverse_density, none")
                }
                p.rescale = r
            default:
                throw MgitError(.invalidInput, "rescale must be true, false, l1, inverse_density or none")
            }
        }
        return p
    }

    private func number(_ v: ParameterSetting, _ key: String, _ tensor: String) throws -> Double {
        switch v {
        case .number(let x) where x.isFinite: return x
        case .text(let s): if let x = Double(s), x.isFinite { return x }
        default: break
        }
        throw MgitError(.invalidInput, "parameter '\(key)' for tensor '\(tensor)' must be a finite number, got \(v)")
    }

    private func flag(_ v: ParameterSetting, _ key: String, _ tensor: String) throws -> Bool {
        switch v {
        case .flag(let b): return b
        case .number(let x) where x == 0 || x == 1: return x == 1
        default: throw MgitError(.invalidInput, "parameter '\(key)' for tensor '\(tensor)' must be true or false, got \(v)")
        }
    }
}

/// Where a tensor sits in the stack of numbered layers, for parameters given as gradients.
public enum LayerIndex {
    /// Path components that introduce a layer number: `model.layers.3.`, `transformer.h.3.`, `encoder.layer.3.`.
    static let containers: Set<Substring> = ["layers", "h", "layer", "blocks", "block"]

    /// The layer number in `name`, or nil for tensors outside the numbered layers (embeddings, final norm, head).
    public static func of(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        for (i, part) in parts.enumerated().dropFirst() where containers.contains(parts[i - 1]) {
            if let n = Int(part), n >= 0 { return n }
        }
        return nil
    }

    /// The number of numbered layers among `names` (the largest number plus one).
    public static func count(in names: [String]) -> Int {
        names.compactMap(of).max().map { $0 + 1 } ?? 0
    }

    /// mergekit's t: layer i of L sits at i/(L−1) (1 when L = 1); tensors outside the layers at 0.
    public static func fraction(of name: String, layers: Int) -> Double {
        guard let i = of(name) else { return 0 }
        return layers > 1 ? Double(i) / Double(layers - 1) : 1
    }
}
