import Foundation
import MgitInterop

/// Maps any safetensors tensor name to a safe, collision-free file name inside a commit's `tensors/` tree.
///
/// Bytes outside `[a-z0-9_.-]` are written `%XX` (upper-case hex), so the mapping is injective, and the result
/// never contains `/`, NUL, or an upper-case letter (no collisions on case-insensitive file systems after a
/// `git checkout`). A leading `.` is escaped too, so `.`, `..` and `.git` cannot occur; the empty name is `%`.
/// Names whose encoding exceeds 200 bytes keep a prefix and a SHA-1 of the full name (`~<40 hex>`), which keeps
/// file names under common 255-byte limits. The manifest, not the path, is authoritative for names.
package enum TensorPath {
    package static let maximumLength = 200

    package static func encode(_ name: String) -> String {
        if name.isEmpty { return "%" }
        var out = ""
        let bytes = Array(name.utf8)
        for (i, b) in bytes.enumerated() {
            let plain = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || (b == UInt8(ascii: ".") && i > 0)
            if plain { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += String(format: "%%%02X", b) }
        }
        if out.utf8.count > maximumLength {
            var sha = SHA1(); sha.update(Array(name.utf8)); let digest = sha.finish().hex
            out = String(out.utf8.prefix(maximumLength - 41))!.trimmingPartialEscape() + "~" + digest
        }
        return out
    }
}

private extension String {
    /// Drops a `%` or `%X` cut in half at the end.
    func trimmingPartialEscape() -> String {
        var s = self
        if s.hasSuffix("%") { s.removeLast() } else if s.count >= 2, s.dropLast().hasSuffix("%") { s.removeLast(2) }
        return s
    }
}
