import Foundation

/// A sample hook shipped inside mgit (the top-level `hooks/` folder), installed by `mgit init` into
/// `.mgit/hooks/samples/` and switched on with `mgit hooks enable NAME`.
public struct HookSample: Codable, Sendable, Equatable {
    /// The file name (`max-loss-barrier`).
    public var name: String
    /// The hook it is written for, from its `# mgit-hook: pre-merge` header line; nil without one.
    public var hook: String?
    /// The script.
    public var text: String

    /// A sample called `name` with script `text`; its hook comes from the text's header line.
    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.hook = Self.declaredHook(in: text)
    }

    /// Every sample built into this mgit, by name.
    public static let builtIn: [HookSample] = texts.map { HookSample(name: $0.name, text: $0.text) }

    /// The hook named on a `# mgit-hook: NAME` line among the first 10 lines of `text`.
    public static func declaredHook(in text: String) -> String? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(10) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("#") else { continue }
            let body = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
            if body.hasPrefix("mgit-hook:") {
                let name = body.dropFirst("mgit-hook:".count).trimmingCharacters(in: .whitespaces)
                return name.isEmpty ? nil : name
            }
        }
        return nil
    }

    /// The Swift source of `HookSample+Texts.swift` for the sample files given as (name, text), sorted by name.
    package static func generatedSource(_ samples: [(name: String, text: String)]) -> String {
        var out = """
            // Generated from the top-level hooks/ folder; do not edit. HookSampleTests checks it is in step, and
            // `MGIT_UPDATE_SAMPLES=1 swift test --filter HookSampleTests` rewrites it.
            extension HookSample {
                /// The text of every file in hooks/, embedded so an installed mgit needs no source tree.
                static let texts: [(name: String, text: String)] = [

            """
        for sample in samples.sorted(by: { $0.name < $1.name }) {
            out += "        (\"\(sample.name)\", #\"\"\"\n" + sample.text + "\n\"\"\"#),\n"
        }
        out += "    ]\n}\n"
        return out
    }
}
