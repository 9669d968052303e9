import Foundation

/// An architecture description file given with `--arch`, stored as `arch.json` in a commit.
public enum ArchitectureFile {
    /// Reads and checks the file: it must be a JSON object (docs/ARCHITECTURES.md gives the fields).
    public static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MgitError(.notFound, "architecture file '\(path)' does not exist or cannot be read")
        }
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw MgitError(.invalidInput, "architecture file '\(path)' is not a JSON object (see docs/ARCHITECTURES.md)")
        }
        return Array(data)
    }
}
