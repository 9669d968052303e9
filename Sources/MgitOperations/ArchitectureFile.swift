import Foundation
import MgitInterop
import MgitNetworks

/// An architecture description file given with `--arch`, stored as `arch.json` in a commit.
public enum ArchitectureFile {
    /// Reads and validates the file (docs/ARCHITECTURES.md gives the fields); returns its canonical JSON.
    public static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MgitError(.notFound, "architecture file '\(path)' does not exist or cannot be read")
        }
        return Array(try ArchitectureSpec.decode(json: data, source: "architecture file '\(path)'").json())
    }
}
