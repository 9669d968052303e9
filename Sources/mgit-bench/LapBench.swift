import ArgumentParser
import Foundation
import ModelRepo

/// Times the linear assignment solver against scipy.optimize.linear_sum_assignment on the same matrices.
struct LapBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lap",
        abstract: "Time LinearAssignment beside scipy's linear_sum_assignment (uniform, similarity, planted).",
        discussion: """
            Each matrix is made in Swift from a fixed seed, solved here (best of --repeats), written as raw \
            float64 for python3, solved there (solve only timed, best of --repeats) and both objectives compared.
            With --file, solves the 2-D tensor `score` of a safetensors file and prints JSON instead.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Matrix sizes n.")
    var sizes: [Int] = [512, 1024, 2048, 4096]

    @Option(name: .long, parsing: .upToNextOption, help: "Kinds: uniform, similarity, planted (also: ties, constant).")
    var kinds: [String] = ["uniform", "similarity", "planted"]

    @Option(name: .long, help: "Timed runs per solver and matrix; the best is reported.")
    var repeats: Int = 3

    @Flag(name: .long, help: "Solve in Float32 (the matrix rounded to Float32, handed to scipy as float64).")
    var float32 = false

    @Flag(name: .long, help: "Skip scipy.")
    var noScipy = false

    @Option(name: .long, help: "A safetensors file with one 2-D tensor named `score`: solve it, print JSON.")
    var file: String?

    func run() throws {
        if let file {
            try solveFile(file)
            return
        }
        let python = noScipy ? nil : ScipyRunner()
        if !noScipy && python == nil { print("note: python3 with scipy not found; scipy column skipped") }
        print("CPU seconds of the solve alone (best of \(repeats)); wall seconds in brackets. load: \(loadAverage())")
        print("kind        n   mgit cpu   (wall)  augmented  scipy cpu   (wall)  speed-up  same objective")
        for kind in kinds {
            for n in sizes {
                var g = SeededGenerator(seed: UInt64(n) &* 1_000_003 &+ UInt64(kind.utf8.count))
                let s = try Self.matrix(kind, n: n, generator: &g)
                let f = s.map(Float.init)
                var cpu = Double.infinity, wall = Double.infinity
                var result: LinearAssignment!
                for _ in 0..<repeats {
                    let (c0, w0) = (threadCPUSeconds(), wallSeconds())
                    result = float32 ? try LinearAssignment.solve(maximizing: f, n: n)
                                     : try LinearAssignment.solve(maximizing: s, n: n)
                    cpu = min(cpu, threadCPUSeconds() - c0)
                    wall = min(wall, wallSeconds() - w0)
                }
                var line = pad(kind, 10, left: true) + pad("\(n)", 6) + pad(String(format: "%.4f", cpu), 11)
                    + pad(String(format: "(%.4f)", wall), 9) + pad("\(result.augmentedRows)", 11)
                if let python {
                    let values = float32 ? f.map(Double.init) : s
                    let scipy = try python.solve(values, n: n, repeats: repeats)
                    let agree = abs(scipy.objective - result.objective) <= 1e-9 * max(1, abs(scipy.objective))
                    line += pad(String(format: "%.4f", scipy.cpu), 11) + pad(String(format: "(%.4f)", scipy.wall), 9)
                        + pad(String(format: "%.1fx", scipy.cpu / cpu), 10)
                        + "  " + (agree ? "yes" : "NO (\(scipy.objective) vs \(result.objective))")
                }
                print(line)
            }
        }
    }

    /// A score matrix of `kind`, row-major `[n, n]`.
    static func matrix(_ kind: String, n: Int, generator g: inout SeededGenerator) throws -> [Double] {
        switch kind {
        case "uniform":
            return (0..<n * n).map { _ in g.nextUnit() }
        case "similarity":
            // X·Yᵀ of Gaussian features, d = 64: the shape of weight-matching scores.
            let d = 64
            let x = (0..<n * d).map { _ in g.nextGaussian() }
            let y = (0..<n * d).map { _ in g.nextGaussian() }
            var s = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var acc = 0.0
                    for k in 0..<d { acc += x[i * d + k] * y[j * d + k] }
                    s[i * n + j] = acc
                }
            }
            return s
        case "planted":
            // A permuted copy plus noise: Gram matrix of features and a noisy permuted copy.
            let d = 64
            let x = (0..<n * d).map { _ in g.nextGaussian() }
            let p = g.permutation(n)
            let y = (0..<n * d).map { k in x[p[k / d] * d + k % d] + 0.5 * g.nextGaussian() }
            var s = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var acc = 0.0
                    for k in 0..<d { acc += x[i * d + k] * y[j * d + k] }
                    s[i * n + j] = acc
                }
            }
            return s
        case "ties":
            // Scores in {0, 1, 2}: most entries tie with many others.
            return (0..<n * n).map { _ in Double(g.next() % 3) }
        case "constant":
            return [Double](repeating: 0, count: n * n)
        default:
            throw ValidationError("unknown kind '\(kind)'; use uniform, similarity, planted, ties or constant")
        }
    }

    private func solveFile(_ path: String) throws {
        let (values, rows, cols) = try ScoreFile.read(path: path)
        guard rows == cols else {
            throw ValidationError("`score` in \(path) has shape [\(rows), \(cols)]; the solver needs a square matrix")
        }
        let t0 = wallSeconds()
        let result = try LinearAssignment.solve(maximizing: values, n: rows)
        let seconds = wallSeconds() - t0
        let assignment = result.assignment.map(String.init).joined(separator: ", ")
        print("{\"assignment\": [\(assignment)], \"objective\": \(result.objective), \"seconds\": \(seconds)}")
    }
}

/// CPU time of the calling thread: on a shared machine it is steadier than wall time.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Monotonic wall time.
func wallSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
}

/// The 1-, 5- and 15-minute load averages, as `uptime` prints them.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
        .map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "unknown"
}

private func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return left ? s + fill : fill + s
}

/// Runs scipy.optimize.linear_sum_assignment in a python3 subprocess on a matrix written as raw float64.
struct ScipyRunner {
    init?() {
        guard (try? Self.python(["-c", "import scipy.optimize, numpy"])) != nil else { return nil }
    }

    /// Best solve CPU and wall time over `repeats` runs, and scipy's objective.
    func solve(_ s: [Double], n: Int, repeats: Int) throws -> (cpu: Double, wall: Double, objective: Double) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-lap-\(ProcessInfo.processInfo.processIdentifier)-\(n).f64").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = s.withUnsafeBufferPointer { Data(buffer: $0) }
        try data.write(to: URL(fileURLWithPath: path))
        let script = """
            import sys, time, numpy as np
            from scipy.optimize import linear_sum_assignment
            n = \(n)
            a = np.fromfile(sys.argv[1], dtype='<f8').reshape(n, n)
            cpu = wall = float('inf')
            for _ in range(\(repeats)):
                c0, w0 = time.process_time(), time.perf_counter()
                r, c = linear_sum_assignment(a, maximize=True)
                cpu, wall = min(cpu, time.process_time() - c0), min(wall, time.perf_counter() - w0)
            print(cpu, wall, repr(float(a[r, c].sum())))
            """
        let out = try Self.python(["-c", script, path])
        let parts = out.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard parts.count == 3 else { throw ValidationError("unexpected output from python3: \(out)") }
        return (parts[0], parts[1], parts[2])
    }

    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        let pipe = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-python-\(ProcessInfo.processInfo.processIdentifier).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let detail = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw ValidationError("python3 exited with \(process.terminationStatus): \(detail.suffix(2000))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reads the one 2-D tensor named `score` from a safetensors file, for `mgit-bench lap --file`.
private enum ScoreFile {
    /// The values of `score` as `Double`, row-major, with its shape `[rows, cols]`.
    static func read(path: String) throws -> (values: [Double], rows: Int, cols: Int) {
        guard let score = try SafeTensors.read(path: path)["score"], score.shape.count == 2, score.dtype.isFloatingPoint else {
            throw ValidationError("\(path) has no 2-D floating tensor named `score`")
        }
        return (score.doubles(), score.shape[0], score.shape[1])
    }
}
