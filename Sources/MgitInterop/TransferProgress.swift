import Foundation

/// Objects and bytes moved so far by a fetch or push, for progress lines.
public struct TransferProgress: Sendable, Equatable {
    /// Objects received or sent so far.
    public var objects: Int
    /// Objects the transfer will move in all (0 while unknown).
    public var totalObjects: Int
    /// Bytes received or sent so far.
    public var bytes: Int
    /// Seconds since the transfer started.
    public var seconds: Double

    public init(objects: Int, totalObjects: Int, bytes: Int, seconds: Double) {
        self.objects = objects
        self.totalObjects = totalObjects
        self.bytes = bytes
        self.seconds = seconds
    }

    /// Bytes per second so far.
    public var rate: Double { seconds > 0 ? Double(bytes) / seconds : 0 }
}

/// A function that receives transfer progress; called on the transferring thread.
public typealias TransferObserver = (TransferProgress) -> Void
