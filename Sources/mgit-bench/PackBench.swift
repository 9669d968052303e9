import ArgumentParser
import MgitInterop
import Foundation
import ModelRepo

/// Object-write throughput: PackWriter against libgit2's loose objects and plain `git hash-object`.
struct PackBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Write random float32 blobs with PackWriter; compare libgit2 loose writes and git hash-object -w."
    )

    @Option(help: "MiB of random float32 bytes PackWriter writes.")
    var mebibytes = 1024

    @Option(help: "KiB per blob (one tensor).")
    var blobKibibytes = 16 << 10

    @Option(help: "MiB written by each of the three writers for the side-by-side comparison (0 skips it).")
    var sampleMebibytes = 128

    @Option(help: "Directory for the scratch repositories (default: the temporary directory).")
    var directory: String?

    @Flag(help: "Skip git fsck of the written pack (for repeated timing runs).")
    var skipFsck = false

    @Flag(help: "Do not announce the object count (PackWriter then re-reads the pack in finish()).")
    var noCount = false

    func run() throws {
        let blobBytes = blobKibibytes << 10
        let blobCount = max(1, (mebibytes << 10) / blobKibibytes)
        let scratch = (directory ?? FileManager.default.temporaryDirectory.path) + "/mgit-bench-pack-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // One reused buffer: memory stays at one tensor, like a commit reading tensor by tensor.
        var buffer = [UInt8](repeating: 0, count: blobBytes)

        print("PackWriter: \(blobCount) blobs × \(blobKibibytes) KiB random float32, "
            + (noCount ? "object count not announced" : "object count announced"))
        let main = try Self.makeRepository(scratch + "/packwriter")
        let full = try Self.timePackWriter(repository: main, blobs: blobCount, announce: !noCount, buffer: &buffer)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "  %.0f MB in %.2f s (finish %.2f s) = %.0f MB/s (incl. fsync); pack %.0f MB; peak RSS %.0f MB",
                     full.bytes / 1e6, full.seconds, full.finishSeconds, full.bytes / 1e6 / full.seconds,
                     full.packBytes / 1e6, Double(usage.ru_maxrss) / 1024 * 1.048576))
        print(String(format: "  PackWriter CPU: %.2f s user+sys, all threads (%.2f s per GiB)",
                     full.cpu, full.cpu / (full.bytes / 1_073_741_824)))
        if !skipFsck {
        let fsckStart = Date()
        let fsck = try Self.git(["fsck", "--strict", "--full", "--no-dangling"], in: main)
        print(String(format: "  git fsck --strict --full: %@ (%.1f s)",
                     fsck.status == 0 ? "clean" : "FAILED: \(fsck.errors)", Date().timeIntervalSince(fsckStart)))
        }

        guard sampleMebibytes > 0 else { return }
        let sampleBlobs = max(1, (sampleMebibytes << 10) / blobKibibytes)
        print("Comparison: \(sampleBlobs) blobs × \(blobKibibytes) KiB each writer")
        let sample = try Self.timePackWriter(repository: try Self.makeRepository(scratch + "/sample-pack"),
                                             blobs: sampleBlobs, announce: !noCount, buffer: &buffer)
        Self.report("PackWriter (pack, stored blocks, fsync)", sample.bytes, sample.seconds)
        let loose = try Self.timeLibgit2Loose(repository: try Self.makeRepository(scratch + "/libgit2"),
                                              blobs: sampleBlobs, buffer: &buffer)
        Self.report("libgit2 git_odb_write (loose, zlib default)", loose.bytes, loose.seconds)
        let plain = try Self.timeHashObject(repository: try Self.makeRepository(scratch + "/git"),
                                            blobs: sampleBlobs, buffer: &buffer)
        Self.report("git hash-object -w --stdin", plain.bytes, plain.seconds)
        print(String(format: "  PackWriter / git hash-object: %.1f×",
                     (sample.bytes / sample.seconds) / (plain.bytes / plain.seconds)))
    }

    // MARK: Writers

    /// Times addBlob for every blob plus finish(); generating the bytes is not timed.
    static func timePackWriter(repository: String, blobs: Int, announce: Bool, buffer: inout [UInt8])
        throws -> (bytes: Double, seconds: Double, packBytes: Double, finishSeconds: Double, cpu: Double) {
        let writer = try PackWriter(objectsDirectory: repository + "/.git/objects",
                                    expectedObjectCount: announce ? blobs : nil)
        var seconds = 0.0
        var cpu = 0.0
        for index in 0..<blobs {
            fillRandom(&buffer, seed: UInt64(index))
            let start = DispatchTime.now()
            let cpuStart = cpuSeconds()
            _ = try buffer.withUnsafeBytes { try writer.addBlob($0) }
            cpu += cpuSeconds() - cpuStart
            seconds += elapsed(since: start)
        }
        let start = DispatchTime.now()
        let cpuStart = cpuSeconds()
        let name = try writer.finish()!
        cpu += cpuSeconds() - cpuStart
        let finishSeconds = elapsed(since: start)
        seconds += finishSeconds
        let pack = "\(writer.packDirectory)/pack-\(name).pack"
        let size = try FileManager.default.attributesOfItem(atPath: pack)[.size] as! Int
        return (Double(blobs * buffer.count), seconds, Double(size), finishSeconds, cpu)
    }

    static func timeLibgit2Loose(repository: String, blobs: Int, buffer: inout [UInt8]) throws -> (bytes: Double, seconds: Double) {
        let git = try GitRepository.open(at: repository)
        var seconds = 0.0
        for index in 0..<blobs {
            fillRandom(&buffer, seed: UInt64(index))
            let start = DispatchTime.now()
            _ = try buffer.withUnsafeBytes { try git.writeBlob($0) }
            seconds += elapsed(since: start)
        }
        return (Double(blobs * buffer.count), seconds)
    }

    static func timeHashObject(repository: String, blobs: Int, buffer: inout [UInt8]) throws -> (bytes: Double, seconds: Double) {
        var seconds = 0.0
        for index in 0..<blobs {
            fillRandom(&buffer, seed: UInt64(index))
            let start = DispatchTime.now()
            let result = try git(["hash-object", "-w", "--stdin"], in: repository, input: Data(buffer))
            seconds += elapsed(since: start)
            guard result.status == 0 else { throw ValidationError("git hash-object failed: \(result.errors)") }
        }
        return (Double(blobs * buffer.count), seconds)
    }

    // MARK: Support

    /// Uniform float32 values in [-1, 1) from xorshift32: incompressible like trained weights.
    static func fillRandom(_ buffer: inout [UInt8], seed: UInt64) {
        var state = UInt32(truncatingIfNeeded: seed &* 2_654_435_761) | 1
        buffer.withUnsafeMutableBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            for i in floats.indices {
                state ^= state << 13
                state ^= state >> 17
                state ^= state << 5
                floats[i] = Float(bitPattern: 0x3F80_0000 | state >> 9) * 2 - 3
            }
        }
    }

    /// User + system CPU seconds of this process so far, all threads.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func report(_ name: String, _ bytes: Double, _ seconds: Double) {
        let padded = name.padding(toLength: 44, withPad: " ", startingAt: 0)
        print(padded + String(format: " %6.0f MB in %6.2f s = %6.1f MB/s", bytes / 1e6, seconds, bytes / 1e6 / seconds))
    }

    static func elapsed(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func makeRepository(_ path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try git(["init", "-q"], in: path)
        guard result.status == 0 else { throw ValidationError("git init failed: \(result.errors)") }
        return path
    }

    static func git(_ arguments: [String], in directory: String, input: Data? = nil) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: input ?? Data())
        try stdin.fileHandleForWriting.close()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors, as: UTF8.self))
    }
}
