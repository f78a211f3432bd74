import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@usableFromInline
package enum Cores {
    /// Online cores, at least 1.
    @inlinable
    package static var active: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// Splits `0..<count` into one range per core and runs `body` on each, concurrently; below
/// `minimumChunk` elements per core it runs once on the calling thread. Callers' results
/// never depend on how the work was split.
///
/// `@inlinable`, as the rest of this module's loops: they are called from other modules on
/// 100,000-element hot paths, and unspecialised generic code across a module boundary made
/// encoding a table about a third slower (measured with `keyscope-bench --only compile`).
@inlinable
package func concurrentChunks(_ count: Int, minimumChunk: Int = 8_192, _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = min(Cores.active, max(1, count / max(1, minimumChunk)))
    if chunks == 1 { return body(0..<count) }
    let perChunk = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body((chunk * perChunk)..<min(count, (chunk + 1) * perChunk))
    }
}

/// Maps `source` on all cores, writing each result straight into the new array's storage.
///
/// For walks over 100,000 keys whose cost is memory latency, not arithmetic: two cores
/// halve it. Elements are read in place (no copy, so no reference counting of their
/// fields) and results are not gathered through a second array.
@inlinable
package func parallelMap<Source: Sendable, Result: Sendable>(
    _ source: [Source], minimumChunk: Int = 8_192, _ transform: @Sendable (borrowing Source) -> Result
) -> [Result] {
    let count = source.count
    return source.withUnsafeBufferPointer { input in
        [Result](unsafeUninitializedCapacity: count) { output, initialized in
            guard count > 0, let inputBase = input.baseAddress, let outputBase = output.baseAddress else {
                initialized = 0
                return
            }
            // INVARIANT (disjoint writes): each chunk initialises exactly the elements of its
            // own range, and every element is initialised before this closure returns.
            let pointers = UncheckedPointers(input: inputBase, output: outputBase)
            concurrentChunks(count, minimumChunk: minimumChunk) { range in
                for index in range {
                    (pointers.output + index).initialize(to: transform(pointers.input[index]))
                }
            }
            initialized = count
        }
    }
}

/// The two buffers of `parallelMap`, handed to its workers.
@usableFromInline
struct UncheckedPointers<Source, Result>: @unchecked Sendable {
    @usableFromInline let input: UnsafePointer<Source>
    @usableFromInline let output: UnsafeMutablePointer<Result>

    @inlinable
    init(input: UnsafePointer<Source>, output: UnsafeMutablePointer<Result>) {
        self.input = input
        self.output = output
    }
}
