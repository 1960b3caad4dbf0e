/// Threads, locks and condition variables over pthreads: what the decoders, the
/// executor and batch need, without Foundation, and visible to ThreadSanitizer.
#if canImport(Glibc)
import Glibc
#endif

/// A thread running `body`, joinable. (Foundation's Thread, without Foundation.)
public final class WorkerThread: @unchecked Sendable {
    // Sendable: the handle is written once, before start returns, and only read by join().
    private var handle = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread.
    public init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body: body))
        let r = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        precondition(r == 0, "cannot start a thread: \(String(cString: strerror(r)))")
    }

    /// Waits for the thread to end (once).
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// A mutex with a condition variable, for producer and consumer threads.
public final class Condition: @unchecked Sendable {
    // Sendable: the pthread objects are only used through their own locking calls.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits for a broadcast; call with the lock held.
    public func wait() { pthread_cond_wait(cond, mutex) }
    /// Wakes every waiting thread.
    public func broadcast() { pthread_cond_broadcast(cond) }

    /// Runs `body` with the lock held.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock(); defer { unlock() }
        return try body()
    }
}

/// A value behind a pthread mutex, used like the standard library's `Mutex`. (Its
/// futex-based `Mutex` is invisible to ThreadSanitizer on Linux, which then reports
/// races that are not there; a pthread mutex is understood.)
public final class Locked<Value>: @unchecked Sendable {
    // Sendable: `value` is only read or written inside `withLock`, under `mutex`.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on the value with the lock held.
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
