import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One run of an external program (a hook, an evaluator) in its own process group, with a deadline.
///
/// Foundation's `Process` cannot put the child in its own process group, so a hook that forks (`sleep 1000 &`,
/// a Python worker) would outlive a timeout; `posix_spawn` with `POSIX_SPAWN_SETPGROUP` lets one
/// `kill(-pgid, SIGKILL)` end the whole tree. One thread multiplexes stdin, stdout and stderr with `poll`,
/// so neither a chatty child nor one that never reads its stdin can block the other pipes.
package struct ChildProcess {
    /// How one run ended.
    package struct Result {
        /// The exit status when the program exited normally.
        package var exitStatus: Int32?
        /// The signal that ended the program, when one did (SIGKILL after a timeout).
        package var signal: Int32?
        /// The program ran past its deadline and its process group was killed.
        package var timedOut: Bool
        /// Why the program could not be started (`posix_spawn` failed), or nil.
        package var spawnError: String?
        /// The end of stdout, at most `outputCap` bytes.
        package var stdout: [UInt8]
        /// The end of stderr, at most `outputCap` bytes.
        package var stderr: [UInt8]
        /// Wall-clock seconds from start to exit.
        package var seconds: Double
        /// Something else in this process reaped the child, so how it ended is unknown.
        package var statusLost = false

        /// Exited normally with status 0.
        package var succeeded: Bool { exitStatus == 0 && !timedOut && spawnError == nil && !statusLost }

        /// A short phrase saying how the program ended: `exited with status 1`, `was killed by SIGSEGV`.
        package func ending(timeout: Double) -> String {
            if let spawnError { return "could not be run: \(spawnError)" }
            if timedOut { return "timed out after \(ChildProcess.seconds(timeout)) and was killed" }
            if statusLost { return "ended, but its exit status was lost (something else in mgit reaped it)" }
            if let signal { return "was killed by \(ChildProcess.signalName(signal))" }
            return "exited with status \(exitStatus ?? -1)"
        }

        /// The memberwise initializer, for the modules above this one.
        package init(exitStatus: Int32? = nil, signal: Int32? = nil, timedOut: Bool, spawnError: String? = nil, stdout: [UInt8], stderr: [UInt8], seconds: Double) {
            self.exitStatus = exitStatus
            self.signal = signal
            self.timedOut = timedOut
            self.spawnError = spawnError
            self.stdout = stdout
            self.stderr = stderr
            self.seconds = seconds
        }
    }

    package var executable: String
    package var arguments: [String]
    package var environment: [String: String]
    package var directory: String
    package var stdin: [UInt8] = []
    /// Seconds before the process group is killed.
    package var timeout: Double
    /// The most bytes kept of stdout and of stderr; the end is kept, since a failure is usually reported last.
    package var outputCap: Int = 64 * 1024

    /// Writing to a pipe whose reader has gone must fail with EPIPE rather than kill mgit; the child gets the
    /// default action back through `POSIX_SPAWN_SETSIGDEF`.
    private static let sigpipeIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Starts the program, feeds it `stdin`, collects its output and waits until it exits or its deadline.
    package func run() -> Result {
        _ = Self.sigpipeIgnored
        let start = Self.now()
        var failed = Result(exitStatus: nil, signal: nil, timedOut: false, spawnError: nil, stdout: [], stderr: [],
                            seconds: 0)
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard Self.pipeClosedOnExec(&inPipe) == 0 else { failed.spawnError = Self.errnoText(); return failed }
        guard Self.pipeClosedOnExec(&outPipe) == 0 else {
            failed.spawnError = Self.errnoText(); inPipe.forEach { close($0) }; return failed
        }
        guard Self.pipeClosedOnExec(&errPipe) == 0 else {
            failed.spawnError = Self.errnoText(); (inPipe + outPipe).forEach { close($0) }; return failed
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Descriptors other threads opened without O_CLOEXEC must not leak into the hook and keep pipes open.
        _ = GNUExtensions.addClosefrom.map { $0(&actions, 3) }
        guard let addChdir = GNUExtensions.addChdir, addChdir(&actions, directory) == 0 else {
            (inPipe + outPipe + errPipe).forEach { close($0) }
            failed.spawnError = "this C library cannot set a child's working folder (posix_spawn_file_actions_addchdir_np)"
            return failed
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var pid: pid_t = 0
        var rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // ETXTBSY: another thread's fork inherited a descriptor that had the program open for writing (a hook
        // just written by `mgit hooks enable` or a test) and has not exec'd yet; it passes in milliseconds.
        var attempt = 0
        while rc == ETXTBSY && attempt < 20 {
            attempt += 1
            usleep(useconds_t(5_000 * attempt))
            rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            failed.spawnError = String(cString: strerror(rc))
            failed.seconds = Self.now() - start
            return failed
        }

        var input: Int32 = inPipe[1], output: Int32 = outPipe[0], errors: Int32 = errPipe[0]
        for fd in [input, output, errors] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var stdoutBuffer = TailBuffer(cap: outputCap), stderrBuffer = TailBuffer(cap: outputCap)
        var written = 0
        if stdin.isEmpty { close(input); input = -1 }

        let deadline = start + timeout
        var status: Int32 = 0
        var exited = false, timedOut = false, statusLost = false
        while true {
            if !exited {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { exited = true }
                // Someone else reaped the child (a SIGCHLD handler calling waitpid(-1)); its status is gone, and
                // a gate must not read that as success.
                if reaped == -1 && errno == ECHILD { exited = true; statusLost = true }
            }
            if exited {
                // Whatever is already in the pipes belongs to the run; a grandchild still holding them open
                // must not keep the caller waiting, so stop at the first EAGAIN.
                Self.drain(&output, into: &stdoutBuffer)
                Self.drain(&errors, into: &stderrBuffer)
                break
            }
            let remaining = deadline - Self.now()
            if remaining <= 0 {
                kill(-pid, SIGKILL)
                SystemCall.retryingOnInterrupt { waitpid(pid, &status, 0) }
                exited = true
                timedOut = true
                continue
            }
            var polled: [pollfd] = []
            if input >= 0 { polled.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
            if output >= 0 { polled.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if errors >= 0 { polled.append(pollfd(fd: errors, events: Int16(POLLIN), revents: 0)) }
            // Exit is noticed by waitpid, not by poll, so wake up often enough to see it.
            let wait = Int32(max(1, min(remaining * 1000, 20)))
            if poll(&polled, nfds_t(polled.count), wait) <= 0 { continue }
            for p in polled where p.revents != 0 {
                if p.fd == input {
                    let n = stdin.withUnsafeBytes { raw in
                        write(input, raw.baseAddress! + written, raw.count - written)
                    }
                    if n > 0 { written += n }
                    if (n < 0 && errno != EAGAIN && errno != EINTR) || written == stdin.count {
                        close(input); input = -1
                    }
                } else if p.fd == output {
                    Self.readAvailable(&output, into: &stdoutBuffer)
                } else {
                    Self.readAvailable(&errors, into: &stderrBuffer)
                }
            }
        }
        for fd in [input, output, errors] where fd >= 0 { close(fd) }

        var result = Result(exitStatus: nil, signal: nil, timedOut: timedOut, spawnError: nil,
                            stdout: stdoutBuffer.bytes, stderr: stderrBuffer.bytes, seconds: Self.now() - start)
        if statusLost {
            result.statusLost = true
            return result
        }
        // The <sys/wait.h> macros are not imported into Swift; these are their Linux definitions.
        let low = status & 0x7f
        if low == 0 {
            result.exitStatus = (status >> 8) & 0xff
        } else if low != 0x7f {
            result.signal = low
        }
        return result
    }

    /// Reads what the pipe holds now; closes it (and sets it to -1) at end of file or on error.
    private static func readAvailable(_ fd: inout Int32, into buffer: inout TailBuffer) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n > 0 {
            buffer.append(chunk[0..<n])
        } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
            close(fd)
            fd = -1
        }
    }

    /// Reads what the pipe holds after the child exited, then closes it. Bounded, because a grandchild that
    /// kept the pipe open could otherwise feed it forever.
    private static func drain(_ fd: inout Int32, into buffer: inout TailBuffer) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var budget = 4 * max(buffer.cap, 65_536)
        while fd >= 0 {
            let n = SystemCall.retryingOnInterrupt { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) } }
            if n > 0 && budget > 0 { buffer.append(chunk[0..<n]); budget -= n; continue }
            close(fd)
            fd = -1
        }
    }

    /// `pipe2(fds, O_CLOEXEC)`: both ends closed on exec at once, so a hook started by another thread in between
    /// cannot inherit them (falls back to `pipe` and `fcntl`).
    private static func pipeClosedOnExec(_ fds: inout [Int32]) -> Int32 {
        if let pipe2 = GNUExtensions.pipe2 { return pipe2(&fds, O_CLOEXEC) }
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    package static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// `60 s`, `0.5 s`.
    package static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%g s", value)
    }

    /// `SIGSEGV` for 11; the number for a signal without a common name.
    package static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
            SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
            SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        ]
        return names[signal] ?? "signal \(signal)"
    }

    /// The last `cap` bytes written to it.
    private struct TailBuffer {
        package let cap: Int
        package var storage: [UInt8] = []

        package init(cap: Int) { self.cap = cap }

        package mutating func append(_ bytes: ArraySlice<UInt8>) {
            storage.append(contentsOf: bytes)
            // Trim in batches so a long stream costs amortised O(1) per byte.
            if storage.count > 2 * cap { storage.removeFirst(storage.count - cap) }
        }

        package var bytes: [UInt8] { storage.count > cap ? Array(storage.suffix(cap)) : storage }
    }

    /// The memberwise initializer, for the modules above this one.
    package init(executable: String, arguments: [String], environment: [String: String], directory: String, stdin: [UInt8] = [], timeout: Double, outputCap: Int = 64 * 1024) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
        self.stdin = stdin
        self.timeout = timeout
        self.outputCap = outputCap
    }
}

/// glibc functions that Swift's Glibc module leaves out (they need `_GNU_SOURCE`), looked up at run time so
/// mgit needs no C shim for them. All are in glibc ≥ 2.34.
private enum GNUExtensions {
    package typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    package typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    package typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    package static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    package static let addClosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    package static let pipe2: Pipe2? = symbol("pipe2")

    private static func symbol<F>(_ name: String) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: F.self)
    }
}
