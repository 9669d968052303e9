/// What a hook run needs to know of the repository, and nothing more: hooks and evaluators never see the
/// repository itself, so this module cannot reach storage or lineage.
public struct HookContext: Sendable, Equatable {
    /// The repository's top folder: the hooks' working folder and `MGIT_REPO`.
    public var root: String
    /// The folder holding the hooks (`.mgit/hooks`, or `hooks.path`).
    public var hooksDirectory: String
    /// Seconds each hook may run (`hooks.timeout`).
    public var timeout: Double

    /// A context for hooks in `hooksDirectory` of the repository at `root`.
    public init(root: String, hooksDirectory: String, timeout: Double = HookRunner.defaultTimeout) {
        self.root = root
        self.hooksDirectory = hooksDirectory
        self.timeout = timeout
    }
}
