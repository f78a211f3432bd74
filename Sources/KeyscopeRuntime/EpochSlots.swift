import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Epoch-based reclamation for one pointer with many readers: readers write only a slot of
/// their own thread, never a shared cache line.
///
/// A reader stores the global epoch in its thread's slot (sequentially consistent), then loads
/// the pointer, uses it, and marks the slot idle. A writer exchanges the pointer, then advances
/// the epoch, retiring the old pointer at the epoch before the advance. Every thread that may
/// still hold the old pointer announced an epoch no later than that one before loading it (all
/// of it in one sequentially consistent order), so the old pointer may be freed once every
/// active slot shows a later epoch: `oldestActive() > retiredEpoch`.
///
/// Slots are made per thread on first use (a pthread key per store) and marked dead when the
/// thread exits; dead slots are dropped at the next scan.
final class EpochSlots: @unchecked Sendable {
    // @unchecked: `key` is written once in init; `slots` is under its mutex.

    /// One thread's announcement, padded so that two threads' slots do not share a cache line.
    final class Slot: Sendable {
        let epoch = Atomic<UInt64>(EpochSlots.idle)
        let dead = Atomic<Bool>(false)
        // 7 words of padding after the two atomics: 64 bytes and more per slot object.
        let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
    }

    static let idle = UInt64.max

    private let epoch = Atomic<UInt64>(1)
    private let slots = Mutex<[Slot]>([])
    private var key = pthread_key_t()

    init() {
        // The thread's retain of its slot is released, and the slot marked dead, when the thread exits.
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            let slot = Unmanaged<Slot>.fromOpaque(pointer)
            slot.takeUnretainedValue().epoch.store(EpochSlots.idle, ordering: .sequentiallyConsistent)
            slot.takeUnretainedValue().dead.store(true, ordering: .releasing)
            slot.release()
        }
    }

    deinit {
        // Threads still alive keep a retain on their slot object (a few bytes each); the key is gone.
        pthread_key_delete(key)
    }

    /// The calling thread's slot, made on its first read.
    @inline(__always)
    private func slot() -> Slot {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<Slot>.fromOpaque(pointer).takeUnretainedValue()
        }
        let slot = Slot()
        pthread_setspecific(key, Unmanaged.passRetained(slot).toOpaque())
        slots.withLock { $0.append(slot) }
        return slot
    }

    /// Runs `body` as a reader: what it loads of the protected pointer stays valid until it returns.
    @inline(__always)
    func reading<Result>(_ body: () -> Result) -> Result {
        let slot = slot()
        // Nested reads on one thread keep the outer announcement (which is the older one).
        let outer = slot.epoch.load(ordering: .relaxed)
        if outer == Self.idle {
            slot.epoch.store(epoch.load(ordering: .relaxed), ordering: .sequentiallyConsistent)
        }
        defer { if outer == Self.idle { slot.epoch.store(Self.idle, ordering: .releasing) } }
        return body()
    }

    /// Advances the epoch; returns the epoch before (the one a just-replaced pointer retires in).
    func advance() -> UInt64 {
        epoch.add(1, ordering: .sequentiallyConsistent).oldValue
    }

    /// The oldest epoch a reader is in now (`idle` when none is reading).
    func oldestActive() -> UInt64 {
        slots.withLock { slots in
            slots.removeAll { $0.dead.load(ordering: .acquiring) }
            var oldest = Self.idle
            for slot in slots { oldest = min(oldest, slot.epoch.load(ordering: .sequentiallyConsistent)) }
            return oldest
        }
    }
}
