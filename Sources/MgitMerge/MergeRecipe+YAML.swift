import Foundation
internal import Yams
import MgitInterop
import MgitTensor

/// mergekit's YAML config (`mergekit-yaml`), read into a recipe and written back out.
///
/// Read: `merge_method`, `base_model`, `models` (each `model` with its `parameters`), `parameters`, `dtype`,
/// `out_dtype`, and mgit's `seed` (mergekit ignores unknown keys). `slices`, `modules` and the tokenizer settings
/// are refused with a message: mgit merges whole checkpoints tensor by tensor. Model names are mgit revisions.
extension MergeRecipe {
    /// Parses a mergekit config.
    ///
    /// - Throws: `.invalidInput` saying which key is wrong and what it takes.
    public init(mergekitYAML text: String) throws {
        let document: Any?
        do {
            // Checked as a node tree first: Yams traps on a mapping key that is not a scalar (`? {t: 1}: x`, found
            // by scripts/fuzz), and a config is data from outside.
            // Anchors and aliases are refused before composing: expanding them is how a small YAML file becomes a
            // huge one ("billion laughs"), and no mergekit config needs them.
            if text.range(of: #"(^|[\s\[{,:?-])[&*][^\s\[\]{},]+"#, options: .regularExpression) != nil {
                throw MgitError(.invalidInput, "the merge config uses a YAML anchor or alias (&name, *name); write the values out")
            }
            if let node = try Yams.compose(yaml: text) { try Self.checkShape(node) }
            document = try Yams.load(yaml: text)
        } catch let error as MgitError {
            throw error
        } catch {
            throw MgitError(.invalidInput, "the merge config is not valid YAML: \(error)")
        }
        guard let root = document as? [String: Any] else {
            throw MgitError(.invalidInput, "the merge config must be a YAML mapping with merge_method and models")
        }
        let known: Set<String> = ["merge_method", "base_model", "models", "parameters", "dtype", "out_dtype", "seed"]
        for key in root.keys.sorted() where !known.contains(key) {
            switch key {
            case "slices", "modules":
                throw MgitError(.invalidInput, "'\(key)' in the merge config is not supported: mgit merges whole models; "
                                + "list them under 'models' and use parameter filters for per-tensor settings")
            case "tokenizer_source", "tokenizer", "chat_template":
                if root[key] is NSNull { continue }
                throw MgitError(.invalidInput, "'\(key)' in the merge config is not supported: mgit merges the weights only; "
                                + "remove it and keep the tokenizer of the base model")
            default:
                throw MgitError(.invalidInput, "unknown key '\(key)' in the merge config; mgit reads "
                                + known.sorted().joined(separator: ", "))
            }
        }
        guard let methodName = root["merge_method"] as? String else {
            throw MgitError(.invalidInput, "the merge config has no merge_method (one of "
                            + MergeMethod.allCases.compactMap(\.mergekitName).joined(separator: ", ") + ")")
        }
        guard let method = MergeMethod(name: methodName), method != .interpolate else {
            throw MgitError(.invalidInput, "merge_method '\(methodName)' is not one mgit implements: use one of "
                            + MergeMethod.allCases.compactMap(\.mergekitName).joined(separator: ", "))
        }
        let base = try root["base_model"].map { try Self.modelName($0, "base_model") }
        guard let models = root["models"] as? [Any], !models.isEmpty else {
            throw MgitError(.invalidInput, "the merge config lists no models: add 'models:' with '- model: REVISION' entries")
        }
        var inputs: [Input] = []
        for (i, entry) in models.enumerated() {
            guard let fields = entry as? [String: Any], let model = fields["model"] else {
                throw MgitError(.invalidInput, "models[\(i)] in the merge config needs a 'model:' naming a revision")
            }
            let name = try Self.modelName(model, "models[\(i)].model")
            let parameters = try Self.settings(fields["parameters"], "models[\(i)].parameters")
            inputs.append(Input(model: name, parameters: parameters))
        }
        // mergekit merges the base with the others; the base's own parameters are ignored except linear's weight.
        if let base, method != .linear, method != .slerp {
            inputs.removeAll { $0.model == base }
        }
        if method == .linear, let base, !inputs.contains(where: { $0.model == base }) {
            inputs.append(Input(model: base))       // as mergekit: "Base model specified but not in input models - adding"
        }
        if method == .slerp, let base {
            // SLERP runs from the base (t = 0) to the other model (t = 1).
            let others = inputs.filter { $0.model != base }
            inputs = [Input(model: base)] + others
        }
        let seed: UInt64
        switch root["seed"] {
        case nil: seed = 0
        case let n as Int where n >= 0: seed = UInt64(n)
        default: throw MgitError(.invalidInput, "seed in the merge config must be a non-negative integer")
        }
        self.init(method: method, base: method == .slerp || method == .linear ? nil : base, inputs: inputs,
                  parameters: try Self.settings(root["parameters"], "parameters"),
                  dtype: try root["dtype"].map { try Self.dtype($0, "dtype") },
                  outputDType: try root["out_dtype"].map { try Self.dtype($0, "out_dtype") }, seed: seed)
        try validate()
    }

    /// The recipe as a mergekit config: what `mgit show REV --config` prints and an export writes.
    ///
    /// - Parameter modelNames: How to name each model (base first when there is one), e.g. commit ids.
    public func mergekitYAML() -> String {
        var out = "merge_method: \(method.mergekitName ?? method.rawValue)\n"
        // SLERP's base_model is its t = 0 end; linear has none (mergekit would merge it in as one more model).
        let baseName = method == .slerp ? inputs.first?.model : (method == .linear ? nil : base)
        if let baseName { out += "base_model: \(Self.scalar(.text(baseName)))\n" }
        out += "models:\n"
        let listed = method.needsBase && base != nil ? [Input(model: base!)] + inputs : inputs
        for input in listed {
            out += "  - model: \(Self.scalar(.text(input.model)))\n"
            if !input.parameters.isEmpty {
                out += "    parameters:\n" + Self.settingsYAML(input.parameters, indent: 6)
            }
        }
        if !parameters.isEmpty { out += "parameters:\n" + Self.settingsYAML(parameters, indent: 2) }
        if let dtype { out += "dtype: \(Self.mergekitDTypeName(dtype))\n" }
        if let outputDType { out += "out_dtype: \(Self.mergekitDTypeName(outputDType))\n" }
        if method.isRandom { out += "seed: \(seed)  # mgit: DARE's random drops (mergekit ignores this key)\n" }
        return out
    }

    // MARK: Reading

    /// Refuses what a mergekit config never holds and the YAML loader cannot take safely: mapping keys that are not
    /// plain scalars, anchors and aliases, more than 100,000 nodes or nesting deeper than 64. Iterative.
    static func checkShape(_ root: Node) throws {
        var pending: [(node: Node, depth: Int)] = [(root, 1)]
        var seen = 0
        while let (node, depth) = pending.popLast() {
            seen += 1
            guard seen <= 100_000, depth <= 64 else {
                throw MgitError(.invalidInput, "the merge config is too large or too deeply nested for a merge config")
            }
            switch node {
            case .scalar:
                continue
            case .alias:
                throw MgitError(.invalidInput, "the merge config uses a YAML alias; write the values out")
            case let .sequence(items):
                for item in items { pending.append((item, depth + 1)) }
            case let .mapping(pairs):
                for (key, value) in pairs {
                    guard case .scalar = key else {
                        throw MgitError(.invalidInput, "the merge config has a key that is not a plain name (a mapping "
                                        + "or list used as a key); keys are names such as merge_method or models")
                    }
                    pending.append((value, depth + 1))
                }
            }
        }
    }

    private static func modelName(_ value: Any, _ place: String) throws -> String {
        if let s = value as? String, !s.isEmpty { return s }
        if let n = value as? Int { return String(n) }       // an all-digit abbreviated commit id
        if let fields = value as? [String: Any], let s = fields["model"] as? String { return s }
        throw MgitError(.invalidInput, "\(place) in the merge config must name a revision")
    }

    private static func settings(_ value: Any?, _ place: String) throws -> [String: ParameterSetting] {
        guard let value, !(value is NSNull) else { return [:] }
        guard let fields = value as? [String: Any] else {
            throw MgitError(.invalidInput, "\(place) in the merge config must be a mapping of parameter names to values")
        }
        var out: [String: ParameterSetting] = [:]
        for (key, v) in fields { out[key] = try setting(v, "\(place).\(key)") }
        return out
    }

    private static func setting(_ value: Any, _ place: String) throws -> ParameterSetting {
        switch value {
        case let b as Bool: return .flag(b)
        case let n as Int: return .number(Double(n))
        case let x as Double: return .number(x)
        case let s as String: return .text(s)
        case let list as [Any]:
            if list.allSatisfy({ $0 is [String: Any] }) {
                return .conditional(try list.enumerated().map { i, c in try condition(c as! [String: Any], "\(place)[\(i)]") })
            }
            return .gradient(try list.enumerated().map { i, v in
                let s = try setting(v, "\(place)[\(i)]")
                guard s.isScalar else { throw MgitError(.invalidInput, "\(place)[\(i)] must be a number, true/false or a string") }
                return s
            })
        case let fields as [String: Any]:
            return .conditional([try condition(fields, place)])
        default:
            throw MgitError(.invalidInput, "\(place) in the merge config has a value mgit cannot read")
        }
    }

    private static func condition(_ fields: [String: Any], _ place: String) throws -> ParameterSetting.Condition {
        guard let value = fields["value"] else {
            throw MgitError(.invalidInput, "\(place) in the merge config needs 'value' (and optionally 'filter')")
        }
        let filter: String?
        switch fields["filter"] {
        case nil, is NSNull: filter = nil
        case let s as String: filter = s
        default: throw MgitError(.invalidInput, "\(place).filter in the merge config must be a string")
        }
        return .init(filter: filter, value: try setting(value, place + ".value"))
    }

    private static func dtype(_ value: Any, _ place: String) throws -> DType {
        switch (value as? String)?.lowercased() {
        case "float32", "fp32", "f32": return .f32
        case "float16", "fp16", "f16", "half": return .f16
        case "bfloat16", "bf16": return .bf16
        case "float64", "fp64", "f64": return .f64
        default: throw MgitError(.invalidInput, "\(place) '\(value)' is not one of float32, float16, bfloat16")
        }
    }

    // MARK: Writing

    static func mergekitDTypeName(_ dtype: DType) -> String {
        switch dtype {
        case .f32: "float32"
        case .f16: "float16"
        case .bf16: "bfloat16"
        case .f64: "float64"
        default: dtype.rawValue
        }
    }

    private static func settingsYAML(_ settings: [String: ParameterSetting], indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var out = ""
        for key in settings.keys.sorted() {
            switch settings[key]! {
            case .conditional(let conditions):
                out += "\(pad)\(key):\n"
                for c in conditions {
                    if let filter = c.filter { out += "\(pad)  - filter: \(scalar(.text(filter)))\n\(pad)    value: \(inline(c.value))\n" }
                    else { out += "\(pad)  - value: \(inline(c.value))\n" }
                }
            case let other:
                out += "\(pad)\(key): \(inline(other))\n"
            }
        }
        return out
    }

    private static func inline(_ setting: ParameterSetting) -> String {
        switch setting {
        case .gradient(let values): "[" + values.map(inline).joined(separator: ", ") + "]"
        case .conditional(let conditions):
            "[" + conditions.map { c in
                (c.filter.map { "{filter: \(scalar(.text($0))), value: " } ?? "{value: ") + inline(c.value) + "}"
            }.joined(separator: ", ") + "]"
        default: scalar(setting)
        }
    }

    private static func scalar(_ setting: ParameterSetting) -> String {
        switch setting {
        case .number(let x):
            if x == x.rounded() && abs(x) < 1e15 { return String(format: "%.1f", x) }
            // PyYAML reads a float only with a dot: 1e-05 would be a string there, 1.0e-05 is a number.
            let text = "\(x)"
            if text.contains("e") && !text.contains(".") { return text.replacingOccurrences(of: "e", with: ".0e") }
            return text
        case .flag(let b):
            return b ? "true" : "false"
        case .text(let s):
            let plain = !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "._/-~^".contains($0) }
                && Double(s) == nil && !["true", "false", "yes", "no", "null", "on", "off", "~"].contains(s.lowercased())
                && !s.hasPrefix("-")
            if plain { return s }
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        default:
            return inline(setting)
        }
    }
}
