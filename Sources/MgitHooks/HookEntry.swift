/// One line of `mgit hooks list`: a sample or a hook program in the hooks folder.
public struct HookEntry: Codable, Sendable, Equatable {
    /// `sample` (in `samples/` or built in) or `hook` (a program that runs).
    public enum Kind: String, Codable, Sendable { case sample, hook }

    /// The file name (`max-loss-barrier`; for a hook named exactly like its hook, `pre-merge`).
    public var name: String
    /// Whether this is a sample or a hook program.
    public var kind: Kind
    /// The hook it runs for (`pre-merge`), nil for a sample without a `# mgit-hook:` line.
    public var hook: String?
    /// For a sample: a copy is enabled in `<hook>.d/`; for a hook: it is executable, so it runs and can accept.
    public var enabled: Bool
    /// The file, or nil for a built-in sample that is not installed in `samples/`.
    public var path: String?

    /// The memberwise initializer, for the modules above this one.
    package init(name: String, kind: Kind, hook: String? = nil, enabled: Bool, path: String? = nil) {
        self.name = name
        self.kind = kind
        self.hook = hook
        self.enabled = enabled
        self.path = path
    }
}
