internal import CLibGit2

/// A git object id (SHA-1) as a value type.
struct GitOID: Hashable, Sendable, CustomStringConvertible {
    /// The 20 raw bytes.
    var raw: [UInt8]

    init(_ oid: git_oid) {
        var copy = oid
        raw = withUnsafeBytes(of: &copy.id) { Array($0) }
    }

    init(_ id: ObjectID) {
        raw = withUnsafeBytes(of: id.bytes) { Array($0) }
    }

    init(raw: [UInt8]) {
        precondition(raw.count == 20)
        self.raw = raw
    }

    /// Parses 40 hex digits.
    init?(hex: String) {
        guard hex.utf8.count == 40 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        var iterator = hex.utf8.makeIterator()
        while let hi = iterator.next(), let lo = iterator.next() {
            guard let h = GitOID.nibble(hi), let l = GitOID.nibble(lo) else { return nil }
            bytes.append(h << 4 | l)
        }
        raw = bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(40)
        for b in raw { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    var description: String { hex }

    /// The C value, for passing to libgit2.
    var git: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { $0.copyBytes(from: raw) }
        return oid
    }

    /// Calls `body` with a pointer to the C value.
    func withGit<R>(_ body: (UnsafePointer<git_oid>) throws -> R) rethrows -> R {
        var oid = git
        return try body(&oid)
    }
}
