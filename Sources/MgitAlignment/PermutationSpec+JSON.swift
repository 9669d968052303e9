import Foundation
import MgitInterop

/// The JSON form of a permutation spec (docs/PERMUTATION-SPECS.md).
extension PermutationSpec {
    /// Parses a spec, expanding its `repeat` templates.
    ///
    /// - Throws: `MgitError(.invalidInput)` naming the key or tensor at fault: malformed JSON, unknown keys,
    ///   a format other than 1, a bad axis entry, a template variable without a value, a tensor listed twice,
    ///   missing `input`/`output` axes, or a permutation on them.
    public init(json: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw MgitError(.invalidInput, "permutation spec is not valid JSON", underlying: "\(error)")
        }
        guard let top = object as? [String: Any] else {
            throw MgitError(.invalidInput, "a permutation spec is a JSON object with \"format\": 1")
        }
        try Self.expectKeys(top, allowed: ["format", "permutations", "tensors", "repeat", "input", "output"],
                            in: "the spec")
        guard let format = top["format"].flatMap(jsonInteger), format == 1 else {
            throw MgitError(.invalidInput, "permutation spec needs \"format\": 1 (the only format mgit knows)")
        }
        var axes: [String: [AxisPermutation?]] = [:]
        var declared: [String: Int] = [:]
        var heads: [String: HeadStructure] = [:]
        try Self.addTensors(top["tensors"] ?? [String: Any](), bindings: [:], into: &axes, where: "\"tensors\"")
        try Self.addDeclarations(top["permutations"], bindings: [:], into: &declared, heads: &heads)
        if let repeats = top["repeat"] {
            guard let list = repeats as? [Any] else {
                throw MgitError(.invalidInput, "\"repeat\" must be a list of {\"for\": ..., \"tensors\": ...}")
            }
            for (index, item) in list.enumerated() {
                let place = "\"repeat\"[\(index)]"
                guard let block = item as? [String: Any], let tensors = block["tensors"] else {
                    throw MgitError(.invalidInput, "\(place) must be an object with \"for\" and \"tensors\"")
                }
                try Self.expectKeys(block, allowed: ["for", "tensors", "permutations"], in: place)
                for bindings in try Self.expandFor(block["for"], place: place) {
                    try Self.addTensors(tensors, bindings: bindings, into: &axes, where: place)
                    try Self.addDeclarations(block["permutations"], bindings: bindings, into: &declared, heads: &heads)
                }
            }
        }
        let inputs = try Self.parseAxisList(top["input"], key: "input")
        let outputs = try Self.parseAxisList(top["output"], key: "output")
        try self.init(axes: axes, inputAxes: inputs, outputAxes: outputs, declaredSizes: declared, headStructures: heads)
    }

    /// The expanded JSON form: every tensor listed (no templates), one per line, in natural order.
    public func jsonString() -> String {
        func axisList(_ list: [TensorAxis]) -> String {
            "[" + list.map { "[\(jsonQuoted($0.tensor)), \($0.axis)]" }.joined(separator: ", ") + "]"
        }
        func entry(_ binding: AxisPermutation?) -> String {
            guard let binding else { return "null" }
            if !binding.parts.isEmpty { return "{\"fused\": [" + binding.parts.map(entry).joined(separator: ", ") + "]}" }
            if binding.expand > 1 { return "{\"perm\": \(jsonQuoted(binding.permutation)), \"expand\": \(binding.expand)}" }
            if binding.group == 1 { return jsonQuoted(binding.permutation) }
            return "{\"perm\": \(jsonQuoted(binding.permutation)), \"group\": \(binding.group)}"
        }
        func declaration(_ name: String) -> String {
            var fields: [String] = []
            if let size = declaredSizes[name] { fields.append("\"size\": \(size)") }
            if let structure = headStructures[name] {
                fields.append("\"heads\": \(structure.heads)")
                if structure.withinFixed { fields.append("\"within\": \"fixed\"") }
                if let other = structure.sameHeadsAs { fields.append("\"sameHeadsAs\": \(jsonQuoted(other))") }
            }
            return "    \(jsonQuoted(name)): {" + fields.joined(separator: ", ") + "}"
        }
        var out = "{\n  \"format\": 1,\n"
        let declaredNames = Set(declaredSizes.keys).union(headStructures.keys).sorted(by: naturallyPrecedes)
        if !declaredNames.isEmpty {
            let items = declaredNames.map(declaration)
            out += "  \"permutations\": {\n" + items.joined(separator: ",\n") + "\n  },\n"
        }
        out += "  \"input\": \(axisList(inputAxes)),\n  \"output\": \(axisList(outputAxes)),\n"
        let lines = tensorNames.map { name in
            "    \(jsonQuoted(name)): [" + axes[name]!.map(entry).joined(separator: ", ") + "]"
        }
        out += "  \"tensors\": {\n" + lines.joined(separator: ",\n") + "\n  }\n}\n"
        return out
    }

    private static func expectKeys(_ object: [String: Any], allowed: Set<String>, in place: String) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw MgitError(.invalidInput, "unknown key \"\(key)\" in \(place); expected one of \(allowed.sorted())")
        }
    }

    /// The variable bindings of a `for`: an object of lists is their cartesian product; a list of objects is
    /// taken as it is.
    private static func expandFor(_ value: Any?, place: String) throws -> [[String: String]] {
        func text(_ v: Any, _ variable: String) throws -> String {
            if let s = v as? String { return s }
            if let i = jsonInteger(v) { return String(i) }
            throw MgitError(.invalidInput, "\(place): value \(v) of variable '\(variable)' must be a string or integer")
        }
        switch value {
        case let product as [String: Any]:
            var result: [[String: String]] = [[:]]
            for variable in product.keys.sorted() {
                guard let values = product[variable] as? [Any] else {
                    throw MgitError(.invalidInput, "\(place): \"for\" variable '\(variable)' needs a list of values")
                }
                let texts = try values.map { try text($0, variable) }
                result = result.flatMap { partial in texts.map { partial.merging([variable: $0]) { $1 } } }
            }
            return result
        case let list as [Any]:
            return try list.map { item in
                guard let object = item as? [String: Any] else {
                    throw MgitError(.invalidInput, "\(place): each \"for\" entry must be an object of variables")
                }
                return try object.mapValues { try text($0, "?") }
            }
        default:
            throw MgitError(.invalidInput, "\(place) needs \"for\": an object of value lists or a list of objects")
        }
    }

    /// `template` with every `{variable}` replaced; an unbound variable is an error.
    private static func substitute(_ template: String, _ bindings: [String: String]) throws -> String {
        var result = template
        for (variable, value) in bindings { result = result.replacingOccurrences(of: "{\(variable)}", with: value) }
        if let open = result.firstIndex(of: "{"), let close = result[open...].firstIndex(of: "}") {
            throw MgitError(.invalidInput, "'\(template)' uses \(result[open...close]), which no \"for\" defines")
        }
        return result
    }

    private static func addTensors(
        _ value: Any, bindings: [String: String], into axes: inout [String: [AxisPermutation?]], where place: String
    ) throws {
        guard let tensors = value as? [String: Any] else {
            throw MgitError(.invalidInput, "\(place) must map tensor names to lists of axis entries")
        }
        for template in tensors.keys.sorted() {
            let name = try substitute(template, bindings)
            guard let entries = tensors[template] as? [Any] else {
                throw MgitError(.invalidInput, "tensor '\(name)' needs a list with one entry per axis")
            }
            var list: [AxisPermutation?] = []
            for (axis, entry) in entries.enumerated() {
                list.append(try parseEntry(entry, bindings: bindings, place: "tensor '\(name)' axis \(axis)", fusable: true))
            }
            guard axes[name] == nil else {
                throw MgitError(.invalidInput, "tensor '\(name)' is listed twice in the permutation spec")
            }
            axes[name] = list
        }
    }

    /// One axis entry: null, a name, `{"perm", "group", "expand"}` or `{"fused": [entries]}`.
    private static func parseEntry(_ entry: Any, bindings: [String: String], place: String, fusable: Bool) throws -> AxisPermutation? {
        switch entry {
        case is NSNull:
            return nil
        case let perm as String:
            return AxisPermutation(try substitute(perm, bindings))
        case let object as [String: Any]:
            if let parts = object["fused"] {
                try expectKeys(object, allowed: ["fused"], in: place)
                guard fusable, let list = parts as? [Any], !list.isEmpty else {
                    throw MgitError(.invalidInput, "\(place): \"fused\" needs a non-empty list of entries (not fused again)")
                }
                return AxisPermutation(fused: try list.map {
                    try parseEntry($0, bindings: bindings, place: place, fusable: false)
                })
            }
            try expectKeys(object, allowed: ["perm", "group", "expand"], in: place)
            let group = object["group"].map { jsonInteger($0) ?? 0 } ?? 1
            let expand = object["expand"].map { jsonInteger($0) ?? 0 } ?? 1
            guard let perm = object["perm"] as? String, group >= 1, expand >= 1, group == 1 || expand == 1 else {
                throw MgitError(.invalidInput, "\(place) needs {\"perm\": name, \"group\": integer ≥ 1} or "
                                + "{\"perm\": name, \"expand\": integer ≥ 1}")
            }
            var binding = AxisPermutation(try substitute(perm, bindings), group: group)
            binding.expand = expand
            return binding
        default:
            throw MgitError(.invalidInput, "\(place): \(entry) is not null, a permutation name, {\"perm\", \"group\"}, "
                            + "{\"perm\", \"expand\"} or {\"fused\": [...]}")
        }
    }

    private static func addDeclarations(
        _ value: Any?, bindings: [String: String], into declared: inout [String: Int],
        heads: inout [String: HeadStructure]
    ) throws {
        guard let value else { return }
        guard let object = value as? [String: Any] else {
            throw MgitError(.invalidInput, "\"permutations\" must map names to {\"size\": n}")
        }
        for (template, item) in object {
            let name = try substitute(template, bindings)
            guard let spec = item as? [String: Any] else {
                throw MgitError(.invalidInput, "permutation '\(name)' must be an object such as {\"size\": 512}")
            }
            try expectKeys(spec, allowed: ["size", "heads", "within", "sameHeadsAs"], in: "permutation '\(name)'")
            if let count = spec["heads"] {
                guard let h = jsonInteger(count), h >= 1 else {
                    throw MgitError(.invalidInput, "permutation '\(name)' has heads \(count); use a whole number ≥ 1")
                }
                let within = spec["within"] as? String ?? "free"
                guard within == "free" || within == "fixed" else {
                    throw MgitError(.invalidInput, "permutation '\(name)' has within \"\(within)\"; use \"free\" or \"fixed\"")
                }
                let shared = try (spec["sameHeadsAs"] as? String).map { try substitute($0, bindings) }
                heads[name] = HeadStructure(heads: h, withinFixed: within == "fixed", sameHeadsAs: shared)
            } else if spec["within"] != nil || spec["sameHeadsAs"] != nil {
                throw MgitError(.invalidInput, "permutation '\(name)' gives \"within\" or \"sameHeadsAs\" without \"heads\"")
            }
            if let size = spec["size"] {
                guard let n = jsonInteger(size), n >= 0 else {
                    throw MgitError(.invalidInput, "permutation '\(name)' has size \(size); use a whole number")
                }
                declared[name] = n
            }
        }
    }

    private static func parseAxisList(_ value: Any?, key: String) throws -> [TensorAxis] {
        guard let list = value as? [Any], !list.isEmpty else {
            throw MgitError(.invalidInput, "the permutation spec needs \"\(key)\": a non-empty list of "
                            + "[tensor, axis] pairs naming the network's \(key) axes, which are never permuted")
        }
        return try list.map { item in
            guard let pair = item as? [Any], pair.count == 2, let tensor = pair[0] as? String,
                  let axis = jsonInteger(pair[1]), axis >= 0 else {
                throw MgitError(.invalidInput, "\"\(key)\" entry \(item) must be [tensor name, axis]")
            }
            return TensorAxis(tensor, axis)
        }
    }
}
