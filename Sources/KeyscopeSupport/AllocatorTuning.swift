#if canImport(Glibc)
import Glibc
#endif

/// Allocator settings for a batch run over a large policy tree.
///
/// Reading 100,000 keys builds hundreds of megabytes of small objects on two
/// threads. With glibc's defaults the heap grows in small steps and large
/// arrays are mapped one by one, so the threads spend their time in page
/// faults serialised on the kernel's memory map lock. Growing the heap in
/// large steps and never trimming it during the run removes most of that
/// (measured with `keyscope-bench --only parse`, see docs/benchmarks.md).
/// Executables call this once at start; the library never changes process state by itself.
package enum AllocatorTuning {
    package static func configureForBatchRun() {
        #if canImport(Glibc)
        // <malloc.h>: M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_THRESHOLD -3.
        _ = glibcMallopt(-2, 1 << 30)
        _ = glibcMallopt(-1, 1 << 30)
        _ = glibcMallopt(-3, 32 << 20)
        #endif
    }
}

#if canImport(Glibc)
// glibc's mallopt(3); <malloc.h> is not part of the Glibc module.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
