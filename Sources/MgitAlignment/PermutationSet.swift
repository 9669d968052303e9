import Foundation
import MgitInterop
import MgitTensor

/// Named permutations, one per permutation of a ``PermutationSpec``: the result of weight matching and the
/// argument of ``PermutationSpec/apply(_:to:)``.
///
/// JSON form (docs/PERMUTATION-SPECS.md): `{"format": 1, "permutations": {"P_0": [2, 0, 1], ...}}`.
public struct PermutationSet: Sendable, Equatable {
    /// The permutations by name.
    public var permutations: [String: Permutation]

    /// Wraps permutations by name.
    public init(_ permutations: [String: Permutation] = [:]) {
        self.permutations = permutations
    }

    /// The identity for every permutation of `spec`, sized from `checkpoint`.
    public static func identity(for spec: PermutationSpec, checkpoint: Checkpoint) throws -> PermutationSet {
        PermutationSet(try spec.sizes(for: checkpoint).mapValues { Permutation.identity($0) })
    }

    /// The permutation called `name`, or nil.
    public subscript(name: String) -> Permutation? {
        get { permutations[name] }
        set { permutations[name] = newValue }
    }

    /// The names in natural order.
    public var names: [String] { permutations.keys.sorted(by: naturallyPrecedes) }

    /// Every permutation inverted: applying `self` then `inverse` restores a checkpoint bit for bit.
    public var inverse: PermutationSet { PermutationSet(permutations.mapValues(\.inverse)) }

    /// The JSON form, names in natural order, one permutation per line.
    public func jsonString() -> String {
        let lines = names.map { name in
            "    \(jsonQuoted(name)): [\(permutations[name]!.indices.map(String.init).joined(separator: ", "))]"
        }
        return "{\n  \"format\": 1,\n  \"permutations\": {\n" + lines.joined(separator: ",\n") + "\n  }\n}\n"
    }

    /// Parses the JSON form.
    ///
    /// - Throws: `MgitError(.invalidInput)` for malformed JSON, an unknown format, or a list that is not a
    ///   permutation of `0..<n`, naming the permutation.
    public init(json: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw MgitError(.invalidInput, "permutations file is not valid JSON", underlying: "\(error)")
        }
        guard let top = object as? [String: Any], let format = top["format"].flatMap(jsonInteger), format == 1,
              let list = top["permutations"] as? [String: Any] else {
            throw MgitError(.invalidInput,
                            "permutations file must be {\"format\": 1, \"permutations\": {name: [indices]}}")
        }
        var permutations: [String: Permutation] = [:]
        for (name, value) in list {
            guard let numbers = value as? [Any] else {
                throw MgitError(.invalidInput, "permutation '\(name)' must be a list of indices")
            }
            var indices: [Int] = []
            for number in numbers {
                guard let n = jsonInteger(number) else {
                    throw MgitError(.invalidInput, "permutation '\(name)' holds \(number), not an integer index")
                }
                indices.append(n)
            }
            do {
                permutations[name] = try Permutation(indices)
            } catch let error as MgitError {
                throw MgitError(.invalidInput, "permutation '\(name)': \(error.message)")
            }
        }
        self.init(permutations)
    }
}

/// A JSON number that was written as an integer (not a boolean, not `3.0`), from `JSONSerialization`.
package func jsonInteger(_ value: Any) -> Int? {
    guard let number = value as? NSNumber else { return nil }
    let type = String(cString: number.objCType)
    guard type != "c", type != "d", type != "f" else { return nil }
    return number.intValue
}

/// `s` as a JSON string literal.
package func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
