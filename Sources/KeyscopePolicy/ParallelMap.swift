import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps `source` on all cores, writing each result straight into the new array's storage.
///
/// For walks over 100,000 keys whose cost is memory latency, not arithmetic:
/// two cores halve it. Elements are read in place (no copy, so no reference
/// counting of their fields) and results are not gathered through a second
/// array. Below `minimumChunk` elements per core it runs on the calling
/// thread; the result never depends on how the work was split.
public func parallelMap<Source: Sendable, Result: Sendable>(
    _ source: [Source], minimumChunk: Int = 8_192, _ transform: @Sendable (borrowing Source) -> Result
) -> [Result] {
    let count = source.count
    let cores = max(1, System.activeProcessorCount)
    let chunks = min(cores, max(1, count / max(1, minimumChunk)))
    return source.withUnsafeBufferPointer { input in
        [Result](unsafeUninitializedCapacity: count) { output, initialized in
            guard count > 0, let inputBase = input.baseAddress, let outputBase = output.baseAddress else {
                initialized = 0
                return
            }
            // INVARIANT (disjoint writes): chunk c initialises exactly the elements of its own
            // range, and every element is initialised before this closure returns.
            let pointers = UncheckedPointers(input: inputBase, output: outputBase)
            let perChunk = (count + chunks - 1) / chunks
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let range = (chunk * perChunk)..<min(count, (chunk + 1) * perChunk)
                for index in range {
                    (pointers.output + index).initialize(to: transform(pointers.input[index]))
                }
            }
            initialized = count
        }
    }
}

/// The two buffers of `parallelMap`, handed to its workers.
private struct UncheckedPointers<Source, Result>: @unchecked Sendable {
    let input: UnsafePointer<Source>
    let output: UnsafeMutablePointer<Result>
}

enum System {
    /// Online cores, at least 1.
    static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
