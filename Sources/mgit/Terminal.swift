import Foundation
import ModelRepo

/// Output to the terminal: JSON for scripts, text for people, `error:` lines on stderr.
enum Terminal {
    /// The function check as rebase, merge and barrier print it.
    static func functionCheckLine(_ check: FunctionCheck?, skipped: String?) -> String {
        if let c = check {
            return "function check: same outputs on \(c.samples) probe samples (max relative difference \(String(format: "%.1e", c.maxRelativeDifference)))"
        }
        return "function check: skipped (\(skipped ?? "architecture unknown"); give --arch FILE)"
    }

    /// The flag that sets what a library error is about (``MgitError/parameter``).
    static func flag(for parameter: String) -> String? {
        switch parameter {
        case "alpha": "--alpha"
        case "architecture": "--arch FILE"
        case "data": "--data"
        case "into": "--into BRANCH"
        case "branch": "--branch"
        case "points": "--points"
        case "samples": "--samples"
        case "batch": "--batch"
        case "method": "--method"
        case "hook": "--as HOOK"
        default: nil
        }
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    /// Prints `value` as pretty JSON with sorted keys (every command's `--json` shape; docs/CLI.md).
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `1.5 MB`, `512 B` (decimal units, like git's progress).
    static func bytes(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func count(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.groupingSeparator = ","
        return f.string(from: NSNumber(value: n)) ?? "\(n)"
    }

    static func shape(_ s: [Int]?) -> String {
        guard let s else { return "-" }
        return "[" + s.map(String.init).joined(separator: ", ") + "]"
    }

    static func short(_ id: String) -> String { String(id.prefix(10)) }

    static func metric(_ m: Metric) -> String {
        var s = "\(m.name) = \(format(m.value))"
        if let split = m.split { s += " (\(split))" }
        return s
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return String(format: "%.6g", v)
    }
}

/// `--json` for every command that prints.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (the shape is documented in docs/CLI.md).")
    var json = false
}

import ArgumentParser
