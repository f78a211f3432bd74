import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix time in whole seconds, read without a system call.
///
/// A decision must notice that a key or the table has expired, but a
/// `clock_gettime` per decision would cost more than the decision itself. A
/// Dispatch timer stores the time in an atomic every `resolution`; a decision
/// reads it with one relaxed load. Expiry is therefore noticed within
/// `resolution` (default 100 ms) of the instant, far below the one-second
/// granularity of the table's expiry fields.
public final class CoarseClock: Sendable {
    private let seconds: Seconds
    private let timer: TimerHandle

    /// Held by the timer handler, so a handler that runs after the clock is gone touches live memory.
    private final class Seconds: Sendable {
        let value: Atomic<Int64>
        init(_ value: Int64) { self.value = Atomic(value) }
    }

    /// A clock that starts at the current time.
    public init(resolutionMilliseconds: Int = 100) {
        let seconds = Seconds(CoarseClock.systemNow())
        self.seconds = seconds
        let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "keyscope.coarse-clock"))
        timer = TimerHandle(source)
        source.schedule(deadline: .now(), repeating: .milliseconds(max(1, resolutionMilliseconds)))
        source.setEventHandler {
            seconds.value.store(CoarseClock.systemNow(), ordering: .relaxed)
        }
        source.activate()
    }

    deinit { timer.source.cancel() }

    /// Unix seconds, at most `resolution` old.
    @inline(__always)
    public var now: Int64 { seconds.value.load(ordering: .relaxed) }

    /// Shared by every store that is not given its own clock.
    public static let shared = CoarseClock()

    /// The system's real-time clock (one system call).
    public static func systemNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}

/// A Dispatch timer shared across threads; Dispatch sources are thread-safe to cancel.
final class TimerHandle: @unchecked Sendable {
    let source: DispatchSourceTimer
    init(_ source: DispatchSourceTimer) { self.source = source }
}
