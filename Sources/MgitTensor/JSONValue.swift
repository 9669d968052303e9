/// A JSON value as ``StrictJSONParser`` reads it: objects keep their key order and numbers keep their text.
///
/// Numbers stay as their literal text so that a reader can insist on exact non-negative integers (a safetensors
/// shape or offset) without a detour through `Double`, which would round integers above 2⁵³.
package enum JSONValue: Equatable, Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number's literal text, already checked against the JSON number grammar (RFC 8259 §6).
    case number(String)
    case bool(Bool)
    case null

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// The value as a non-negative integer that fits `Int`, or nil: only plain digit strings qualify
    /// (no sign, fraction or exponent), as serde's `usize` demands in the reference reader.
    package var nonNegativeInteger: Int? {
        guard case let .number(text) = self, !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }

    /// A short name of the value's kind for error messages ("a string", "an array").
    package var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case let .number(text): "the number \(text)"
        case let .bool(b): b ? "true" : "false"
        case .null: "null"
        }
    }
}
