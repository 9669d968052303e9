import Foundation

/// Byte sizes as people write them: `4096`, `32MiB`, `2GB` (decimal units, as Hugging Face's
/// `max_shard_size`), `1.5GiB` (binary units).
public enum ByteSize {
    /// The number of bytes `text` names, or nil when it is not a size.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, factor: Double)] = [
            ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("kB", 1e3), ("B", 1),
        ]
        var number = Substring(trimmed)
        var factor = 1.0
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        let digits = number.trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(digits),
              value.isFinite, value >= 0 else { return nil }
        let bytes = (value * factor).rounded()
        guard bytes < 9e18 else { return nil }
        return Int(bytes)
    }
}
