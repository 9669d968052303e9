import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One child process run to completion (for benchmarks), with its wall time and peak resident memory (from `wait4`).
package struct MeasuredProcess {
    package var status: Int32
    package var seconds: Double
    /// Peak resident set size of the child, in bytes.
    package var peakBytes: Int

    /// Runs `arguments[0]` (a path) with its arguments in `directory`, stdout and stderr to /dev/null unless `quiet` is false.
    package static func run(_ arguments: [String], in directory: String, quiet: Bool = true) throws -> MeasuredProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // The shell changes folder and then execs the program, so the measured process is the program itself.
        let shell = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
        var cArgs = shell.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw MgitError(.external, "cannot start \(arguments[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        SystemCall.retryingOnInterrupt { wait4(pid, &status, 0, &usage) }
        let seconds = Date().timeIntervalSince(start)
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return MeasuredProcess(status: exitStatus, seconds: seconds, peakBytes: usage.ru_maxrss * 1024)
    }

    /// The memberwise initializer, for the modules above this one.
    package init(status: Int32, seconds: Double, peakBytes: Int) {
        self.status = status
        self.seconds = seconds
        self.peakBytes = peakBytes
    }
}

