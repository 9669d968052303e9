import ModelRepo

/// Exit statuses, by error code (docs/CLI.md lists them).
enum ExitStatus {
    static func of(_ error: MgitError) -> Int32 {
        switch error.code {
        case .rejected: 3
        case .busy: 75        // EX_TEMPFAIL: try again
        case .notFound, .invalidInput, .alreadyExists, .mismatch: 1
        case .corrupt: 4
        case .external: 5
        default: 2
        }
    }
}
