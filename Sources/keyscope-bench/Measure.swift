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

/// Peak resident set of the process so far, in MiB.
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
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
