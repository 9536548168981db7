import FunctionRuntime
import Synchronization

/// The task queue's numbers for the host's status page: tasks by status, the oldest pending task's
/// age, and leases rescued from dead workers. Runs on the host's status thread with a connection of
/// its own, opened on first use and kept.
public enum TaskQueueStatus {
    private static let store = Mutex<TaskStoreBox?>(nil)

    /// One collection; `{"error": ...}` when the database cannot be read.
    public static func collect() -> JSONValue {
        store.withLock { box -> JSONValue in
            do throws(TryOnError) {
                if box == nil { box = TaskStoreBox(store: try TaskStore(statementTimeoutMilliseconds: 2000)) }
                guard let current = box else { return ["error": "no store"] }
                let summary = try current.store.queueSummary()
                var counts: JSONObject = [:]
                for status in TaskStatus.allCases { counts[status.rawValue] = .number(Double(summary.counts[status] ?? 0)) }
                return .object([
                    "replicate_tasks": .object(counts),
                    "oldest_pending_seconds": summary.oldestPendingSeconds.map { .number(($0 * 10).rounded() / 10) } ?? .null,
                    "rescued_leases": .number(Double(summary.rescued)),
                ])
            } catch {
                return ["error": .string(error.message)]
            }
        }
    }
}

/// The status thread's store. `TaskStore` holds a libpq connection and is not Sendable; this box is
/// only ever touched inside `TaskQueueStatus.store`'s lock, by one thread at a time, which is what
/// libpq requires (one connection, one thread at a time). The one audited exception in the project.
final class TaskStoreBox: @unchecked Sendable {
    let store: TaskStore

    init(store: TaskStore) {
        self.store = store
    }
}
