/// How one hook program answered: accepted (exit status 0) or rejected, and why.
public struct HookOutcome: Codable, Sendable, Equatable {
    /// The hook name it ran for (`pre-merge`).
    public var hook: String
    /// The program's absolute path.
    public var path: String
    /// Exit status 0 within the timeout.
    public var accepted: Bool
    /// The exit status, nil when a signal ended it or it could not be started.
    public var exitStatus: Int32?
    /// The signal that ended it (SIGKILL after a timeout), when one did.
    public var signal: Int32?
    /// It ran past `hooks.timeout` and its process group was killed.
    public var timedOut: Bool
    /// A one-line account of the ending: `exited with status 1`, `was killed by SIGSEGV`,
    /// `timed out after 60 s and was killed`, `could not be run: Permission denied`.
    public var reason: String
    /// What it printed on stderr (the last 64 KiB), shown to the user when it rejects.
    public var stderr: String
    /// What it printed on stdout (the last 64 KiB).
    public var stdout: String
    /// Wall-clock seconds it ran.
    public var seconds: Double

    /// An outcome with every field given.
    public init(hook: String, path: String, accepted: Bool, exitStatus: Int32?, signal: Int32?, timedOut: Bool,
                reason: String, stderr: String, stdout: String, seconds: Double) {
        self.hook = hook
        self.path = path
        self.accepted = accepted
        self.exitStatus = exitStatus
        self.signal = signal
        self.timedOut = timedOut
        self.reason = reason
        self.stderr = stderr
        self.stdout = stdout
        self.seconds = seconds
    }

    /// `pre-merge.d/max-loss-barrier`: the path relative to the hooks folder, for messages.
    public var displayName: String {
        let parts = path.split(separator: "/")
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".d") {
            return parts.suffix(2).joined(separator: "/")
        }
        return parts.last.map(String.init) ?? path
    }
}
