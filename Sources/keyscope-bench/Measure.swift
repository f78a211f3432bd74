#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Median, minimum and maximum of repeated measurements.
struct Sample {
    var values: [Double]
    var unit: String

    var median: Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    var min: Double { values.min() ?? 0 }
    var max: Double { values.max() ?? 0 }
}

/// Runs `body` once to warm up, then `repetitions` times; returns wall times in milliseconds.
func timeMilliseconds(repetitions: Int, warmUp: Bool = true, _ body: () throws -> Void) rethrows -> Sample {
    if warmUp { try body() }
    var values: [Double] = []
    for _ in 0..<repetitions {
        let start = monotonicNanoseconds()
        try body()
        values.append(Double(monotonicNanoseconds() - start) / 1e6)
    }
    return Sample(values: values, unit: "ms")
}

/// Keeps a value alive and opaque to the optimiser.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

func format(_ value: Double) -> String {
    if value >= 100 { return String(Int(value.rounded())) }
    if value >= 10 { return String(Double(Int(value * 10)) / 10) }
    return String(Double(Int(value * 100)) / 100)
}

/// Like `timeMilliseconds`, but keeps each run's result alive until all runs are done, so that
/// freeing a large model is not counted (the `keyscope` CLI exits without freeing it either).
func timeKeepingResults<T>(repetitions: Int, _ body: () throws -> T) rethrows -> Sample {
    var kept: [T] = []
    kept.append(try body())
    var values: [Double] = []
    for _ in 0..<repetitions {
        let start = monotonicNanoseconds()
        let result = try body()
        values.append(Double(monotonicNanoseconds() - start) / 1e6)
        kept.append(result)
    }
    blackHole(kept)
    return Sample(values: values, unit: "ms")
}

/// Runs each body once to warm up, then `repetitions` rounds of one run of each body in turn.
/// Each result is freed after the clock has stopped: freeing is not counted (the CLI exits
/// without freeing), and memory does not pile up over the rounds.
func timeInRounds(repetitions: Int, _ bodies: [() throws -> Any]) throws -> [Sample] {
    for body in bodies { blackHole(try body()) }
    var values = [[Double]](repeating: [], count: bodies.count)
    for _ in 0..<repetitions {
        for (index, body) in bodies.enumerated() {
            let start = monotonicNanoseconds()
            let result = try body()
            values[index].append(Double(monotonicNanoseconds() - start) / 1e6)
            blackHole(result)
        }
    }
    return values.map { Sample(values: $0, unit: "ms") }
}

/// Runs a child process with its output discarded and waits for it; returns its exit status.
///
/// posix_spawn and waitpid, not Foundation's `Process`: `waitUntilExit` polls a run loop and
/// rounds every measurement up to a multiple of about 50 ms.
func runChild(_ executable: String, _ arguments: [String]) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw ChildProcessError(message: "cannot run \(executable): error \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS, which Swift does not import.
    return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
}

struct ChildProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
