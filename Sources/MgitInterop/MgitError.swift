/// The one error type mgit throws for bad input and failed operations.
///
/// The message says what went wrong, where, and what to do; the CLI prints it as `error: <message>`
/// and maps ``code`` to an exit status. A broken internal invariant is a `precondition`, not an `MgitError`.
public struct MgitError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; extensible like NIO's `FileSystemError.Code`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Input that mgit cannot use: a bad argument, a malformed file.
        public static let invalidInput = Code("invalid-input")
        /// A file or object whose bytes break its format.
        public static let corrupt = Code("corrupt")
        /// A revision, branch, tensor, file or repository that does not exist.
        public static let notFound = Code("not-found")
        /// Something that would be overwritten: an existing branch, repository or file.
        public static let alreadyExists = Code("already-exists")
        /// Two checkpoints or a checkpoint and a spec that do not fit together.
        public static let mismatch = Code("mismatch")
        /// The git object store or refs failed.
        public static let storage = Code("storage")
        /// Another process holds the lock; retrying later will work.
        public static let busy = Code("busy")
        /// A policy or hook refused the operation.
        public static let rejected = Code("rejected")
        /// An external command (hook, evaluator) failed.
        public static let external = Code("external")
        /// Reading or writing a file failed.
        public static let io = Code("io")
    }

    public var code: Code
    public var message: String
    /// A description of the underlying failure, when there is one (a libgit2 or SQLite message).
    public var underlying: String?
    /// The setting or argument the message is about, as the library calls it (`alpha`, `architecture`, `data`,
    /// `into`, `branch`): the CLI names its flag for it. The library's messages speak of concepts, never of flags.
    public var parameter: String?
    /// The error this one reports, kept as a value (an `MgitError` from a lower layer, a decoding error).
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: String? = nil, parameter: String? = nil,
                cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.parameter = parameter
        self.cause = cause
    }

    public var description: String {
        guard let underlying, !message.contains(underlying) else { return message }
        return "\(message) (\(underlying))"
    }
}
