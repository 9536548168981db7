import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (builds that wait on pip for minutes) on a few dedicated threads, not on Swift
/// concurrency's small cooperative pool, which blocking calls would starve.
enum ParallelWork {
    /// Calls `body` with every index in `0..<count`, on up to `width` threads at once; returns when
    /// all calls have returned. A thread that cannot be created leaves its share to the others (and
    /// with none created, the calling thread does everything).
    static func run(count: Int, width: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let queue = WorkQueue(count: count, body: body)
        var threads: [pthread_t] = []
        for _ in 0..<max(1, min(width, count)) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(queue).toOpaque()
            let created = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<WorkQueue>.fromOpaque(context).takeRetainedValue().drain()
                return nil
            }, context)
            if created == 0 {
                threads.append(thread)
            } else {
                Unmanaged<WorkQueue>.fromOpaque(context).release()
            }
        }
        if threads.isEmpty { queue.drain() }
        for thread in threads { pthread_join(thread, nil) }
    }
}

/// The indices still to hand out and the work to do with each.
private final class WorkQueue: Sendable {
    private let next = Mutex(0)
    private let count: Int
    private let body: @Sendable (Int) -> Void

    init(count: Int, body: @escaping @Sendable (Int) -> Void) {
        self.count = count
        self.body = body
    }

    /// Takes indices until none is left.
    func drain() {
        while true {
            let index = next.withLock { value -> Int in
                defer { value += 1 }
                return value
            }
            guard index < count else { return }
            body(index)
        }
    }
}
