/// The 20-byte SHA-1 name of a git object, or of a pack (its trailer checksum).
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw digest, in the order git writes it.
    public var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                       UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// The all-zero id, which names no object.
    public static let zero = ObjectID(bytes: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Wraps a raw 20-byte digest.
    public init(bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) {
        self.bytes = bytes
    }

    /// Parses 40 hexadecimal digits (either case); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 40 else { return nil }
        var id = ObjectID.zero
        let valid = withUnsafeMutableBytes(of: &id.bytes) { out -> Bool in
            for i in 0..<20 {
                guard let high = Self.nibble(digits[2 * i]), let low = Self.nibble(digits[2 * i + 1]) else {
                    return false
                }
                out[i] = high << 4 | low
            }
            return true
        }
        guard valid else { return nil }
        self = id
    }

    /// The 40 lowercase hexadecimal digits git prints.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 40) { out in
                for (i, byte) in raw.enumerated() {
                    out[2 * i] = digits[Int(byte >> 4)]
                    out[2 * i + 1] = digits[Int(byte & 0xF)]
                }
                return 40
            }
        }
    }

    public var description: String { hex }

    /// Computes a blob's id the way git does: SHA-1 over `"blob <count>\0"` followed by the bytes.
    public static func blobID(of bytes: UnsafeRawBufferPointer) -> ObjectID {
        var digest = SHA1()
        digest.update(blobHeader(count: bytes.count))
        digest.update(bytes)
        return digest.finish()
    }

    /// The header git hashes in front of a blob's bytes: `"blob <count>\0"`.
    package static func blobHeader(count: Int) -> [UInt8] {
        Array("blob \(count)".utf8) + [0]
    }

    public static func == (lhs: ObjectID, rhs: ObjectID) -> Bool {
        withUnsafeBytes(of: lhs.bytes) { l in withUnsafeBytes(of: rhs.bytes) { r in l.elementsEqual(r) } }
    }

    /// Orders ids as unsigned byte strings, the order of a pack index.
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        withUnsafeBytes(of: lhs.bytes) { l in
            withUnsafeBytes(of: rhs.bytes) { r in l.lexicographicallyPrecedes(r) }
        }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: bytes) { hasher.combine(bytes: $0) }
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
