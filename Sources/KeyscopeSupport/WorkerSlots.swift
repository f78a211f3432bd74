/// Slots that concurrent workers fill: the one container for results computed on several
/// cores (validation rules, key columns, diff chunks, the two states of a diff).
///
/// INVARIANT (disjoint writes): each index is written by exactly one worker, and the
/// contents are read only after every worker has finished (`concurrentPerform` returned).
/// The storage is raw memory, not an array property, so concurrent writes to distinct
/// slots neither copy the array nor trip Swift's exclusivity checks; no lock is taken.
package final class WorkerSlots<Element>: @unchecked Sendable {
    /// The first slot, for hot loops that write through the pointer.
    package let base: UnsafeMutablePointer<Element>
    package let count: Int

    @inlinable
    package init(count: Int, repeating initial: Element) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: initial, count: count)
    }

    @inlinable
    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inlinable
    package func set(_ index: Int, _ value: Element) {
        precondition(index >= 0 && index < count, "slot \(index) of \(count)")
        base[index] = value
    }

    @inlinable
    package subscript(_ index: Int) -> Element {
        precondition(index >= 0 && index < count, "slot \(index) of \(count)")
        return base[index]
    }

    /// Every slot, in index order.
    @inlinable
    package func array() -> [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
