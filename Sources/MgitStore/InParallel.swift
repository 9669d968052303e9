import Dispatch

/// Runs `first` on the calling thread's pool slot and `second` on another core, and returns when
/// both have, with both results (or the first error, `first`'s before `second`'s).
///
/// The closures need not be `Sendable`: the caller promises that they touch disjoint mutable
/// state (typically: both only read one buffer, and each writes only its own result).
package func inParallel<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
    try withoutActuallyEscaping(first) { first in
        try withoutActuallyEscaping(second) { second in
            let lanes = Lanes(first: first, second: second)
            DispatchQueue.concurrentPerform(iterations: 2) { lane in
                if lane == 0 { lanes.runFirst() } else { lanes.runSecond() }
            }
            return (try lanes.firstResult!.get(), try lanes.secondResult!.get())
        }
    }
}

/// The two closures of ``inParallel(_:_:)`` and their results.
///
/// `@unchecked Sendable` is safe because `concurrentPerform` calls `runFirst` exactly once and
/// `runSecond` exactly once, on two threads: each writes only its own result field, and the
/// results are read only after `concurrentPerform` has returned (which orders those writes before
/// the reads). What the closures themselves share is the caller's promise (see `inParallel`).
private final class Lanes<A, B>: @unchecked Sendable {
    package let first: () throws -> A
    package let second: () throws -> B
    package var firstResult: Result<A, any Error>?
    package var secondResult: Result<B, any Error>?

    package init(first: @escaping () throws -> A, second: @escaping () throws -> B) {
        self.first = first
        self.second = second
    }

    package func runFirst() { firstResult = Result { try first() } }
    package func runSecond() { secondResult = Result { try second() } }
}
