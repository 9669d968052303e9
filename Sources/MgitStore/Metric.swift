import Foundation
import MgitInterop

/// One measured figure of a commit: `accuracy = 0.8712` on the `test` split, from `mgit eval`.
public struct Metric: Codable, Sendable, Equatable {
    public var name: String
    public var value: Double
    /// The data split it was measured on (`train`, `test`), if any.
    public var split: String?
    /// Where it came from: the data source, or `commit` / `user` for values given by hand.
    public var source: String?
    /// When it was recorded, seconds since 1970.
    public var time: Double?

    public init(name: String, value: Double, split: String? = nil, source: String? = nil, time: Double? = nil) {
        self.name = name
        self.value = value
        self.split = split
        self.source = source
        self.time = time
    }

    /// Parses `NAME=VALUE` as given on the command line; the name may not be empty and the value must be finite.
    public static func parse(_ text: String, split: String? = nil, source: String? = nil) throws -> Metric {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw MgitError(.invalidInput, "metric '\(text)' is not NAME=VALUE (for example accuracy=0.91)")
        }
        let name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard isDecimalNumber(raw), let value = Double(raw), value.isFinite else {
            throw MgitError(.invalidInput, "metric '\(name)' has value '\(raw)', which is not a finite number")
        }
        return Metric(name: name, value: value, split: split, source: source)
    }

    /// Whether `text` is a plain decimal number (`-1.5`, `2e-3`, `+7`): Swift's `Double(_:)` also takes hex
    /// (`0x10`), `nan` and `inf`, which are not figures anyone measured.
    static func isDecimalNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            let n = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(n)
            return n
        }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") { bytes = bytes.dropFirst(); mantissa += digits() }
        guard mantissa > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
