import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `git daemon` on 127.0.0.1 serving every repository under `basePath`, pushes allowed; stopped when
/// released (also when the test that made it fails).
final class GitDaemon {
    let port: Int
    private let process: Process

    /// Starts the daemon on a free port: the kernel picks one (bind to port 0), the daemon is started on it,
    /// and another port is tried if something took it meanwhile.
    init(basePath: String) throws {
        var lastError = "no attempt"
        for _ in 0..<5 {
            let port = try Self.freePort()
            let process = Process()
            // The daemon itself, not the `git` wrapper, so that the pid we kill is the listening process.
            process.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
            process.arguments = ["--export-all", "--enable=receive-pack", "--reuseaddr", "--informative-errors",
                                 "--listen=127.0.0.1", "--port=\(port)", "--base-path=\(basePath)", basePath]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Ready once it accepts a connection; a daemon that exits lost the port.
            for _ in 0..<100 where process.isRunning {
                if Self.accepts(port) {
                    self.port = port
                    self.process = process
                    return
                }
                usleep(20_000)
            }
            lastError = "git daemon did not start on port \(port)"
            Self.stop(process)
        }
        throw DaemonError(lastError)
    }

    /// The git:// URL of a repository under the base path.
    func url(_ repository: String) -> String { "git://127.0.0.1:\(port)/\(repository)" }

    deinit { Self.stop(process) }

    /// SIGKILL: children of the test runner inherit a signal mask that blocks SIGTERM.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A TCP port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw DaemonError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
