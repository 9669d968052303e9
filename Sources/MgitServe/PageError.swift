import ModelRepo

/// A request the server answers with an error page (or, under `/api/`, a JSON error) instead of content.
struct PageError: Error {
    /// The HTTP status code: 400 for a bad parameter, 404 for an unknown revision or page, 500 otherwise.
    var status: Int
    /// One sentence a person can act on (plain text; escaped when shown).
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The page error for anything a handler threw: an `MgitError`'s code picks the status.
    static func from(_ error: any Error) -> PageError {
        if let e = error as? PageError { return e }
        if let e = error as? MgitError {
            switch e.code {
            case .notFound: return PageError(404, e.description)
            case .invalidInput, .mismatch: return PageError(400, e.description)
            case .busy: return PageError(503, e.description)
            default: return PageError(500, e.description)
            }
        }
        return PageError(500, "internal error: \(error)")
    }

    /// The reason phrase for `status`.
    var reason: String {
        switch status {
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 414: "URI Too Long"
        case 503: "Service Unavailable"
        default: "Internal Server Error"
        }
    }
}
